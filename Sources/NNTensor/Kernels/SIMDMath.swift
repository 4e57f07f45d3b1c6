/// Vectorised transcendental functions on `SIMD8<Float>` (one AVX2 register).
public enum SIMDMath {
    /// e^x, accurate to about 2 ulp over the float range; saturates to 0 and +inf outside ±88.7.
    ///
    /// Range reduction x = n·ln2 + r with |r| ≤ ln2/2 (ln2 split in two for exactness), a degree-6
    /// polynomial for e^r, and 2^n built in the exponent bits.
    @inlinable @inline(__always)
    public static func exp(_ x: SIMD8<Float>) -> SIMD8<Float> {
        let hi = SIMD8<Float>(repeating: 88.72283)
        let lo = SIMD8<Float>(repeating: -87.33654)
        let isNaN = x .!= x
        var v = x.replacing(with: hi, where: x .> hi)
        v = v.replacing(with: lo, where: v .< lo)
        v = v.replacing(with: 0, where: isNaN)
        let n = (v * 1.442695041).rounded(.toNearestOrEven)
        var r = v - n * 0.693359375
        r = r - n * (-2.12194440e-4)
        // Taylor-like minimax coefficients for e^r on [-ln2/2, ln2/2].
        var p = SIMD8<Float>(repeating: 1.9875691500e-4)
        p = p * r + 1.3981999507e-3
        p = p * r + 8.3334519073e-3
        p = p * r + 4.1665795894e-2
        p = p * r + 1.6666665459e-1
        p = p * r + 5.0000001201e-1
        p = p * (r * r) + r + 1
        let bits = (SIMD8<Int32>(n) &+ 127) &<< 23
        var result = p * unsafeBitCast(bits, to: SIMD8<Float>.self)
        result = result.replacing(with: .infinity, where: x .> hi)
        result = result.replacing(with: 0, where: x .< lo)
        return result.replacing(with: x, where: isNaN)  // NaN stays NaN
    }

    /// 1 / (1 + e^-x).
    @inlinable @inline(__always)
    public static func sigmoid(_ x: SIMD8<Float>) -> SIMD8<Float> {
        1 / (1 + exp(-x))
    }
}
