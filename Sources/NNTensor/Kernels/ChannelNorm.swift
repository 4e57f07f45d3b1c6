/// Per-channel normalisations of NCHW planes: the inference BatchNormalization (an affine map per channel) and
/// InstanceNormalization (each plane to zero mean and unit variance, then an affine map).
package enum ChannelNorm {
    /// `y = x · scale[c] + shift[c]` over `planes` planes of `size` values; plane `p` has channel `p % channels`.
    package static func affine(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, planes: Int, size: Int,
                              channels: Int, scale: UnsafePointer<Float>, shift: UnsafePointer<Float>, threads: Int) {
        Parallel.forEach(planes, threads: size * planes >= 1 << 14 ? threads : 1) { p in
            let c = p % channels
            map(x + p * size, y + p * size, size, scale[c], shift[c])
        }
    }

    /// Instance normalisation: each plane's mean and variance (double-precision sums), then
    /// `y = (x − mean) / √(var + ε) · scale[c] + shift[c]`.
    package static func instance(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, planes: Int, size: Int,
                                channels: Int, scale: UnsafePointer<Float>, shift: UnsafePointer<Float>,
                                epsilon: Float, threads: Int) {
        Parallel.forEach(planes, threads: size * planes >= 1 << 14 ? threads : 1) { p in
            let c = p % channels
            let src = x + p * size
            // Mean, then the variance around it (two passes: no cancellation).
            var sum = SIMD8<Float>.zero, total = 0.0
            var i = 0
            while i + 8 <= size {
                sum += UnsafeRawPointer(src + i).loadUnaligned(as: SIMD8<Float>.self)
                i += 8
                if i % 4096 == 0 { total += Double(sum.sum()); sum = .zero }
            }
            total += Double(sum.sum())
            while i < size { total += Double(src[i]); i += 1 }
            let mean = Float(total / Double(size))
            var sq = SIMD8<Float>.zero, totalSq = 0.0
            i = 0
            while i + 8 <= size {
                let d = UnsafeRawPointer(src + i).loadUnaligned(as: SIMD8<Float>.self) - mean
                sq.addProduct(d, d)
                i += 8
                if i % 4096 == 0 { totalSq += Double(sq.sum()); sq = .zero }
            }
            totalSq += Double(sq.sum())
            while i < size { let d = Double(src[i] - mean); totalSq += d * d; i += 1 }
            let inv = Float(1 / (totalSq / Double(size) + Double(epsilon)).squareRoot())
            let a = inv * scale[c]
            map(src, y + p * size, size, a, shift[c] - mean * a)
        }
    }

    @inline(__always)
    static func map(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int, _ a: Float, _ b: Float) {
        var i = 0
        let av = SIMD8<Float>(repeating: a), bv = SIMD8<Float>(repeating: b)
        while i + 8 <= n {
            let v = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(y + i).storeBytes(of: v * av + bv, as: SIMD8<Float>.self)
            i += 8
        }
        while i < n { y[i] = x[i] * a + b; i += 1 }
    }
}
