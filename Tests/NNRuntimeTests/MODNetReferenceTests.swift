import Foundation
import U2Net
import XCTest

/// A width-reduced MODNet-architecture graph with random weights (Tools/make-modnet.sh --fixture): MobileNetV2
/// with ReLU6 as Clip, IBNorm through Slice/BatchNorm/InstanceNorm/Concat, the SE block, in-graph resize sizes,
/// dynamic height and width — against ONNX Runtime's outputs on two non-square inputs.
final class MODNetReferenceTests: XCTestCase {
    func testMatchesONNXRuntimeOnNonSquareInputs() throws {
        let dir = Fixtures.root.appendingPathComponent("modnet")
        let model = try InferenceModel(path: dir.appendingPathComponent("model.onnx").path, threads: 2)
        XCTAssertEqual(model.declaredInputShape.count, 4)
        XCTAssertNil(model.declaredInputShape[2], "height is dynamic")
        for k in 0..<2 {
            let input = try Fixtures.npy(dir.appendingPathComponent("input_\(k).npy"))
            let expected = try Fixtures.npy(dir.appendingPathComponent("output_\(k).npy"))
            let output = try model.run(input)[0]
            XCTAssertEqual(output.shape, [1, 1, input.shape[2], input.shape[3]])
            let a = output.floats, b = expected.floats
            let diffs = zip(a, b).map { abs($0 - $1) }
            let maxAbs = diffs.max() ?? 0, meanAbs = diffs.reduce(0, +) / Float(diffs.count)
            XCTAssertLessThanOrEqual(maxAbs, 1e-3, "input \(k)")
            XCTAssertLessThanOrEqual(meanAbs, 1e-4, "input \(k)")
            print("MODNet fixture, input \(input.shape): max-abs \(maxAbs), mean-abs \(meanAbs)")
        }
        let plan = try model.plan(size: 128)
        XCTAssertEqual(plan.statistics.foldedBatchNorms, 52, "every backbone BatchNormalization folds into its Conv")
    }
}
