import Foundation
import ModelCheck
import TestSupport
import XCTest

/// Every committed ONNX test case through the ModelCheck module, one failure per failing case.
final class CommittedCaseTests: XCTestCase {
    /// Runs every case under `folder` and fails once for each case that does not pass, naming it and why.
    /// - Returns: the number of cases run.
    @discardableResult
    func assertEveryCasePasses(under folder: URL, file: StaticString = #filePath, line: UInt = #line) throws -> Int {
        let cases = try ONNXTestCase.find(in: [folder.path])
        for testCase in cases {
            let outcome = testCase.run()
            if outcome.result != .pass {
                XCTFail("\(testCase.name): \(outcome.result.rawValue) — \(outcome.detail ?? "no detail")", file: file, line: line)
            }
        }
        return cases.count
    }

    /// ONNX's own backend node tests (Fixtures/onnx-node, see its SOURCES.md).
    func testEveryONNXNodeCasePasses() throws {
        let count = try assertEveryCasePasses(under: FixturePaths.onnxNodeCases)
        XCTAssertGreaterThan(count, 400, "node cases missing")
    }

    /// Ops whose form changed across opsets, each form at its opset.
    func testEveryOpsetVariantCasePasses() throws {
        let count = try assertEveryCasePasses(under: FixturePaths.onnxOpsetCases)
        XCTAssertEqual(count, 38, "opset-variant cases missing")
    }
}
