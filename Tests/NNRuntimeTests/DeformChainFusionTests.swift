import Foundation
import NNRuntime
import NNTensor
import ONNXFormat
import TestSupport
import XCTest

/// The deformable-convolution chain fusion (``DeformChainFusion``) on small blocks in deform_conv2d_onnx_exporter's
/// encoding (Tools/make-model-graphs.sh --fixtures, Tools/reference/make_deform_near_misses.py): chains that must
/// fuse into one DeformConv step, and near-misses — one op changed — that must run as plain ops. Either way the
/// output must match ONNX Runtime's within 1e-3·max|reference| + 1e-4.
final class DeformChainFusionTests: XCTestCase {
    /// The cases and whether each must fuse, from the fixtures' list.
    private func cases() throws -> [(name: String, fused: Bool)] {
        let text = try String(contentsOf: Fixtures.root.appendingPathComponent("deform-chain-cases.txt"), encoding: .utf8)
        return text.split(separator: "\n").map { line in
            let parts = line.split(separator: " ")
            return (String(parts[0]), parts[1] == "fused")
        }
    }

    private func check(_ name: String, fused: Bool) throws {
        let dir = Fixtures.root.appendingPathComponent("deform-chain-\(name)")
        let model = try ONNXModel.load(path: dir.appendingPathComponent("model.onnx").path)
        let feed = try Fixtures.npy(dir.appendingPathComponent("input_0.npy"))
        let plan = try Plan(model: model, inputShapes: [model.graph.feedInputs[0].name: feed.shape], threads: 2)
        XCTAssertEqual(plan.statistics.fusedDeformChains, fused ? 1 : 0, "\(name): chains fused")
        let opTypes = Set(Session(plan: plan).stepDescriptions.map(\.opType))
        XCTAssertEqual(opTypes.contains("GatherND"), !fused, "\(name): GatherND steps \(fused ? "left" : "missing") in \(opTypes.sorted())")
        XCTAssertEqual(opTypes.contains("DeformConv"), fused, "\(name): DeformConv step")
        let output = try Session(plan: plan).run(feed)[0]
        let expected = try Fixtures.npy(dir.appendingPathComponent("output_0.npy"))
        XCTAssertEqual(output.shape, expected.shape, name)
        let reference = expected.floats
        let scale = reference.reduce(0) { max($0, Double(abs($1))) }
        let comparison = Tolerance(absolute: 0, relative: 0).compare(actual: output.floats, expected: reference)
        XCTAssertLessThanOrEqual(comparison.maxAbs, 1e-3 * scale + 1e-4, "\(name): max |ref| \(scale)")
        print("deform-chain-\(name): fused \(plan.statistics.fusedDeformChains), max-abs \(comparison.maxAbs), mean-abs \(comparison.meanAbs)")
    }

    func testMatchingChainsFuseAndNearMissesRunPlain() throws {
        let all = try cases()
        XCTAssertGreaterThanOrEqual(all.filter(\.fused).count, 3)
        XCTAssertGreaterThanOrEqual(all.filter { !$0.fused }.count, 6)
        for c in all { try check(c.name, fused: c.fused) }
    }

    /// The block fixtures shared with the reference tests: the exporter's encoding fuses, 3×3, 7×7 and strided.
    func testExporterBlocksFuse() throws {
        for name in ["deform3-exporter", "deform7-exporter", "deform-strided-exporter"] {
            let dir = Fixtures.root.appendingPathComponent(name)
            let model = try ONNXModel.load(path: dir.appendingPathComponent("model.onnx").path)
            let feed = try Fixtures.npy(dir.appendingPathComponent("input_0.npy"))
            let plan = try Plan(model: model, inputShapes: [model.graph.feedInputs[0].name: feed.shape], threads: 2)
            XCTAssertEqual(plan.statistics.fusedDeformChains, 1, name)
        }
    }
}
