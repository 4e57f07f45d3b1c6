import Foundation
import NNRuntime
import NNTensor
import ONNXFormat
import TestSupport
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

    /// The default model, or a skip when Tools/fetch-weights.sh has not been run.
    static func u2netp() throws -> ONNXModel {
        try FixturePaths.requireU2netp()
        return try ONNXModel.load(path: Fixtures.u2netpPath)
    }

    func testAllSevenOutputsMatchONNXRuntimeOnThreePhotos() throws {
        let model = try Self.u2netp()
        let inputName = try XCTUnwrap(model.graph.feedInputs.first?.name)
        let contract = Tolerance(absolute: 5e-4, relative: 0)
        let photos = try Fixtures.caseFolders("u2netp")
        XCTAssertGreaterThanOrEqual(photos.count, 3)
        var session: Session?
        for folder in photos {
            let input = Self.inputTensor(try Fixtures.npy(folder.appendingPathComponent("pixels.npy")))
            if session?.plan.inputs.first?.shape != input.shape {
                session = Session(plan: try Plan(model: model, inputShapes: [inputName: input.shape]))
            }
            let outputs = try session!.run(input)
            XCTAssertEqual(outputs.count, 7)
            for (k, actual) in outputs.enumerated() {
                let expected = try Fixtures.npy(folder.appendingPathComponent("output_\(k).npy"))
                XCTAssertEqual(actual.shape, expected.shape)
                let comparison = contract.compare(actual: actual.floats, expected: expected.floats)
                let what = "\(folder.lastPathComponent) output \(k)"
                XCTAssertLessThanOrEqual(comparison.maxAbs, 5e-4, "\(what): max-abs")
                XCTAssertLessThanOrEqual(comparison.meanAbs, 1e-5, "\(what): mean-abs")
                print("u2netp \(what): max-abs \(comparison.maxAbs), mean-abs \(comparison.meanAbs)")
            }
        }
    }

    func testInspectionCountsMatchTheModel() throws {
        let plan = try Plan(model: try Self.u2netp())
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
        let model = try Self.u2netp()
        let inputName = try XCTUnwrap(model.graph.feedInputs.first?.name)
        let plan = try Plan(model: model, inputShapes: [inputName: [1, 3, 160, 160]])
        XCTAssertEqual(plan.outputs.map(\.shape), Array(repeating: [1, 1, 160, 160], count: 7))
    }
}
