import Foundation
import XCTest

/// `u2net-run check` on ONNX's own node test cases (committed, see Fixtures/onnx-node/SOURCES.md).
final class CheckCommandTests: XCTestCase {
    let cli = CLI()
    static var cases: URL { CLI.packageRoot.appendingPathComponent("Tests/EndToEndTests/Fixtures/onnx-node") }

    func testEveryCommittedONNXNodeCasePasses() throws {
        let r = try cli.run(["check", Self.cases.path, "--quiet"])
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        let summary = try XCTUnwrap(r.stdout.split(separator: "\n").last.map(String.init))
        let numbers = summary.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
        XCTAssertEqual(numbers.count, 4, summary)
        XCTAssertGreaterThan(numbers[0], 400, summary)
        XCTAssertEqual(numbers[0], numbers[1], "every case passes: \(summary)")
    }

    /// Ops whose form changed across opsets, each form at its opset (Tools/reference/make_opset_fixtures.py).
    func testOpsetVariantsPass() throws {
        let dir = CLI.packageRoot.appendingPathComponent("Tests/EndToEndTests/Fixtures/onnx-opsets")
        let r = try cli.run(["check", dir.path])
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        XCTAssertTrue(r.stdout.contains("38 cases: 38 passed"), r.stdout)
        for form in ["clip_attributes_opset7", "slice_attributes_opset7", "reducemax_axes_input_opset18",
                     "split_num_outputs_opset18", "pad_axes_opset18", "upsample_attribute_opset7", "softmax_coerced_opset11"] {
            XCTAssertTrue(r.stdout.contains("\(form): pass"), form)
        }
    }

    func testMismatchesAndRefusalsAreReported() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("check-\(UUID())")
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        let fm = FileManager.default
        // Relu's expected output replaced by its input: negative inputs now mismatch.
        let wrong = dir.appendingPathComponent("relu_wrong")
        try fm.createDirectory(at: dir, withIntermediateDirectories: true)
        try fm.copyItem(at: Self.cases.appendingPathComponent("test_relu"), to: wrong)
        let data = wrong.appendingPathComponent("test_data_set_0")
        try fm.removeItem(at: data.appendingPathComponent("output_0.pb"))
        try fm.copyItem(at: data.appendingPathComponent("input_0.pb"), to: data.appendingPathComponent("output_0.pb"))
        // A model file that is not a model.
        let broken = dir.appendingPathComponent("broken")
        try fm.copyItem(at: Self.cases.appendingPathComponent("test_relu"), to: broken)
        try Data("not a model".utf8).write(to: broken.appendingPathComponent("model.onnx"))

        let r = try cli.run(["check", dir.path, "--json"])
        XCTAssertEqual(r.status, 1, r.stderr)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 2, r.stdout)
        XCTAssertTrue(lines.contains { $0.contains("\"result\":\"mismatch\"") && $0.contains("relu_wrong") && $0.contains("worst error") }, r.stdout)
        XCTAssertTrue(lines.contains { $0.contains("\"result\":\"refused\"") && $0.contains("broken") }, r.stdout)
        let missing = try cli.run(["check", dir.appendingPathComponent("nowhere").path])
        XCTAssertEqual(missing.status, 2)
        XCTAssertTrue(missing.stderr.contains("not a folder"), missing.stderr)
    }
}
