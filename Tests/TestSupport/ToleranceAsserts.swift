import NNTensor
import XCTest

/// Asserts that `actual` matches `expected`: the same shape and element type, integers equal, floating values
/// within |actual − expected| ≤ atol + rtol·|expected| (NaN matching NaN) — ``Tolerance``'s rule, as `u2net-run check`
/// applies it. One failure, naming `what` and the worst element.
public func assertClose(_ actual: Tensor, _ expected: Tensor, atol: Float, rtol: Float, _ what: String,
                        file: StaticString = #filePath, line: UInt = #line) {
    let comparison = Tolerance(absolute: Double(atol), relative: Double(rtol)).compare(actual: actual, expected: expected)
    if let failure = comparison.failure {
        XCTFail("\(what): \(failure)", file: file, line: line)
    }
}
