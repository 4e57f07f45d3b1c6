import Foundation
import NNRuntime
import NNTensor
import ONNXFormat
import TestSupport
import XCTest

/// A width-reduced MODNet-architecture graph with random weights (Tools/make-modnet.sh --fixture): MobileNetV2
/// with ReLU6 as Clip, IBNorm through Slice/BatchNorm/InstanceNorm/Concat, the SE block, in-graph resize sizes,
/// dynamic height and width — against ONNX Runtime's outputs on two non-square inputs.
final class MODNetReferenceTests: XCTestCase {
    func testMatchesONNXRuntimeOnNonSquareInputs() throws {
        let dir = Fixtures.root.appendingPathComponent("modnet")
        let model = try ONNXModel.load(path: dir.appendingPathComponent("model.onnx").path)
        let input = try XCTUnwrap(model.graph.feedInputs.first)
        let declared = (input.shape ?? []).map { dimension -> Int? in
            if case .fixed(let n) = dimension { return n } else { return nil }
        }
        XCTAssertEqual(declared.count, 4)
        guard declared.count == 4 else { return }
        XCTAssertNil(declared[2], "height is dynamic")
        let contract = Tolerance(absolute: 1e-3, relative: 0)
        for k in 0..<2 {
            let feed = try Fixtures.npy(dir.appendingPathComponent("input_\(k).npy"))
            let expected = try Fixtures.npy(dir.appendingPathComponent("output_\(k).npy"))
            let plan = try Plan(model: model, inputShapes: [input.name: feed.shape], threads: 2)
            let output = try Session(plan: plan).run(feed)[0]
            XCTAssertEqual(output.shape, [1, 1, feed.shape[2], feed.shape[3]])
            let comparison = contract.compare(actual: output.floats, expected: expected.floats)
            XCTAssertLessThanOrEqual(comparison.maxAbs, 1e-3, "input \(k)")
            XCTAssertLessThanOrEqual(comparison.meanAbs, 1e-4, "input \(k)")
            print("MODNet fixture, input \(feed.shape): max-abs \(comparison.maxAbs), mean-abs \(comparison.meanAbs)")
        }
        let plan = try Plan(model: model, inputShapes: [input.name: [1, 3, 128, 128]], threads: 2)
        XCTAssertEqual(plan.statistics.foldedBatchNorms, 52, "every backbone BatchNormalization folds into its Conv")
    }
}
