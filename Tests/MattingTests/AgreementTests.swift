import Matting
import XCTest

final class AgreementTests: XCTestCase {
    func testMetricsByHand() {
        let a: [Float] = [0, 0.25, 1, 1]
        let b: [Float] = [0, 0.75, 1, 0]
        let m = Agreement(a, b, peak: 1, threshold: 0.5)
        XCTAssertEqual(m.maxAbs, 1)
        XCTAssertEqual(m.worstIndex, 3)
        XCTAssertEqual(m.meanAbs, 1.5 / 4)
        XCTAssertEqual(m.rmse, ((0.25 + 1) / 4).squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(m.psnr, 10 * log10(1 / ((0.25 + 1) / 4)), accuracy: 1e-9)
        // Above 0.5: a = {2, 3}, b = {1, 2} → intersection 1, union 3.
        XCTAssertEqual(m.iou, 1.0 / 3, accuracy: 1e-12)
    }

    func testIdenticalInputs() {
        let m = Agreement([1, 2, 3], [1, 2, 3], peak: 255, threshold: 127.5)
        XCTAssertEqual(m.maxAbs, 0)
        XCTAssertEqual(m.psnr, .infinity)
        XCTAssertEqual(m.iou, 1)
    }
}
