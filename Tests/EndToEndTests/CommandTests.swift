import Foundation
import U2Net
import XCTest

/// `infer`, `compare`, `inspect`, `bench`, `--version` as a user runs them.
final class CommandTests: XCTestCase {
    let cli = CLI()

    func run(_ args: [String]) throws -> CLI.Result { try cli.run(args) }

    func temporaryDirectory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("u2net-run-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        return dir
    }

    func requireModel() throws { try cli.requireModel() }

    func testInferThenCompareAgainstONNXRuntime() throws {
        try requireModel()
        let dir = try temporaryDirectory()
        let out = dir.appendingPathComponent("mask.npy").path
        let infer = try run(["infer", "--model", "u2netp", "--input", CLI.example, "--output", out, "--all-outputs", dir.path + "/all"])
        XCTAssertEqual(infer.status, 0, infer.stderr)
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path + "/all").sorted()
        XCTAssertEqual(files, (0..<7).map { "output_\($0).npy" })

        let ok = try run(["compare", out, CLI.reference, "--max-abs", "5e-4", "--mean-abs", "1e-5", "--json"])
        XCTAssertEqual(ok.status, 0, ok.stdout + ok.stderr)
        let json = try JSONSerialization.jsonObject(with: Data(ok.stdout.utf8)) as! [String: Any]
        XCTAssertLessThanOrEqual(json["max_abs"] as! Double, 5e-4)
        XCTAssertGreaterThan(json["iou"] as! Double, 0.99)

        let strict = try run(["compare", out, CLI.reference, "--max-abs", "0"])
        XCTAssertEqual(strict.status, 1, "a difference above the threshold exits 1")
        XCTAssertTrue(strict.stdout.contains("exceeded  max-abs"))
    }

    func testVersionIsTheLibrarys() throws {
        let r = try run(["--version"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, "u2net-run \(U2NetVersion.string)\n")
        XCTAssertTrue(U2NetVersion.string.split(separator: ".").count == 3 && U2NetVersion.string.split(separator: ".").allSatisfy { Int($0) != nil },
                      "major.minor.patch: \(U2NetVersion.string)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: CLI.packageRoot.appendingPathComponent("--version.out.png").path),
                       "not read as a photo")
    }

    func testInspectReportsComputeAndParameters() throws {
        try requireModel()
        let r = try run(["inspect", "Weights/u2netp.onnx"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("19.76 G multiply-adds per run, 19.76 G of them in 119 convolutions"), r.stdout)
        XCTAssertTrue(r.stdout.contains("parameters 1.13 M"), r.stdout)
        XCTAssertTrue(r.stdout.contains("opset 11"), r.stdout)
        let big = try run(["inspect", "u2netp", "--size", "512", "--json"])
        let json = try JSONSerialization.jsonObject(with: Data(big.stdout.utf8)) as! [String: Any]
        XCTAssertEqual(json["convolutions"] as? Int, 119)
        XCTAssertEqual(Double(json["multiply_adds"] as! Int) / 19.756e9, 2.56, accuracy: 0.01)
    }

    /// A transformer graph's MatMuls count in its compute, and fused deformable chains are reported.
    func testInspectCountsMatMulsAndFusedDeformChains() throws {
        let model = CLI.packageRoot.appendingPathComponent("Tests/NNRuntimeTests/Fixtures/birefnet-small/model.onnx").path
        let r = try run(["inspect", model, "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        let all = try XCTUnwrap(json["multiply_adds"] as? Int), conv = try XCTUnwrap(json["convolution_multiply_adds"] as? Int)
        XCTAssertGreaterThan(all, conv, "the Swin backbone's MatMuls")
        // Every exporter-encoded deformable convolution (four GatherNDs each) runs as one DeformConv.
        let gathers = try XCTUnwrap((json["ops"] as? [String: Int])?["GatherND"])
        XCTAssertGreaterThan(gathers, 0)
        XCTAssertEqual(json["fused_deform_chains"] as? Int, gathers / 4, "the decoder's exporter-encoded deformable blocks")
    }

    func testBenchPrintsJSON() throws {
        try requireModel()
        let r = try run(["bench", "--model", "u2netp", "--size", "160", "--runs", "2", "--warmup", "0", "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let last = r.stdout.split(separator: "\n").last.map(String.init) ?? ""
        let json = try JSONSerialization.jsonObject(with: Data(last.utf8)) as! [String: Any]
        XCTAssertEqual(json["runs"] as? Int, 2)
        XCTAssertEqual(json["size"] as? Int, 160)
        XCTAssertGreaterThan(json["median_ms"] as! Double, 0)
    }

    func testBadInputsGiveOneLineAndNoOutputFile() throws {
        let dir = try temporaryDirectory()
        let out = dir.appendingPathComponent("out.npy").path
        let notModel = dir.appendingPathComponent("fake.onnx")
        try Data("this is not a model".utf8).write(to: notModel)
        let truncated = dir.appendingPathComponent("truncated.onnx")
        if FileManager.default.fileExists(atPath: CLI.model) {
            let data = try Data(contentsOf: URL(fileURLWithPath: CLI.model))
            try data.prefix(data.count / 3).write(to: truncated)
        } else {
            try Data([0x08, 0x06, 0x3A, 0x80, 0x01]).write(to: truncated)
        }
        let notNPY = dir.appendingPathComponent("input.npy")
        try Data("garbage".utf8).write(to: notNPY)

        let cases: [([String], String)] = [
            (["infer", "--model", "nowhere", "--input", CLI.example, "--output", out], "model 'nowhere' not found"),
            (["infer", "--model", notModel.path, "--input", CLI.example, "--output", out], "ONNX"),
            (["infer", "--model", truncated.path, "--input", CLI.example, "--output", out], "not a valid ONNX protobuf file"),
            (["infer", "--model", CLI.model, "--input", notNPY.path, "--output", out], "not a usable .npy file"),
            (["infer", "--model", CLI.model, "--input", dir.path + "/missing.npy", "--output", out], "no such file"),
            (["compare", CLI.example, notNPY.path], "not a usable .npy file"),
            (["inspect", notModel.path], "ONNX"),
        ]
        for (args, message) in cases {
            if args.contains(CLI.model), !FileManager.default.fileExists(atPath: CLI.model) { continue }
            let r = try run(args)
            XCTAssertEqual(r.status, 2, "\(args): \(r.stderr)")
            let lines = r.stderr.split(separator: "\n")
            XCTAssertEqual(lines.count, 1, "\(args): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains(message), "\(args): \(r.stderr)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: out), "\(args) left an output file")
        }
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".tmp") }
        XCTAssertEqual(leftovers, [])
    }
}
