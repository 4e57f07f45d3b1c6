/// How close an actual value must be to its expected value: |actual − expected| ≤ absolute + relative·|expected|
/// (NumPy's `allclose` rule, NaN equal to NaN).
///
/// The one comparison behind `u2net-run check`, the test asserts and the mask metrics.
package struct Tolerance: Sendable, Equatable, CustomStringConvertible {
    /// The allowance for every element (atol), in the values' units.
    package var absolute: Double
    /// The allowance per unit of |expected| (rtol).
    package var relative: Double

    package init(absolute: Double, relative: Double) {
        self.absolute = absolute
        self.relative = relative
    }

    /// No allowance: only equal values (or NaN against NaN) pass.
    package static let exact = Tolerance(absolute: 0, relative: 0)

    package var description: String { "atol \(absolute), rtol \(relative)" }

    /// How far |actual − expected| is past its allowance: ≤ 0 within the tolerance, > 0 outside it.
    ///
    /// Equal values — NaN against NaN and an infinity against the same infinity included — give −∞; a NaN
    /// against a number, or a finite value against an infinity, gives +∞.
    @inline(__always)
    package func excess(actual: Double, expected: Double) -> Double {
        if actual == expected || (actual.isNaN && expected.isNaN) { return -.infinity }
        let excess = Swift.abs(actual - expected) - (absolute + relative * Swift.abs(expected))
        return excess.isNaN ? .infinity : excess
    }

    /// Compares two equally long value arrays element by element (`actual.count == expected.count`).
    ///
    /// One pass, in double precision: the statistics of |actual − expected| and the element most past its
    /// allowance.
    package func compare(actual: [Float], expected: [Float]) -> ValueComparison {
        precondition(actual.count == expected.count, "compare: \(actual.count) values against \(expected.count)")
        let count = min(actual.count, expected.count)
        var maxAbs = 0.0, maxAbsIndex = 0, sumAbs = 0.0
        var worstIndex: Int?, worstExcess = -Double.infinity
        actual.withUnsafeBufferPointer { a in
            expected.withUnsafeBufferPointer { b in
                for i in 0..<count {
                    let x = Double(a[i]), y = Double(b[i])
                    let difference = Swift.abs(x - y)
                    if difference > maxAbs || difference.isNaN { maxAbs = difference; maxAbsIndex = i }
                    sumAbs += difference
                    let e = excess(actual: x, expected: y)
                    if e > worstExcess { worstExcess = e; worstIndex = i }
                }
            }
        }
        return ValueComparison(tolerance: self, count: count, maxAbs: maxAbs, maxAbsIndex: maxAbsIndex,
                               meanAbs: sumAbs / Double(max(count, 1)), worstIndex: worstIndex, worstExcess: worstExcess)
    }
}
