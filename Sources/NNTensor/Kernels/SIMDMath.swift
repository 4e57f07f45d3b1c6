/// Vectorised transcendental functions on `SIMD8<Float>` (one AVX2 register).
package enum SIMDMath {
    /// e^x, accurate to about 2 ulp over the float range; saturates to 0 and +inf outside ±88.7.
    ///
    /// Range reduction x = n·ln2 + r with |r| ≤ ln2/2 (ln2 split in two for exactness), a degree-6
    /// polynomial for e^r, and 2^n built in the exponent bits.
    @inlinable @inline(__always)
    package static func exp(_ x: SIMD8<Float>) -> SIMD8<Float> {
        let hi = SIMD8<Float>(repeating: 88.72283)
        let lo = SIMD8<Float>(repeating: -87.33654)
        let isNaN = x .!= x
        var v = x.replacing(with: hi, where: x .> hi)
        v = v.replacing(with: lo, where: v .< lo)
        v = v.replacing(with: 0, where: isNaN)
        // n = round(v·log2 e): adding 1.5·2^23 rounds to an integer held in the low mantissa bits, which
        // also gives n as an integer without a conversion.
        let magic = SIMD8<Float>(repeating: 12582912)
        let shifted = v * 1.442695041 + magic
        let n = shifted - magic
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
        let bits = (unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- 0x4B40_0000 &+ 127) &<< 23
        var result = p * unsafeBitCast(bits, to: SIMD8<Float>.self)
        result = result.replacing(with: .infinity, where: x .> hi)
        result = result.replacing(with: 0, where: x .< lo)
        return result.replacing(with: x, where: isNaN)  // NaN stays NaN
    }

    /// `x` limited to `lo...hi` (min and max instructions; the generic `clamped` is not inlined).
    @inlinable @inline(__always)
    package static func clamp(_ x: SIMD8<Float>, _ lo: SIMD8<Float>, _ hi: SIMD8<Float>) -> SIMD8<Float> {
        x.replacing(with: lo, where: x .< lo).replacing(with: hi, where: x .> hi)
    }

    /// 1 / (1 + e^-x).
    @inlinable @inline(__always)
    package static func sigmoid(_ x: SIMD8<Float>) -> SIMD8<Float> {
        1 / (1 + exp(-x))
    }
}
