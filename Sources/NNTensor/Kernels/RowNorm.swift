import Foundation

/// Row-wise kernels of transformer layers: each row (the last axis, contiguous) is normalised on its own.
package enum RowNorm {
    /// LayerNormalization over rows of `length` floats: `y = (x − mean) / √(var + ε) · γ + β`.
    ///
    /// Two passes in float over a row that stays in L1: the mean (eight SIMD8 accumulators, so each lane
    /// sums `length / 64` values), then the variance of the centred values (the same way). The centred
    /// second pass has no cancellation: against a double-precision reference the relative error of the
    /// variance is about `(length / 64 + 6) · 2⁻²⁴` (4e-7 at 768), and of the output about half that
    /// plus one rounding per multiply-add.
    /// - Parameters:
    ///   - gamma: `length` scales; `beta`: nil or `length` shifts.
    package static func layerNorm(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, rows: Int, length: Int,
                                  gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>?, epsilon: Float, threads: Int) {
        let chunk = max(1, min(rows, (1 << 14) / max(length, 1)))
        let pieces = (rows + chunk - 1) / chunk
        Parallel.forEach(pieces, threads: threads) { p in
            let lo = p * chunk, hi = min(rows, lo + chunk)
            for r in lo..<hi { layerNormRow(x + r * length, y + r * length, length, gamma, beta, epsilon) }
        }
    }

    @inline(__always)
    static func sum(_ p: UnsafePointer<Float>, _ n: Int, _ f: (SIMD8<Float>) -> SIMD8<Float>) -> Float {
        var a0 = SIMD8<Float>(), a1 = a0, a2 = a0, a3 = a0
        var i = 0
        let raw = UnsafeRawPointer(p)
        while i + 32 <= n {
            a0 += f(raw.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self))
            a1 += f(raw.loadUnaligned(fromByteOffset: 4 * i + 32, as: SIMD8<Float>.self))
            a2 += f(raw.loadUnaligned(fromByteOffset: 4 * i + 64, as: SIMD8<Float>.self))
            a3 += f(raw.loadUnaligned(fromByteOffset: 4 * i + 96, as: SIMD8<Float>.self))
            i += 32
        }
        while i + 8 <= n {
            a0 += f(raw.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self))
            i += 8
        }
        var s = ((a0 + a1) + (a2 + a3)).sum()
        while i < n {
            s += f(SIMD8<Float>(repeating: p[i]))[0]
            i += 1
        }
        return s
    }

    @inline(__always)
    static func layerNormRow(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int,
                             _ gamma: UnsafePointer<Float>, _ beta: UnsafePointer<Float>?, _ epsilon: Float) {
        let mean = sum(x, n) { $0 } / Float(n)
        let m = SIMD8<Float>(repeating: mean)
        let variance = sum(x, n) { ($0 - m) * ($0 - m) } / Float(n)
        let inv = 1 / (variance + epsilon).squareRoot()
        let s = SIMD8<Float>(repeating: inv)
        let xr = UnsafeRawPointer(x), gr = UnsafeRawPointer(gamma), yr = UnsafeMutableRawPointer(y)
        var i = 0
        if let beta {
            let br = UnsafeRawPointer(beta)
            while i + 8 <= n {
                let v = xr.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self)
                let g = gr.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self)
                let b = br.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self)
                yr.storeBytes(of: (v - m) * s * g + b, toByteOffset: 4 * i, as: SIMD8<Float>.self)
                i += 8
            }
            while i < n { y[i] = (x[i] - mean) * inv * gamma[i] + beta[i]; i += 1 }
        } else {
            while i + 8 <= n {
                let v = xr.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self)
                let g = gr.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self)
                yr.storeBytes(of: (v - m) * s * g, toByteOffset: 4 * i, as: SIMD8<Float>.self)
                i += 8
            }
            while i < n { y[i] = (x[i] - mean) * inv * gamma[i]; i += 1 }
        }
    }

    /// A constant added to the input of a Softmax before it normalises (an attention mask, a relative-position
    /// bias), broadcast over the rows: row `r` reads `length` values (or one, repeated, when `lastStride` is 0)
    /// from `values + Σ coordinate_d · strides[d]`, where the coordinates are those of `r` in `rowShape`.
    package struct Addend {
        package let values: UnsafePointer<Float>
        package let rowShape: [Int]
        package let strides: [Int]
        package let lastStride: Int

        package init(values: UnsafePointer<Float>, rowShape: [Int], strides: [Int], lastStride: Int) {
            self.values = values
            self.rowShape = rowShape
            self.strides = strides
            self.lastStride = lastStride
        }

        @inline(__always) func offset(row: Int) -> Int {
            var r = row, o = 0
            var d = rowShape.count - 1
            while d >= 0 {
                let n = rowShape[d]
                o += (r % n) * strides[d]
                r /= n
                d -= 1
            }
            return o
        }
    }

    /// Softmax over rows of `length` floats, each row first added the addends (written to the output row,
    /// which is then normalised in place): max, e^(x − max) through ``SIMDMath/exp(_:)`` (about 2 ulp), sum in
    /// float (eight lanes), then one multiply by the reciprocal. A row whose values are all −∞ gives NaN, as
    /// the definition does.
    package static func softmax(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, rows: Int, length: Int,
                                addends: [Addend], log: Bool, threads: Int) {
        let chunk = max(1, min(rows, (1 << 14) / max(length, 1)))
        let pieces = (rows + chunk - 1) / chunk
        Parallel.forEach(pieces, threads: threads) { p in
            let lo = p * chunk, hi = min(rows, lo + chunk)
            for r in lo..<hi {
                let src = x + r * length, dst = y + r * length
                if addends.isEmpty {
                    softmaxRow(src, dst, length, log: log)
                    continue
                }
                for (k, a) in addends.enumerated() {
                    addRow(k == 0 ? src : UnsafePointer(dst), a.values + a.offset(row: r), a.lastStride == 0, dst, length)
                }
                softmaxRow(UnsafePointer(dst), dst, length, log: log)
            }
        }
    }

    /// `dst = src + addend` over `n` floats (`addend` one value, repeated, when `repeated`).
    @inline(__always)
    static func addRow(_ src: UnsafePointer<Float>, _ addend: UnsafePointer<Float>, _ repeated: Bool,
                       _ dst: UnsafeMutablePointer<Float>, _ n: Int) {
        let sr = UnsafeRawPointer(src), ar = UnsafeRawPointer(addend), dr = UnsafeMutableRawPointer(dst)
        var i = 0
        if repeated {
            let c = SIMD8<Float>(repeating: addend[0])
            while i + 8 <= n {
                dr.storeBytes(of: sr.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self) + c, toByteOffset: 4 * i, as: SIMD8<Float>.self)
                i += 8
            }
            while i < n { dst[i] = src[i] + addend[0]; i += 1 }
            return
        }
        while i + 8 <= n {
            let v = sr.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self) + ar.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self)
            dr.storeBytes(of: v, toByteOffset: 4 * i, as: SIMD8<Float>.self)
            i += 8
        }
        while i < n { dst[i] = src[i] + addend[i]; i += 1 }
    }

    @inline(__always)
    static func softmaxRow(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int, log: Bool) {
        let xr = UnsafeRawPointer(x), yr = UnsafeMutableRawPointer(y)
        var mv = SIMD8<Float>(repeating: -.infinity)
        var i = 0
        while i + 8 <= n {
            let v = xr.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self)
            mv = mv.replacing(with: v, where: v .> mv)
            i += 8
        }
        var peak = mv.max()
        while i < n { peak = max(peak, x[i]); i += 1 }
        let pk = SIMD8<Float>(repeating: peak)
        var acc = SIMD8<Float>()
        i = 0
        while i + 8 <= n {
            let e = SIMDMath.exp(xr.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self) - pk)
            if !log { yr.storeBytes(of: e, toByteOffset: 4 * i, as: SIMD8<Float>.self) }
            acc += e
            i += 8
        }
        var total = acc.sum()
        if i < n {
            var t = SIMD8<Float>(repeating: -.infinity)
            for j in 0..<(n - i) { t[j] = x[i + j] }
            let e = SIMDMath.exp(t - pk)
            for j in 0..<(n - i) { if !log { y[i + j] = e[j] }; total += e[j] }
        }
        if log {
            let shift = peak + Foundation.log(total)
            for j in 0..<n { y[j] = x[j] - shift }
            return
        }
        let inv = SIMD8<Float>(repeating: 1 / total)
        i = 0
        while i + 8 <= n {
            yr.storeBytes(of: yr.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self) * inv, toByteOffset: 4 * i, as: SIMD8<Float>.self)
            i += 8
        }
        while i < n { y[i] *= inv[0]; i += 1 }
    }
}
