import Foundation
import ModelCheck
import NNTensor
import TestSupport
import XCTest

/// Mismatches, refusals and case discovery, on copies of a committed case altered to fail.
final class OutcomeTests: XCTestCase {
    private var relu: URL { FixturePaths.onnxNodeCases.appendingPathComponent("test_relu") }

    private func scratchFolder() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("model-check-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        return dir
    }

    func testAPassingCaseListsItsOps() {
        let outcome = ONNXTestCase(folder: relu.path).run()
        XCTAssertEqual(outcome, CaseOutcome(result: .pass, ops: ["Relu"]))
    }

    func testWrongExpectedValuesAreAMismatchNamingDataSetOutputAndElement() throws {
        // Relu's expected output replaced by its input: negative inputs now mismatch.
        let wrong = try scratchFolder().appendingPathComponent("relu_wrong")
        try FileManager.default.copyItem(at: relu, to: wrong)
        let data = wrong.appendingPathComponent("test_data_set_0")
        try FileManager.default.removeItem(at: data.appendingPathComponent("output_0.pb"))
        try FileManager.default.copyItem(at: data.appendingPathComponent("input_0.pb"), to: data.appendingPathComponent("output_0.pb"))
        let outcome = ONNXTestCase(folder: wrong.path).run()
        XCTAssertEqual(outcome.result, .mismatch)
        let detail = try XCTUnwrap(outcome.detail)
        XCTAssertTrue(detail.hasPrefix("test_data_set_0 output 'y': worst error "), detail)
        XCTAssertTrue(detail.contains("at element"), detail)
        // A tolerance wide enough for any difference passes it.
        XCTAssertEqual(ONNXTestCase(folder: wrong.path).run(tolerance: Tolerance(absolute: 1e9, relative: 0)).result, .pass)
    }

    func testUnreadableModelAndMissingDataAreRefused() throws {
        let dir = try scratchFolder()
        let broken = dir.appendingPathComponent("broken")
        try FileManager.default.copyItem(at: relu, to: broken)
        try Data("not a model".utf8).write(to: broken.appendingPathComponent("model.onnx"))
        let refused = ONNXTestCase(folder: broken.path).run()
        XCTAssertEqual(refused.result, .refused)
        XCTAssertEqual(refused.ops, [])
        XCTAssertNotNil(refused.detail)

        let noData = dir.appendingPathComponent("no_data")
        try FileManager.default.createDirectory(at: noData, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: relu.appendingPathComponent("model.onnx"), to: noData.appendingPathComponent("model.onnx"))
        XCTAssertEqual(ONNXTestCase(folder: noData.path).run(),
                       CaseOutcome(result: .refused, detail: "no test_data_set_* folder", ops: ["Relu"]))
    }

    func testCaseFoldersAreFoundOneLevelDown() throws {
        let dir = try scratchFolder()
        for name in ["b_case", "a_case"] {
            try FileManager.default.copyItem(at: relu, to: dir.appendingPathComponent(name))
        }
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("not_a_case"), withIntermediateDirectories: true)
        XCTAssertEqual(try ONNXTestCase.find(in: [dir.path]).map(\.name), ["a_case", "b_case"])
        XCTAssertEqual(try ONNXTestCase.find(in: [relu.path]).map(\.folder), [relu.path])

        let nowhere = dir.appendingPathComponent("nowhere").path
        XCTAssertThrowsError(try ONNXTestCase.find(in: [nowhere])) {
            XCTAssertEqual($0 as? ModelCheckError, .notAFolder(path: nowhere))
            XCTAssertEqual("\($0)", "'\(nowhere)' is not a folder")
        }
        let empty = dir.appendingPathComponent("not_a_case").path
        XCTAssertThrowsError(try ONNXTestCase.find(in: [empty])) {
            XCTAssertEqual($0 as? ModelCheckError, .noModel(path: empty))
        }
    }
}
