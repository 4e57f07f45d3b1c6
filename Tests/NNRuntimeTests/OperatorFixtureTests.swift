import Foundation
import NNRuntime
import NNTensor
import ONNXFormat
import TestSupport
import XCTest

/// Every op case under Fixtures/ops: a one-op (or small) graph, random inputs and ONNX Runtime's outputs.
final class OperatorFixtureTests: XCTestCase {
    func testEveryOperatorCaseMatchesONNXRuntime() throws {
        let cases = try Fixtures.caseFolders("ops")
        XCTAssertGreaterThanOrEqual(cases.count, 50, "fixture cases missing")
        for folder in cases {
            let name = folder.lastPathComponent
            let model = try ONNXModel.load(path: folder.appendingPathComponent("model.onnx").path)
            var feeds: [String: Tensor] = [:]
            for (k, input) in model.graph.feedInputs.enumerated() {
                feeds[input.name] = try Fixtures.npy(folder.appendingPathComponent("input_\(k).npy"))
            }
            let shapes = feeds.mapValues(\.shape)
            // The reference convolution path must match ONNX Runtime to summation order; the fast paths
            // (Winograd F(4×4,3×3) rounds more: 1.0e-4 on conv_large_tiled, sums of 288 products of normal
            // variates) within a looser bound. Each fast path is also checked against the reference on random
            // shapes in ConvolutionAgreementTests.
            for (convolution, atol) in [(PlanOptions.Convolution.im2col, Float(3e-5)), (.automatic, 3e-4)] {
                for threads in [1, 2] {
                    let plan = try Plan(model: model, inputShapes: shapes, threads: threads,
                                        options: PlanOptions(convolution: convolution))
                    let outputs = try Session(plan: plan).run(feeds)
                    for (k, output) in model.graph.outputs.enumerated() {
                        let expected = try Fixtures.npy(folder.appendingPathComponent("output_\(k).npy"))
                        assertClose(outputs[output.name]!, expected, atol: atol, rtol: 3e-5,
                                    "\(name) (\(convolution), \(threads) threads)")
                    }
                }
            }
        }
    }

    func testConvReluIsFusedIntoOneStep() throws {
        let folder = Fixtures.root.appendingPathComponent("ops/conv_relu_fused")
        let model = try ONNXModel.load(path: folder.appendingPathComponent("model.onnx").path)
        let plan = try Plan(model: model)
        XCTAssertEqual(plan.stepOpTypes, ["Conv"])
        XCTAssertEqual(plan.statistics.fusedActivations, 1)
    }

    func testShapeChainFoldsToConstants() throws {
        let folder = Fixtures.root.appendingPathComponent("ops/shape_chain_resize_reshape_slice")
        let model = try ONNXModel.load(path: folder.appendingPathComponent("model.onnx").path)
        let plan = try Plan(model: model)
        // Shape, Gather, Unsqueeze, Concat (of shapes), Cast and Constant all fold away; the Reshape is a view.
        XCTAssertEqual(plan.stepOpTypes, ["Resize", "Add", "Slice"])
    }
}
