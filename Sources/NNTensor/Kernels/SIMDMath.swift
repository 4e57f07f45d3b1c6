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

    /// erfc(a) for a ≥ 0 by the Chebyshev fit of Numerical Recipes' `erfcc`: `t·e^(−a² + P(t))` with
    /// `t = 1 / (1 + a/2)`, relative error below 1.2e-7 in exact arithmetic over the whole range (plus the
    /// rounding of the exponent's argument, about |a²|·6e-8 relative in float).
    @inlinable @inline(__always)
    package static func erfcNonNegative(_ a: SIMD8<Float>) -> SIMD8<Float> {
        let t = 1 / (1 + 0.5 * a)
        // Horner's rule with fused multiply-adds (one vfmadd each at x86-64-v3).
        var p = SIMD8<Float>(repeating: -0.82215223).addingProduct(t, SIMD8<Float>(repeating: 0.17087277))
        p = SIMD8<Float>(repeating: 1.48851587).addingProduct(p, t)
        p = SIMD8<Float>(repeating: -1.13520398).addingProduct(p, t)
        p = SIMD8<Float>(repeating: 0.27886807).addingProduct(p, t)
        p = SIMD8<Float>(repeating: -0.18628806).addingProduct(p, t)
        p = SIMD8<Float>(repeating: 0.09678418).addingProduct(p, t)
        p = SIMD8<Float>(repeating: 0.37409196).addingProduct(p, t)
        p = SIMD8<Float>(repeating: 1.00002368).addingProduct(p, t)
        p = SIMD8<Float>(repeating: -1.26551223).addingProduct(p, t)
        return t * exp(p.addingProduct(-a, a))
    }

    /// erf(x): below |x| = ½ its Taylor series to x¹³ (relative error about 1e-7), above `1 − erfc(|x|)`
    /// (``erfcNonNegative(_:)``, absolute error about 1e-7 where erf is at least 0.52), odd in x.
    @inlinable @inline(__always)
    package static func erf(_ x: SIMD8<Float>) -> SIMD8<Float> {
        let a = x.replacing(with: -x, where: x .< 0)
        let z = x * x
        var p = SIMD8<Float>(repeating: 1.0 / 9360)
        p = p * z - 1.0 / 1320
        p = p * z + 1.0 / 216
        p = p * z - 1.0 / 42
        p = p * z + 1.0 / 10
        p = p * z - 1.0 / 3
        p = p * z + 1
        let small = p * x * 1.1283791670955126
        let large = 1 - erfcNonNegative(a)
        return small.replacing(with: large.replacing(with: -large, where: x .< 0), where: a .>= 0.5)
    }

    /// GELU, `x · ½ · (1 + erf(x / √2))`: `x · (1 − erfc(u)/2)` for x ≥ 0 and `x · erfc(−u)/2` below, with
    /// u = x/√2, so the negative tail keeps its relative precision (no `1 + erf` cancellation).
    @inlinable @inline(__always)
    package static func gelu(_ x: SIMD8<Float>) -> SIMD8<Float> {
        let u = x * 0.70710678118654752
        let e = erfcNonNegative(u.replacing(with: -u, where: u .< 0))
        let positive = x * (1 - 0.5 * e)
        return positive.replacing(with: 0.5 * x * e, where: x .< 0)
    }
}
