import Imaging
import Matting
import NNTensor
import XCTest

final class CompositeTests: XCTestCase {
    func testColoursParse() {
        XCTAssertTrue(Composite.color("white")! == (255, 255, 255))
        XCTAssertTrue(Composite.color("#0a0B0c")! == (10, 11, 12))
        XCTAssertNil(Composite.color("#12345"))
        XCTAssertNil(Composite.color("mauve-ish"))
    }

    func testFlattenByHand() {
        let image = Image(width: 3, height: 1, rgb: [200, 100, 0, 200, 100, 0, 200, 100, 0])
        let mask = GrayImage(width: 3, height: 1, pixels: [0, 128, 255])
        let out = Composite.over(image, mask: mask, background: Image(width: 3, height: 1, color: (0, 0, 255)))
        // (f·a + b·(255 − a) + 127) / 255
        XCTAssertEqual(out.rgb, [0, 0, 255, 100, 50, 127, 200, 100, 0])
    }

    func testCutoutKeepsColoursAndCombinesAlpha() {
        let image = Image(width: 2, height: 1, rgb: [1, 2, 3, 4, 5, 6], alpha: [255, 128])
        let cut = Composite.cutout(image, mask: GrayImage(width: 2, height: 1, pixels: [128, 255]))
        XCTAssertEqual(cut.pixels, [1, 2, 3, 128, 4, 5, 6, 128])
        let clear = Composite.cutout(image, mask: GrayImage(width: 2, height: 1, pixels: [0, 1]))
        XCTAssertEqual(clear.pixels, [0, 0, 0, 0, 4, 5, 6, 1], "fully transparent pixels are zeros")
    }

    func testFinishNormalisesAndTruncates() {
        // min-max to [0, 255], truncation: -1 → 0, 0 → 127.5 → 127, 1 → 255.
        let preset = ModelPreset.u2net(size: 3)
        let out = preset.finish(Tensor(shape: [1, 1, 1, 3], values: [-1, 0, 1]), width: 3, height: 1)
        XCTAssertEqual(out.pixels, [0, 127, 255])
        let flat = preset.finish(Tensor(shape: [1, 1, 1, 3], values: [2, 2, 2]), width: 3, height: 1)
        XCTAssertEqual(flat.pixels, [0, 0, 0], "a constant output gives an empty mask, not NaN")
    }
}
