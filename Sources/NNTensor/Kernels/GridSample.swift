import Foundation

/// ONNX GridSample on NCHW images (opset 16 on): each output pixel samples its image at the position its
/// grid entry gives in normalised coordinates (-1…1 spans the image: pixel centres with align_corners,
/// pixel edges without). Out-of-image pixels read as zero, as the nearest border pixel, or reflected
/// about the borders (the pixel centres with align_corners, the edges without) — applied to each pixel
/// an interpolation reads, as ONNX specifies.
package struct GridSample: Sendable {
    package enum Mode: Sendable { case linear, nearest, cubic }
    package enum Padding: Sendable { case zeros, border, reflection }

    package let mode: Mode, padding: Padding, alignCorners: Bool
    package let batch: Int, channels: Int, inHeight: Int, inWidth: Int, outHeight: Int, outWidth: Int

    package init(mode: Mode, padding: Padding, alignCorners: Bool, batch: Int, channels: Int, inHeight: Int, inWidth: Int,
                 outHeight: Int, outWidth: Int) {
        self.mode = mode; self.padding = padding; self.alignCorners = alignCorners
        self.batch = batch; self.channels = channels; self.inHeight = inHeight; self.inWidth = inWidth
        self.outHeight = outHeight; self.outWidth = outWidth
    }

    /// - Parameters:
    ///   - input: `batch × channels × inHeight × inWidth`.
    ///   - grid: `batch × outHeight × outWidth × 2`, (x, y) per output pixel.
    ///   - output: `batch × channels × outHeight × outWidth`.
    package func run(input: UnsafePointer<Float>, grid: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, threads: Int) {
        let planes = batch * channels, outPixels = outHeight * outWidth
        Parallel.forEach(planes, threads: planes * outPixels >= 1 << 14 ? threads : 1) { plane in
            let n = plane / self.channels
            let image = input + plane * self.inHeight * self.inWidth
            let g = grid + n * outPixels * 2
            let y = output + plane * outPixels
            for p in 0..<outPixels { y[p] = self.sample(image, x: g[2 * p], y: g[2 * p + 1]) }
        }
    }

    /// Normalised coordinate → pixel coordinate along an axis of `length` pixels.
    @inline(__always)
    func denormalize(_ v: Float, _ length: Int) -> Float {
        alignCorners ? (v + 1) / 2 * Float(length - 1) : ((v + 1) * Float(length) - 1) / 2
    }

    /// `v` reflected into `[lo, hi]` about its ends, as many times as needed.
    @inline(__always)
    static func reflect(_ v: Float, _ lo: Float, _ hi: Float) -> Float {
        let range = hi - lo
        guard range > 0 else { return lo }
        if v < lo {
            let d = lo - v, k = Int(d / range), r = d - Float(k) * range
            return k % 2 == 0 ? lo + r : hi - r
        }
        if v > hi {
            let d = v - hi, k = Int(d / range), r = d - Float(k) * range
            return k % 2 == 0 ? hi - r : lo + r
        }
        return v
    }

    /// The pixel at integer position (`r`, `c`), with the padding rule outside the image.
    @inline(__always)
    func pixel(_ image: UnsafePointer<Float>, _ r: Int, _ c: Int) -> Float {
        let H = inHeight, W = inWidth
        switch padding {
        case .zeros:
            return r >= 0 && r < H && c >= 0 && c < W ? image[r * W + c] : 0
        case .border:
            return image[min(max(r, 0), H - 1) * W + min(max(c, 0), W - 1)]
        case .reflection:
            let (lo, hiX, hiY): (Float, Float, Float) = alignCorners
                ? (0, Float(W - 1), Float(H - 1)) : (-0.5, Float(W) - 0.5, Float(H) - 0.5)
            let cc = Int(Self.reflect(Float(c), lo, hiX)), rr = Int(Self.reflect(Float(r), lo, hiY))
            return image[min(max(rr, 0), H - 1) * W + min(max(cc, 0), W - 1)]
        }
    }

    @inline(__always)
    func sample(_ image: UnsafePointer<Float>, x gx: Float, y gy: Float) -> Float {
        let x = denormalize(gx, inWidth), y = denormalize(gy, inHeight)
        guard x.isFinite && y.isFinite else { return 0 }
        switch mode {
        case .nearest:
            return pixel(image, Int(clamped(y.rounded(.toNearestOrEven))), Int(clamped(x.rounded(.toNearestOrEven))))
        case .linear:
            let xf = x.rounded(.down), yf = y.rounded(.down)
            let x1 = Int(clamped(xf)), y1 = Int(clamped(yf))
            let dx1 = x - xf, dx2 = 1 - dx1, dy1 = y - yf, dy2 = 1 - dy1
            let p11 = pixel(image, y1, x1), p12 = pixel(image, y1, x1 + 1)
            let p21 = pixel(image, y1 + 1, x1), p22 = pixel(image, y1 + 1, x1 + 1)
            return dy2 * (dx2 * p11 + dx1 * p12) + dy1 * (dx2 * p21 + dx1 * p22)
        case .cubic:
            let xf = x.rounded(.down), yf = y.rounded(.down)
            let x0 = Int(clamped(xf)) - 1, y0 = Int(clamped(yf)) - 1
            let cx = Self.cubicCoefficients(x - xf), cy = Self.cubicCoefficients(y - yf)
            var sum: Float = 0
            for i in 0..<4 {
                var row: Float = 0
                for j in 0..<4 { row += cx[j] * pixel(image, y0 + i, x0 + j) }
                sum += cy[i] * row
            }
            return sum
        }
    }

    /// A coordinate kept in a range where integer conversion is defined (far outside any image).
    @inline(__always)
    func clamped(_ v: Float) -> Float { min(max(v, -1e9), 1e9) }

    /// Keys' cubic convolution weights (a = -0.75) for the four taps around a point `t` past the second.
    @inline(__always)
    static func cubicCoefficients(_ t: Float) -> SIMD4<Float> {
        let a: Float = -0.75
        let x = abs(t)
        let w0 = ((a * (x + 1) - 5 * a) * (x + 1) + 8 * a) * (x + 1) - 4 * a
        let w1 = ((a + 2) * x - (a + 3)) * x * x + 1
        let w2 = ((a + 2) * (1 - x) - (a + 3)) * (1 - x) * (1 - x) + 1
        let w3 = ((a * (2 - x) - 5 * a) * (2 - x) + 8 * a) * (2 - x) - 4 * a
        return SIMD4(w0, w1, w2, w3)
    }
}
