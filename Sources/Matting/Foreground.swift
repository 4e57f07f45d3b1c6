import Foundation
import Imaging
import NNTensor

/// Foreground colours behind a matte ("colour decontamination"): for each pixel the colours `F` (subject) and
/// `B` (background) with `I = αF + (1 − α)B` that vary least from their neighbours where the matte varies —
/// Germer, Uelwer, Conrad and Harmeling's multi-level estimate ("Fast Multi-Level Foreground Estimation", 2020).
/// Edge pixels of the cutout then carry the subject's colour, not a mix with the old background.
public enum ForegroundEstimator {
    /// Parameters of the estimate (the paper's and pymatting's defaults).
    public struct Options: Sendable, Equatable {
        /// ε: weight pulling each colour towards its neighbours everywhere.
        public var regularization: Float = 1e-5
        /// Weight of the matte's local gradient in the neighbour pull.
        public var gradientWeight: Float = 1
        /// Sweeps per level at or below `smallSize` pixels a side.
        public var smallIterations = 10
        /// Sweeps per level above `smallSize` pixels a side.
        public var bigIterations = 2
        /// The side, in pixels, up to which a level counts as small.
        public var smallSize = 32
        /// Germer et al.'s defaults.
        public init() {}
    }

    /// The subject's colours for every pixel of `image` (only meaningful where `matte` > 0).
    /// - Parameters:
    ///   - image: the photo, `width × height` RGB.
    ///   - matte: its matte, same size.
    /// - Returns: an RGB image of foreground colours, the photo's size.
    public static func estimate(image: Image, matte: GrayImage, options: Options = Options(),
                                threads: Int = MatteRefiner.defaultThreads) -> Image {
        precondition(image.width == matte.width && image.height == matte.height, "ForegroundEstimator: sizes differ")
        let n = image.width * image.height
        let f = estimate(image: image.rgb.map { Float($0) * (1 / 255) }, alpha: Levels.unit(matte.pixels),
                         width: image.width, height: image.height, options: options, threads: threads)
        var rgb = [UInt8](repeating: 0, count: 3 * n)
        for i in 0..<3 * n { rgb[i] = UInt8(max(0, min(255, (f[i] * 255).rounded()))) }
        return Image(width: image.width, height: image.height, rgb: rgb)
    }

    /// Interleaved float version: `image` is `height × width × 3` in [0, 1], `alpha` `height × width`.
    /// Returns `F`, interleaved like `image`.
    ///
    /// Level `l` of `L = ⌈log₂ max(w, h)⌉` has size `round(w^(l/L)) × round(h^(l/L))` (nearest-neighbour
    /// resampling between levels); `F` and `B` start as the mean colours of the surely-subject (α > 0.9) and
    /// surely-background (α < 0.1) pixels. Each sweep solves every pixel's 2 × 2 system against its four
    /// neighbours' current values; the pixels are swept in two colours of a checkerboard, so each half reads only
    /// the other half and the sweep splits across threads with the same result.
    static func estimate(image: [Float], alpha: [Float], width w0: Int, height h0: Int, options o: Options,
                         threads: Int) -> [Float] {
        var fMean = SIMD3<Float>.zero, bMean = SIMD3<Float>.zero
        var fCount: Float = 0, bCount: Float = 0
        for i in 0..<w0 * h0 {
            let c = SIMD3(image[3 * i], image[3 * i + 1], image[3 * i + 2])
            if alpha[i] > 0.9 { fMean += c; fCount += 1 }
            if alpha[i] < 0.1 { bMean += c; bCount += 1 }
        }
        fMean /= fCount + 1e-5
        bMean /= bCount + 1e-5
        // Colours are kept with a fourth, unused channel, so each pixel is one 16-byte vector.
        var image4 = [Float](repeating: 0, count: 4 * w0 * h0)
        for i in 0..<w0 * h0 { for c in 0..<3 { image4[4 * i + c] = image[3 * i + c] } }
        var fPrev = [fMean.x, fMean.y, fMean.z, 0], bPrev = [bMean.x, bMean.y, bMean.z, 0]
        var (wPrev, hPrev) = (1, 1)
        let levels = max(1, Int(log2(Double(max(w0, h0))).rounded(.up)))
        for level in 0...levels {
            let w = Int(pow(Double(w0), Double(level) / Double(levels)).rounded(.toNearestOrEven))
            let h = Int(pow(Double(h0), Double(level) / Double(levels)).rounded(.toNearestOrEven))
            let img = nearest(image4, channels: 4, from: (w0, h0), to: (w, h))
            let a = nearest(alpha, channels: 1, from: (w0, h0), to: (w, h))
            var f = nearest(fPrev, channels: 4, from: (wPrev, hPrev), to: (w, h))
            var b = nearest(bPrev, channels: 4, from: (wPrev, hPrev), to: (w, h))
            let sweeps = (w <= o.smallSize && h <= o.smallSize) ? o.smallIterations : o.bigIterations
            for _ in 0..<sweeps {
                for parity in 0..<2 {
                    sweep(image: img, alpha: a, f: &f, b: &b, width: w, height: h, parity: parity, options: o, threads: threads)
                }
            }
            fPrev = f; bPrev = b; wPrev = w; hPrev = h
        }
        var out = [Float](repeating: 0, count: 3 * w0 * h0)
        for i in 0..<w0 * h0 { for c in 0..<3 { out[3 * i + c] = fPrev[4 * i + c] } }
        return out
    }

    /// Updates the pixels with `(x + y) % 2 == parity`; colours have four channels (see `estimate`).
    static func sweep(image: [Float], alpha: [Float], f: inout [Float], b: inout [Float], width w: Int, height h: Int,
                      parity: Int, options o: Options, threads: Int) {
        image.withUnsafeBufferPointer { img in
            alpha.withUnsafeBufferPointer { al in
                f.withUnsafeMutableBufferPointer { fb in
                    b.withUnsafeMutableBufferPointer { bb in
                        let img = img.baseAddress!, al = al.baseAddress!, fp = fb.baseAddress!, bp = bb.baseAddress!
                        let eps = o.regularization, gw = o.gradientWeight
                        Parallel.forRanges(h, threads: w * h > 4096 ? threads : 1) { _, rows in
                            for y in rows {
                                let up = max(0, y - 1) * w, down = min(h - 1, y + 1) * w, row = y * w
                                var x = (y + parity) & 1
                                while x < w {
                                    let i = row + x
                                    let a0 = al[i], a1 = 1 - a0
                                    var a00 = a0 * a0, a11 = a1 * a1
                                    let a01 = a0 * a1
                                    let c = UnsafeRawPointer(img + 4 * i).loadUnaligned(as: SIMD4<Float>.self)
                                    var bf = a0 * c, bg = a1 * c
                                    // Neighbours left, right, up, down (clamped at the edges).
                                    @inline(__always) func pull(_ j: Int) {
                                        let da = eps + gw * abs(a0 - al[j])
                                        a00 += da; a11 += da
                                        bf.addProduct(da, UnsafeRawPointer(fp + 4 * j).loadUnaligned(as: SIMD4<Float>.self))
                                        bg.addProduct(da, UnsafeRawPointer(bp + 4 * j).loadUnaligned(as: SIMD4<Float>.self))
                                    }
                                    pull(row + max(0, x - 1)); pull(row + min(w - 1, x + 1)); pull(up + x); pull(down + x)
                                    let inv = 1 / (a00 * a11 - a01 * a01)
                                    var fv = (inv * a11) * bf - (inv * a01) * bg
                                    var bv = (inv * a00) * bg - (inv * a01) * bf
                                    fv = fv.replacing(with: 0, where: fv .< 0).replacing(with: 1, where: fv .> 1)
                                    bv = bv.replacing(with: 0, where: bv .< 0).replacing(with: 1, where: bv .> 1)
                                    UnsafeMutableRawPointer(fp + 4 * i).storeBytes(of: fv, as: SIMD4<Float>.self)
                                    UnsafeMutableRawPointer(bp + 4 * i).storeBytes(of: bv, as: SIMD4<Float>.self)
                                    x += 2
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Nearest-neighbour resize, source index `⌊dst · src / dst_size⌋` (pymatting's convention).
    static func nearest(_ src: [Float], channels: Int, from: (Int, Int), to: (Int, Int)) -> [Float] {
        let (ws, hs) = from, (wd, hd) = to
        if ws == wd && hs == hd { return src }
        var out = [Float](repeating: 0, count: wd * hd * channels)
        for y in 0..<hd {
            let ys = min(hs - 1, y * hs / hd)
            for x in 0..<wd {
                let xs = min(ws - 1, x * ws / wd)
                for c in 0..<channels { out[(y * wd + x) * channels + c] = src[(ys * ws + xs) * channels + c] }
            }
        }
        return out
    }
}
