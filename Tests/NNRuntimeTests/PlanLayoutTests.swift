import Foundation
import NNRuntime
import NNTensor
import ONNXFormat
import TestSupport
import XCTest

/// u2netp's plan is pinned: the same steps, kernels and arena offsets as the committed description
/// (`Fixtures/u2netp-plan.txt`; `U2NET_RECORD_PLAN=1 swift test -c release --filter PlanLayoutTests` rewrites it).
final class PlanLayoutTests: XCTestCase {
    func testU2netpPlanIsUnchanged() throws {
        let path = Fixtures.u2netpPath
        try XCTSkipUnless(FileManager.default.fileExists(atPath: path), "run Tools/fetch-weights.sh first")
        let plan = try Plan(model: try ONNXModel.load(path: path), inputShapes: ["input.1": [1, 3, 320, 320]], threads: 2)
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/u2netp-plan.txt")
        if ProcessInfo.processInfo.environment["U2NET_RECORD_PLAN"] == "1" {
            try plan.layoutDescription.write(to: fixture, atomically: true, encoding: .utf8)
        }
        let expected = try String(contentsOf: fixture, encoding: .utf8)
        XCTAssertEqual(plan.stepCount, 164)
        let actualLines = plan.layoutDescription.split(separator: "\n"), expectedLines = expected.split(separator: "\n")
        XCTAssertEqual(actualLines.count, expectedLines.count)
        for (k, (a, e)) in zip(actualLines, expectedLines).enumerated() where a != e {
            XCTFail("line \(k + 1) differs:\n  now      \(a)\n  recorded \(e)")
            break
        }
    }
}
