import Foundation
import Imaging
import Matting
import XCTest

/// The clock and the per-stage timings every part of the pipeline reports with.
final class StageTimingsTests: XCTestCase {
    func testMeasureAddsUpAndReportsByName() {
        var timings = StageTimings()
        XCTAssertNil(timings[.encode])
        let value = timings.measure(.encode) { () -> Int in usleep(2000); return 7 }
        XCTAssertEqual(value, 7)
        let first = timings[.encode]!
        XCTAssertGreaterThanOrEqual(first, 2)
        timings.measure(.encode) { usleep(1000) }
        XCTAssertGreaterThanOrEqual(timings[.encode]!, first + 1, "a stage measured twice adds up")
        timings[.infer] = 12.5
        XCTAssertEqual(timings["infer"], 12.5)
        XCTAssertNil(timings["no-such-stage"])
        XCTAssertEqual(timings.stages.map(\.stage), [.infer, .encode], "pipeline order")
        XCTAssertEqual(timings.milliseconds["infer"], 12.5)
        XCTAssertEqual(timings.total, timings[.infer]! + timings[.encode]!)

        var other = StageTimings()
        other[.infer] = 0.5
        other[.closedForm] = 3
        timings.merge(other)
        XCTAssertEqual(timings[.infer], 13)
        XCTAssertEqual(timings["closed_form"], 3)
    }

    func testStopwatchCountsMilliseconds() {
        let watch = Stopwatch()
        usleep(3000)
        XCTAssertGreaterThanOrEqual(watch.milliseconds, 3)
        XCTAssertEqual(watch.seconds * 1000, watch.milliseconds, accuracy: 1)
        let (result, ms) = Stopwatch.time { 40 + 2 }
        XCTAssertEqual(result, 42)
        XCTAssertGreaterThanOrEqual(ms, 0)
    }

    func testRefinementReportsItsStages() {
        let image = Image(width: 4, height: 4, color: (200, 10, 10))
        let matte = GrayImage(width: 4, height: 4, pixels: (0..<16).map { UInt8($0 * 17) })
        XCTAssertEqual(MatteRefiner.refine(image: image, matte: matte, refinement: Refinement()).timings, StageTimings(),
                       "nothing to do, nothing timed")
        var r = Refinement()
        r.method = .guided
        r.feather = 1
        let refined = MatteRefiner.refine(image: image, matte: matte, refinement: r)
        XCTAssertEqual(refined.timings.stages.map(\.stage), [.guided, .feather])
    }
}
