import Foundation
import NNTensor

/// Agreement between two equally sized value arrays (masks or tensors).
public struct Agreement: Sendable, Codable {
    /// Number of values compared.
    public var count: Int
    /// Largest |a − b|.
    public var maxAbs: Double
    /// Mean |a − b|.
    public var meanAbs: Double
    /// Root of the mean squared difference.
    public var rmse: Double
    /// 10·log10(peak² / MSE); infinite when the arrays are identical.
    public var psnr: Double
    /// Intersection over union of the regions above `threshold` (1 when both are empty).
    public var iou: Double
    /// Index of the largest difference.
    public var worstIndex: Int

    /// - Parameters:
    ///   - peak: the value range's top, for PSNR (1 for [0, 1] data, 255 for 8-bit levels).
    ///   - threshold: the level that splits foreground from background for IoU.
    public init(_ a: [Float], _ b: [Float], peak: Double, threshold: Float) {
        precondition(a.count == b.count)
        let differences = Tolerance.exact.compare(actual: a, expected: b)
        var sumSq = 0.0
        var inter = 0, union = 0
        for i in 0..<a.count {
            let d = Double(a[i]) - Double(b[i])
            sumSq += d * d
            let fa = a[i] > threshold, fb = b[i] > threshold
            if fa && fb { inter += 1 }
            if fa || fb { union += 1 }
        }
        let n = Double(max(a.count, 1))
        count = a.count
        maxAbs = differences.maxAbs
        meanAbs = differences.meanAbs
        rmse = (sumSq / n).squareRoot()
        psnr = sumSq == 0 ? .infinity : 10 * log10(peak * peak / (sumSq / n))
        iou = union == 0 ? 1 : Double(inter) / Double(union)
        worstIndex = differences.maxAbsIndex
    }
}
