/// Two value arrays compared element by element under a ``Tolerance`` (see ``Tolerance/compare(actual:expected:)``).
///
/// The statistics (`maxAbs`, `meanAbs`) describe the raw differences |actual − expected| and are NaN when any
/// difference is NaN (a NaN on either side, or the same infinity on both); the verdict (`worstIndex`,
/// `worstExcess`, `passed`) counts NaN against NaN and equal infinities as matching.
package struct ValueComparison: Sendable, Equatable {
    /// The rule the verdict was taken under.
    package var tolerance: Tolerance
    /// Elements compared.
    package var count: Int
    /// The largest |actual − expected|, in the values' units (0 for no elements).
    package var maxAbs: Double
    /// Where `maxAbs` is: the first largest difference, or the last NaN difference when there is one (0 for no elements).
    package var maxAbsIndex: Int
    /// The mean of |actual − expected| over all elements (0 for no elements).
    package var meanAbs: Double
    /// The element furthest past (or, when all pass, closest to) its allowance: the first such. Nil when no
    /// element differs (no elements, or all equal; NaN against NaN counts as equal).
    package var worstIndex: Int?
    /// How far that element's difference is past its allowance (≤ 0: within; +∞: NaN against a number);
    /// −∞ when `worstIndex` is nil.
    package var worstExcess: Double

    /// Every element is within the tolerance.
    package var passed: Bool { worstExcess <= 0 }
}
