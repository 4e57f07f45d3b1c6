/// A tensor compared with its expected value: shape and element type first, then the values — integer and
/// boolean tensors exactly, floating tensors under a ``Tolerance``.
package struct TensorComparison: Sendable, Equatable {
    /// The element-by-element comparison; nil when the shapes or types differ or the tensors are not floating.
    package var values: ValueComparison?
    /// Why the tensors do not match, or nil when they do.
    package var failure: Failure?

    /// The tensors match.
    package var passed: Bool { failure == nil }

    /// The first reason a tensor does not match.
    package enum Failure: Sendable, Equatable, CustomStringConvertible {
        case shape(actual: [Int], expected: [Int])
        case type(actual: DType, expected: DType)
        /// The first integer element that differs (integer and boolean tensors).
        case integer(index: Int, actual: Int64, expected: Int64)
        /// The floating element furthest past its allowance; `difference` is |actual − expected|.
        case value(index: Int, difference: Double, actual: Float, expected: Float)

        package var description: String {
            switch self {
            case let .shape(actual, expected): return "shape \(actual), expected \(expected)"
            case let .type(actual, expected): return "type \(actual), expected \(expected)"
            case let .integer(index, actual, expected): return "element \(index) is \(actual), expected \(expected)"
            case let .value(index, difference, actual, expected):
                return "worst error \(difference) at element \(index) (\(actual) vs \(expected))"
            }
        }
    }
}

extension Tolerance {
    /// Compares `actual` with `expected`: equal shapes and element types, integer values equal, floating values
    /// within this tolerance.
    package func compare(actual: Tensor, expected: Tensor) -> TensorComparison {
        guard actual.shape == expected.shape else {
            return TensorComparison(values: nil, failure: .shape(actual: actual.shape, expected: expected.shape))
        }
        guard actual.dtype == expected.dtype else {
            return TensorComparison(values: nil, failure: .type(actual: actual.dtype, expected: expected.dtype))
        }
        guard expected.dtype.isFloatingPoint else {
            let a = actual.integers, b = expected.integers
            let first = (0..<a.count).first { a[$0] != b[$0] }
            return TensorComparison(values: nil, failure: first.map { .integer(index: $0, actual: a[$0], expected: b[$0]) })
        }
        let a = actual.floats, b = expected.floats
        let values = compare(actual: a, expected: b)
        guard !values.passed, let i = values.worstIndex else { return TensorComparison(values: values, failure: nil) }
        let difference = Swift.abs(Double(a[i]) - Double(b[i]))
        return TensorComparison(values: values,
                                failure: .value(index: i, difference: difference, actual: a[i], expected: b[i]))
    }
}
