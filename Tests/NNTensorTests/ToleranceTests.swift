import NNTensor
import XCTest

/// The one tolerance comparison: |actual − expected| ≤ atol + rtol·|expected|, NaN equal to NaN.
final class ToleranceTests: XCTestCase {
    func testStatisticsAndWorstElementByHand() {
        let tolerance = Tolerance(absolute: 0.1, relative: 0.1)
        // Allowances 0.1 + 0.1·|expected|: 0.2, 0.3, 1.1, 0.1. Excesses: −0.2, 0.2, −0.6, 0.4.
        let c = tolerance.compare(actual: [1, 2.5, 10.5, 0.5], expected: [1, 2, 10, 0])
        XCTAssertEqual(c.count, 4)
        XCTAssertFalse(c.passed)
        XCTAssertEqual(c.worstIndex, 3)
        XCTAssertEqual(c.worstExcess, 0.4, accuracy: 1e-12)
        XCTAssertEqual(c.maxAbs, 0.5)
        XCTAssertEqual(c.maxAbsIndex, 1, "the first of the largest differences")
        XCTAssertEqual(c.meanAbs, 1.5 / 4)

        let within = Tolerance(absolute: 0.5, relative: 0).compare(actual: [1, 2.5], expected: [1, 2])
        XCTAssertTrue(within.passed)
        XCTAssertEqual(within.worstIndex, 1, "the element closest to its allowance")
        XCTAssertEqual(within.worstExcess, 0)
    }

    func testNaNAndInfinities() {
        let t = Tolerance(absolute: 1e-6, relative: 1e-3)
        XCTAssertTrue(t.compare(actual: [.nan, .infinity, -.infinity], expected: [.nan, .infinity, -.infinity]).passed,
                      "NaN matches NaN, an infinity the same infinity")
        let nanAgainstNumber = t.compare(actual: [0, .nan], expected: [0, 1])
        XCTAssertFalse(nanAgainstNumber.passed)
        XCTAssertEqual(nanAgainstNumber.worstIndex, 1)
        XCTAssertEqual(nanAgainstNumber.worstExcess, .infinity)
        XCTAssertTrue(nanAgainstNumber.maxAbs.isNaN)
        XCTAssertFalse(t.compare(actual: [1e30], expected: [.infinity]).passed, "a finite value never matches an infinity")
        XCTAssertFalse(t.compare(actual: [.infinity], expected: [-.infinity]).passed)
        let empty = t.compare(actual: [], expected: [])
        XCTAssertTrue(empty.passed)
        XCTAssertNil(empty.worstIndex)
        XCTAssertEqual(empty.meanAbs, 0)
    }

    func testTensorsCompareShapeTypeAndIntegersFirst() {
        let t = Tolerance(absolute: 1e-3, relative: 0)
        let a = Tensor(shape: [2], values: [1, 2])
        XCTAssertTrue(t.compare(actual: a, expected: Tensor(shape: [2], values: [1, 2.0005])).passed)
        XCTAssertEqual(t.compare(actual: a, expected: Tensor(shape: [1, 2], values: [1, 2])).failure,
                       .shape(actual: [2], expected: [1, 2]))
        XCTAssertEqual(t.compare(actual: a, expected: Tensor(shape: [2], integers: [1, 2])).failure,
                       .type(actual: .float32, expected: .int64))
        let ints = t.compare(actual: Tensor(shape: [3], integers: [1, 2, 3]), expected: Tensor(shape: [3], integers: [1, 5, 3]))
        XCTAssertEqual(ints.failure, .integer(index: 1, actual: 2, expected: 5))
        XCTAssertNil(ints.values)
        let far = t.compare(actual: a, expected: Tensor(shape: [2], values: [1, 2.5]))
        XCTAssertEqual(far.failure, .value(index: 1, difference: 0.5, actual: 2, expected: 2.5))
        XCTAssertEqual("\(far.failure!)", "worst error 0.5 at element 1 (2.0 vs 2.5)")
    }
}
