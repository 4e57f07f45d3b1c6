import Foundation
import NNRuntime
import NNTensor
import ONNXFormat
import TestSupport
import XCTest

/// Reduced variants of the architecture-faithful random-weight graphs (Tools/make-model-graphs.sh --fixtures)
/// against ONNX Runtime's outputs: a deformable-convolution block in both encodings (ONNX `DeformConv` and the
/// `deform_conv2d_onnx_exporter` chain around four `GatherND`s), IS-Net (DIS's ISNetDIS), and a BiRefNet-lite-style
/// Swin-T graph with both LayerNorm forms.
///
/// Tolerances as the models issue sets them: sigmoid outputs within 1e-3 max-abs and 1e-4 mean-abs; raw maps within
/// 1e-3·max|reference| + 1e-4 max-abs.
final class ModelGraphReferenceTests: XCTestCase {
    enum Output { case sigmoid, raw }

    /// Loads and plans the fixture: every op and tensor type of these graphs runs on the engine.
    private func planned(_ name: String, threads: Int = 2) throws -> (Session, URL) {
        let dir = Fixtures.root.appendingPathComponent(name)
        let model = try ONNXModel.load(path: dir.appendingPathComponent("model.onnx").path)
        let input = try XCTUnwrap(model.graph.feedInputs.first)
        let feed = try Fixtures.npy(dir.appendingPathComponent("input_0.npy"))
        let plan = try Plan(model: model, inputShapes: [input.name: feed.shape], threads: threads)
        return (Session(plan: plan), dir)
    }

    /// Runs the fixture and compares its first output (and any further `output_K.npy` present) with ONNX Runtime's.
    private func check(_ name: String, _ kind: Output) throws {
        let (session, dir) = try planned(name)
        let feed = try Fixtures.npy(dir.appendingPathComponent("input_0.npy"))
        let outputs = try session.run(feed)
        var k = 0
        while FileManager.default.fileExists(atPath: dir.appendingPathComponent("output_\(k).npy").path) {
            let expected = try Fixtures.npy(dir.appendingPathComponent("output_\(k).npy"))
            XCTAssertGreaterThan(outputs.count, k, "\(name): output \(k) missing")
            guard outputs.count > k else { return }
            guard outputs[k].shape == expected.shape else {
                return XCTFail("\(name): output \(k) has shape \(outputs[k].shape), ONNX Runtime's \(expected.shape)")
            }
            let reference = expected.floats
            let comparison = Tolerance(absolute: 0, relative: 0).compare(actual: outputs[k].floats, expected: reference)
            switch kind {
            case .sigmoid:
                XCTAssertLessThanOrEqual(comparison.maxAbs, 1e-3, "\(name): output \(k)")
                XCTAssertLessThanOrEqual(comparison.meanAbs, 1e-4, "\(name): output \(k)")
            case .raw:
                let scale = reference.reduce(0) { max($0, Double(abs($1))) }
                XCTAssertLessThanOrEqual(comparison.maxAbs, 1e-3 * scale + 1e-4, "\(name): output \(k), max |ref| \(scale)")
            }
            print("\(name) output \(k) \(expected.shape): max-abs \(comparison.maxAbs), mean-abs \(comparison.meanAbs)")
            k += 1
        }
        XCTAssertGreaterThan(k, 0, "\(name): no reference outputs")
    }

    // The deformable block: 3×3 and 7×7, and 3×3 with stride 2, dilation 2, 2 groups and 2 offset groups.
    func testDeform3x3Native() throws { try check("deform3-native", .raw) }
    func testDeform3x3ExporterEncoding() throws { try check("deform3-exporter", .raw) }
    func testDeform7x7Native() throws { try check("deform7-native", .raw) }
    func testDeform7x7ExporterEncoding() throws { try check("deform7-exporter", .raw) }
    func testDeformStridedGroupedNative() throws { try check("deform-strided-native", .raw) }
    func testDeformStridedGroupedExporterEncoding() throws { try check("deform-strided-exporter", .raw) }

    // IS-Net (ISNetDIS at 8% width, 96×80): its six sigmoid side outputs.
    func testISNet() throws { try check("isnet-small", .sigmoid) }

    // The BiRefNet-lite-style graph (reduced Swin widths, 128×96): LayerNormalization with a −inf shift mask and
    // both deformable encodings; the decomposed LayerNorm at opset 16 with a −100 mask and the exporter's encoding;
    // and the Swin backbone with the plain decoder (no deformable convolution), 96×128.
    func testBiRefNetStyle() throws { try check("birefnet-small", .sigmoid) }
    func testBiRefNetStyleDecomposedLayerNorm() throws { try check("birefnet-small-decomposed", .sigmoid) }
    func testSwinWithPlainDecoder() throws { try check("swin-small", .sigmoid) }
}
