import Foundation
import U2Net
import XCTest

/// u2netp on real photos against ONNX Runtime: the engine's correctness contract
/// (all 7 outputs within 5e-4 max-abs and 1e-5 mean-abs).
final class U2NetpReferenceTests: XCTestCase {
    static let mean: [Float] = [0.485, 0.456, 0.406]
    static let std: [Float] = [0.229, 0.224, 0.225]

    /// The network input for a 320×320×3 uint8 photo, in float32 in the fixture script's order.
    static func inputTensor(_ pixels: Tensor) -> Tensor {
        let (h, w) = (pixels.shape[0], pixels.shape[1])
        let p = pixels.integers.map { Float($0) }
        let peak = p.max()!
        var out = [Float](repeating: 0, count: 3 * h * w)
        for y in 0..<h { for x in 0..<w { for c in 0..<3 {
            out[(c * h + y) * w + x] = (p[(y * w + x) * 3 + c] / peak - mean[c]) / std[c]
        } } }
        return Tensor(shape: [1, 3, h, w], values: out)
    }

    func testAllSevenOutputsMatchONNXRuntimeOnThreePhotos() throws {
        let path = Fixtures.u2netpPath
        try XCTSkipUnless(FileManager.default.fileExists(atPath: path), "run Tools/fetch-weights.sh first")
        let model = try InferenceModel(path: path)
        let photos = try Fixtures.caseFolders("u2netp")
        XCTAssertGreaterThanOrEqual(photos.count, 3)
        for folder in photos {
            let input = Self.inputTensor(try Fixtures.npy(folder.appendingPathComponent("pixels.npy")))
            let outputs = try model.run(input)
            XCTAssertEqual(outputs.count, 7)
            for (k, actual) in outputs.enumerated() {
                let expected = try Fixtures.npy(folder.appendingPathComponent("output_\(k).npy"))
                XCTAssertEqual(actual.shape, expected.shape)
                let agreement = Agreement(actual.floats, expected.floats, peak: 1, threshold: 0.5)
                let what = "\(folder.lastPathComponent) output \(k)"
                XCTAssertLessThanOrEqual(agreement.maxAbs, 5e-4, "\(what): max-abs")
                XCTAssertLessThanOrEqual(agreement.meanAbs, 1e-5, "\(what): mean-abs")
                print("u2netp \(what): max-abs \(agreement.maxAbs), mean-abs \(agreement.meanAbs)")
            }
        }
    }

    func testInspectionCountsMatchTheModel() throws {
        let path = Fixtures.u2netpPath
        try XCTSkipUnless(FileManager.default.fileExists(atPath: path), "run Tools/fetch-weights.sh first")
        let plan = try InferenceModel(path: path).plan()
        XCTAssertEqual(plan.statistics.convolutionCount, 119)
        // 19.756 G multiply-adds from ONNX Runtime's shapes; 1.13 M parameters.
        XCTAssertEqual(Double(plan.statistics.multiplyAdds) / 1e9, 19.756, accuracy: 0.001)
        XCTAssertEqual(Double(plan.statistics.parameterCount) / 1e6, 1.13, accuracy: 0.005)
        XCTAssertEqual(plan.statistics.graphOpCounts["Conv"], 119)
        XCTAssertEqual(plan.statistics.fusedActivations, 112)
        XCTAssertEqual(plan.statistics.concatsReadInPlace, 50, "every Concat that feeds one 3×3 convolution is read in place")
        XCTAssertEqual(plan.statistics.resizesReadInPlace, 33, "every decoder upsampling is done as its convolution reads it")
        XCTAssertEqual(plan.statistics.elidedConcats, 1, "the side outputs' Concat (read by a 1×1 convolution) is written in place")
        XCTAssertEqual(plan.statistics.fusedResiduals, 11, "every residual Add of the RSU blocks")
    }

    func testPlanningAtAnotherSizeGivesOutputsOfThatSize() throws {
        let path = Fixtures.u2netpPath
        try XCTSkipUnless(FileManager.default.fileExists(atPath: path), "run Tools/fetch-weights.sh first")
        let model = try InferenceModel(path: path)
        let plan = try model.plan(size: 160)
        XCTAssertEqual(plan.outputs.map(\.shape), Array(repeating: [1, 1, 160, 160], count: 7))
    }
}
