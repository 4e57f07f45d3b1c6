/// Vectorised transcendental functions on `SIMD8<Float>` (one AVX2 register).
package enum SIMDMath {
    /// e^x, accurate to about 2 ulp over the float range; saturates to 0 and +inf outside ±88.7.
    @inlinable @inline(__always)
    package static func exp(_ x: SIMD8<Float>) -> SIMD8<Float> {
        let hi = SIMD8<Float>(repeating: 88.72283)
        let lo = SIMD8<Float>(repeating: -87.33654)
        var v = x.replacing(with: hi, where: x .> hi)
        v = v.replacing(with: lo, where: v .< lo)
        var result = expInRange(v)
        result = result.replacing(with: .infinity, where: x .> hi)
        result = result.replacing(with: 0, where: x .< lo)
        return result.replacing(with: x, where: x .!= x)  // NaN stays NaN
    }

    /// e^v for v in [-87.3, 88.7], with no special cases (outside that range the result is meaningless).
    ///
    /// Range reduction v = n·ln2 + r with |r| ≤ ln2/2 (ln2 split in two for exactness), a degree-7
    /// polynomial for e^r, and 2^n built in the exponent bits. Every step is a fused multiply-add and the
    /// polynomial is evaluated by Estrin's scheme (pairs of terms, then pairs of pairs), so the longest
    /// dependency chain is about half of Horner's: the kernels that call this are limited by that latency,
    /// not by the instruction count.
    @inlinable @inline(__always)
    package static func expInRange(_ v: SIMD8<Float>) -> SIMD8<Float> {
        // n = round(v·log2 e): adding 1.5·2^23 rounds to an integer held in the low mantissa bits, which
        // also gives n as an integer without a conversion.
        let magic = SIMD8<Float>(repeating: 12582912)
        let shifted = magic.addingProduct(v, SIMD8<Float>(repeating: 1.442695041))
        let n = shifted - magic
        var r = v.addingProduct(n, SIMD8<Float>(repeating: -0.693359375))
        r = r.addingProduct(n, SIMD8<Float>(repeating: 2.12194440e-4))
        // Minimax coefficients for e^r on [-ln2/2, ln2/2]: 1 + r + r²·(c2 + c3·r + r²·(c4 + c5·r + r²·(c6 + c7·r))).
        let r2 = r * r
        let c23 = SIMD8<Float>(repeating: 5.0000001201e-1).addingProduct(r, SIMD8<Float>(repeating: 1.6666665459e-1))
        let c45 = SIMD8<Float>(repeating: 4.1665795894e-2).addingProduct(r, SIMD8<Float>(repeating: 8.3334519073e-3))
        let c67 = SIMD8<Float>(repeating: 1.3981999507e-3).addingProduct(r, SIMD8<Float>(repeating: 1.9875691500e-4))
        let p = (r + 1).addingProduct(r2, c23.addingProduct(r2, c45.addingProduct(r2, c67)))
        let bits = (unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- 0x4B40_0000 &+ 127) &<< 23
        return p * unsafeBitCast(bits, to: SIMD8<Float>.self)
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
        // erfc(9.2) < 1e-37: beyond it the result is that (not 0), and the exponent below stays in range.
        let a = a.replacing(with: 9.2, where: a .> 9.2)
        let t = 1 / SIMD8<Float>(repeating: 1).addingProduct(a, SIMD8<Float>(repeating: 0.5))
        // P(t) = c0 + c1·t + … + c9·t⁹ by Estrin's scheme: pairs (c_i + c_i+1·t), then by t², then by t⁴.
        let t2 = t * t, t4 = t2 * t2
        let c01 = SIMD8<Float>(repeating: -1.26551223).addingProduct(t, SIMD8<Float>(repeating: 1.00002368))
        let c23 = SIMD8<Float>(repeating: 0.37409196).addingProduct(t, SIMD8<Float>(repeating: 0.09678418))
        let c45 = SIMD8<Float>(repeating: -0.18628806).addingProduct(t, SIMD8<Float>(repeating: 0.27886807))
        let c67 = SIMD8<Float>(repeating: -1.13520398).addingProduct(t, SIMD8<Float>(repeating: 1.48851587))
        let c89 = SIMD8<Float>(repeating: -0.82215223).addingProduct(t, SIMD8<Float>(repeating: 0.17087277))
        let low = c01.addingProduct(t2, c23)
        let high = c45.addingProduct(t2, c67).addingProduct(t4, c89)
        let p = low.addingProduct(t4, high)
        return t * expInRange(p.addingProduct(-a, a))
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

    /// GELU, `x · Φ(x)` with Φ the standard normal CDF (`½ · (1 + erf(x / √2))`), error below 2.5e-7 · max(1, |x|).
    ///
    /// Φ(x) − ½ = x · P(x²) / Q(x²) (degrees 6 and 4), the rational fit of smallest maximum error on |x| ≤ 6
    /// (5.3e-8 in exact arithmetic; `Tools/reference/fit_gelu.py` fits it and measures the float error), both
    /// polynomials by Estrin's scheme. Beyond ±6, Φ is 0 or 1 within 1e-9: x is limited to −6 below (so −∞ gives
    /// −6 · Φ(−6) ≈ 0, not ∞ · 0; Φ is kept ≥ 0) and Φ's argument to +6 above (+∞ stays +∞; NaN stays NaN through the
    /// comparisons). The rejected alternative, `x − x · erfc(x/√2) / 2` with erfc by e^(−a²) times a polynomial
    /// in 1/(1 + a/2), keeps the negative tail's relative precision but costs an exponential and twice the
    /// instructions; what reads a GELU (a Linear) only needs absolute precision.
    @inlinable @inline(__always)
    package static func gelu(_ x: SIMD8<Float>) -> SIMD8<Float> {
        let limit = SIMD8<Float>(repeating: 6)
        let xl = x.replacing(with: -limit, where: x .< -limit)
        let u = xl.replacing(with: limit, where: xl .> limit)
        let z = u * u, z2 = z * z, z4 = z2 * z2
        let p01 = SIMD8<Float>(repeating: 3.9894195007e-01).addingProduct(z, SIMD8<Float>(repeating: 4.2622912437e-02))
        let p23 = SIMD8<Float>(repeating: 4.9577964276e-03).addingProduct(z, SIMD8<Float>(repeating: 2.4005297188e-04))
        let p45 = SIMD8<Float>(repeating: 4.0042856675e-06).addingProduct(z, SIMD8<Float>(repeating: -2.2597210597e-08))
        let p46 = p45.addingProduct(z2, SIMD8<Float>(repeating: 9.8655996790e-11))
        let p = p01.addingProduct(z2, p23).addingProduct(z4, p46)
        let q01 = SIMD8<Float>(repeating: 1).addingProduct(z, SIMD8<Float>(repeating: 2.7350120525e-01))
        let q23 = SIMD8<Float>(repeating: 3.3020426929e-02).addingProduct(z, SIMD8<Float>(repeating: 2.2358807134e-03))
        let q = q01.addingProduct(z2, q23).addingProduct(z4, SIMD8<Float>(repeating: 8.5515836213e-05))
        // Near −6 the sum can round just below 0: a negative Φ becomes +0 (its sign bit, spread, masks it out).
        let phi = unsafeBitCast(SIMD8<Float>(repeating: 0.5).addingProduct(u, p / q), to: SIMD8<Int32>.self)
        return xl * unsafeBitCast(phi & ~(phi &>> 31), to: SIMD8<Float>.self)
    }
}
