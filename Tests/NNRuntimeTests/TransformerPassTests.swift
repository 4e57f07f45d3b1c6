import Foundation
import NNRuntime
import NNTensor
import ONNXFormat
import TestSupport
import XCTest

/// The transformer passes on the op cases of Tools/reference/make_transformer_fixtures.py: what each fuses, and
/// that a near-miss is left as written (the values of every case are checked against ONNX Runtime by
/// OperatorFixtureTests).
final class TransformerPassTests: XCTestCase {
    private func plan(_ name: String) throws -> Plan {
        let folder = Fixtures.root.appendingPathComponent("ops/\(name)")
        let model = try ONNXModel.load(path: folder.appendingPathComponent("model.onnx").path)
        return try Plan(model: model, threads: 2)
    }

    func testMatMulBiasGeluAndResidualFuseIntoTwoProducts() throws {
        let p = try plan("matmul_gelu_fused")
        XCTAssertEqual(p.stepOpTypes, ["MatMul", "MatMul"], "bias, GELU chain, bias and residual all fused")
        XCTAssertEqual(p.statistics.fusedResiduals, 1)
    }

    func testBiasAddFusesIntoTheMatMul() throws {
        XCTAssertEqual(try plan("matmul_weight_bias").stepOpTypes, ["MatMul"])
    }

    func testTransposedOperandIsReadInPlace() throws {
        XCTAssertEqual(try plan("matmul_transposed_operand").stepOpTypes, ["MatMul"])
    }

    func testGeluChainWithoutAProducerBecomesOneStep() throws {
        XCTAssertEqual(try plan("gelu_chain_alone").stepOpTypes, ["Gelu"])
    }

    func testGeluNearMissRunsAsWritten() throws {
        XCTAssertEqual(try plan("gelu_chain_near_miss").stepOpTypes, ["Div", "Erf", "Add", "Mul", "Mul"])
    }

    func testDecomposedLayerNormIsOneStep() throws {
        XCTAssertEqual(try plan("layernorm_decomposed").stepOpTypes, ["LayerNormalization"])
    }

    func testLayerNormNearMissRunsAsWritten() throws {
        let types = try plan("layernorm_decomposed_near_miss").stepOpTypes
        XCTAssertFalse(types.contains("LayerNormalization"))
        XCTAssertEqual(types.filter { $0 == "ReduceMean" }.count, 2)
        XCTAssertTrue(types.contains("Pow"))
    }

    func testBiasAndMaskAddsFoldIntoTheSoftmax() throws {
        XCTAssertEqual(try plan("softmax_bias_and_mask_add").stepOpTypes, ["Softmax"], "both Adds and both Reshapes folded")
    }

    func testWindowPaddingRollAndPartitionAreOneRowGatherEachWay() throws {
        // Pad, two rolls (2 Slices + Concat each), Reshape, Transpose, 2 Reshapes → one gather; the reverse
        // (Reshape, Transpose, Reshape) → one gather.
        XCTAssertEqual(try plan("swin_window_pad_roll_partition").stepOpTypes, ["RowGather", "MatMul", "RowGather"])
    }

    func testTransposeMovingTheLastAxisIsOneStridedCopy() throws {
        let p = try plan("transpose_last_axis_moves")
        XCTAssertEqual(p.stepOpTypes, ["Transpose"])
    }

    func testAttentionsProductsAndSoftmaxAreOneStep() throws {
        // q·scale, Kᵀ, the bias, the mask's 5-D view, the Softmax and both products are one step.
        XCTAssertEqual(try plan("attention_fused").stepOpTypes, ["Attention"])
        XCTAssertEqual(try plan("attention_broadcast_keys_transposed_values").stepOpTypes, ["Attention"])
    }

    func testAttentionNearMissesRunAsThreeSteps() throws {
        for name in ["attention_near_miss_logsoftmax", "attention_near_miss_probabilities_output", "attention_near_miss_constant_values"] {
            let types = try plan(name).stepOpTypes
            XCTAssertFalse(types.contains("Attention"), name)
            XCTAssertEqual(types.filter { $0 == "MatMul" }.count, 2, name)
        }
    }

    func testNarrowingPointwiseConvolutionRunsBeforeTheResize() throws {
        XCTAssertEqual(try plan("head_resize_then_pointwise_conv").stepOpTypes, ["Conv", "Resize"])
        XCTAssertEqual(try plan("head_scaled_resize_then_pointwise_conv").stepOpTypes, ["Conv", "Resize"])
    }

    func testHeadNearMissesKeepTheirOrder() throws {
        // A 3×3 window reads the Resize in place instead; a Resize that is also an output stays first.
        XCTAssertEqual(try plan("head_near_miss_window").stepOpTypes, ["Conv"])
        XCTAssertEqual(try plan("head_near_miss_resized_output").stepOpTypes, ["Resize", "Conv"])
    }

    func testInverseTransposePairMovesNothing() throws {
        XCTAssertEqual(try plan("transpose_pair_inverse").stepOpTypes, ["Mul"], "both Transposes and the Reshapes gone")
    }

    func testTransposePairThatIsNotInverseRunsAsWritten() throws {
        let types = try plan("transpose_pair_near_miss").stepOpTypes
        XCTAssertEqual(types.last, "Mul")
        XCTAssertGreaterThan(types.count, 1, "the permutations compose to a move: \(types)")
    }
}
