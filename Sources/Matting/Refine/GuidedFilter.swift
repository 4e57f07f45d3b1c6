import Foundation
import Imaging
import NNTensor

/// Matte refinements that look at the photo: each takes the photo and a matte at the photo's size and returns
/// a better matte of the same size.
public enum MatteRefiner {}

extension MatteRefiner {
    /// The colour-guided filter of He, Sun and Tang ("Guided Image Filtering", 2013): within each window the
    /// output is an affine function of the photo's colour, `q = aᵀI + b`, fitted to the matte by ridge regression,
    /// so the matte's edges snap to the photo's edges (hair strands included) while flat regions stay flat.
    ///
    /// - Parameters:
    ///   - image: the guide, `width × height` RGB.
    ///   - matte: the matte to refine, the image's size.
    ///   - radius: window radius in pixels of the image; 0 picks one from the image's size
    ///     (about 2 % of its longer side, at least 4).
    ///   - epsilon: regularisation of the fit, in variance units of colours scaled to [0, 1]; larger values smooth more.
    ///   - subsample: run the fit on an image this many times smaller and apply it at full size (He and Sun's fast
    ///     guided filter); 0 picks one so the fit runs on about a megapixel or less… never above `radius / 2`.
    ///   - threads: worker threads.
    /// - Returns: the refined matte, the image's size.
    public static func guidedFilter(image: Image, matte: GrayImage, radius: Int = 0, epsilon: Float = 1e-4,
                                    subsample: Int = 0, threads: Int = defaultThreads) -> GrayImage {
        precondition(image.width == matte.width && image.height == matte.height, "guidedFilter: sizes differ")
        let r = radius > 0 ? radius : defaultGuidedRadius(width: image.width, height: image.height)
        let s = subsample > 0 ? subsample : max(1, min(r / 2, Int((Double(image.width * image.height) / 1e6).squareRoot().rounded(.up))))
        let guide = ColorPlanes(image)
        let q = guidedFilter(guide: guide, input: Levels.unit(matte.pixels), radius: r, epsilon: epsilon,
                             subsample: s, threads: threads)
        return GrayImage(width: image.width, height: image.height, pixels: Levels.bytes(q))
    }

    /// Default window radius for a photo: about 2 % of the longer side, at least 4 pixels.
    public static func defaultGuidedRadius(width: Int, height: Int) -> Int {
        max(4, Int((Double(max(width, height)) * 0.02).rounded()))
    }

    /// Threads used when the caller does not say.
    public static var defaultThreads: Int { ProcessInfo.processInfo.activeProcessorCount }

    /// The filter on float planes: `guide` in [0, 1], `input` a `width × height` plane. Not clamped.
    static func guidedFilter(guide: ColorPlanes, input: [Float], radius: Int, epsilon: Float, subsample: Int,
                             threads: Int) -> [Float] {
        let w = guide.width, h = guide.height, n = w * h
        let s = max(1, subsample)
        // The fit, possibly at a reduced size.
        let (lw, lh) = ((w + s - 1) / s, (h + s - 1) / s)
        let small = s == 1 ? guide.values : Downsample.area(guide.values, planes: 3, width: w, height: h, factor: s)
        let smallP = s == 1 ? input : Downsample.area(input, planes: 1, width: w, height: h, factor: s)
        let lr = max(1, Int((Double(radius) / Double(s)).rounded()))
        var coefficients = fit(guide: small, input: smallP, width: lw, height: lh, radius: lr, epsilon: epsilon, threads: threads)
        if s > 1 {
            coefficients = Upsample.bilinear(coefficients, planes: 4, width: lw, height: lh, factor: s, outWidth: w, outHeight: h)
        }
        // q = aᵀI + b at full size.
        var q = [Float](repeating: 0, count: n)
        coefficients.withUnsafeBufferPointer { c in
            guide.values.withUnsafeBufferPointer { g in
                q.withUnsafeMutableBufferPointer { out in
                    for i in 0..<n {
                        out[i] = c[i] * g[i] + c[n + i] * g[n + i] + c[2 * n + i] * g[2 * n + i] + c[3 * n + i]
                    }
                }
            }
        }
        return q
    }

    /// Window means of the per-window coefficients: four planes `a_r, a_g, a_b, b`.
    static func fit(guide: [Float], input p: [Float], width w: Int, height h: Int, radius r: Int, epsilon: Float,
                    threads: Int) -> [Float] {
        let n = w * h
        func mean(_ x: [Float]) -> [Float] { BoxFilter.mean(x, width: w, height: h, radius: r, threads: threads) }
        func plane(_ c: Int) -> ArraySlice<Float> { guide[c * n..<(c + 1) * n] }
        func product(_ a: ArraySlice<Float>, _ b: ArraySlice<Float>) -> [Float] { zip(a, b).map { $0 * $1 } }
        let meanI = (0..<3).map { mean(Array(plane($0))) }
        let meanP = mean(p)
        let meanIp = (0..<3).map { mean(product(plane($0), p[...])) }
        // Second moments of the guide: rr, rg, rb, gg, gb, bb.
        let pairs = [(0, 0), (0, 1), (0, 2), (1, 1), (1, 2), (2, 2)]
        let meanII = pairs.map { mean(product(plane($0.0), plane($0.1))) }
        var coefficients = [Float](repeating: 0, count: 4 * n)
        coefficients.withUnsafeMutableBufferPointer { c in
            let c = c.baseAddress!
            Parallel.forRanges(n, threads: threads) { _, range in
                for i in range {
                    let m0 = Double(meanI[0][i]), m1 = Double(meanI[1][i]), m2 = Double(meanI[2][i])
                    let e = Double(epsilon)
                    let s00 = Double(meanII[0][i]) - m0 * m0 + e, s01 = Double(meanII[1][i]) - m0 * m1
                    let s02 = Double(meanII[2][i]) - m0 * m2, s11 = Double(meanII[3][i]) - m1 * m1 + e
                    let s12 = Double(meanII[4][i]) - m1 * m2, s22 = Double(meanII[5][i]) - m2 * m2 + e
                    let mp = Double(meanP[i])
                    let v0 = Double(meanIp[0][i]) - m0 * mp, v1 = Double(meanIp[1][i]) - m1 * mp
                    let v2 = Double(meanIp[2][i]) - m2 * mp
                    // (Σ + εI)⁻¹ v by cofactors.
                    let i00 = s11 * s22 - s12 * s12, i01 = s02 * s12 - s01 * s22, i02 = s01 * s12 - s02 * s11
                    let i11 = s00 * s22 - s02 * s02, i12 = s01 * s02 - s00 * s12, i22 = s00 * s11 - s01 * s01
                    let det = s00 * i00 + s01 * i01 + s02 * i02
                    let a0 = (i00 * v0 + i01 * v1 + i02 * v2) / det
                    let a1 = (i01 * v0 + i11 * v1 + i12 * v2) / det
                    let a2 = (i02 * v0 + i12 * v1 + i22 * v2) / det
                    c[i] = Float(a0); c[n + i] = Float(a1); c[2 * n + i] = Float(a2)
                    c[3 * n + i] = Float(mp - a0 * m0 - a1 * m1 - a2 * m2)
                }
            }
        }
        var out = [Float](repeating: 0, count: 4 * n)
        for k in 0..<4 {
            let m = mean(Array(coefficients[k * n..<(k + 1) * n]))
            out.replaceSubrange(k * n..<(k + 1) * n, with: m)
        }
        return out
    }
}

/// Plane shrinking by whole factors, averaging each block (blocks cut by the edge average what they hold).
enum Downsample {
    static func area(_ src: [Float], planes: Int, width w: Int, height h: Int, factor s: Int) -> [Float] {
        let lw = (w + s - 1) / s, lh = (h + s - 1) / s
        var out = [Float](repeating: 0, count: planes * lw * lh)
        for p in 0..<planes {
            for ly in 0..<lh {
                let y0 = ly * s, y1 = min(y0 + s, h)
                for lx in 0..<lw {
                    let x0 = lx * s, x1 = min(x0 + s, w)
                    var sum: Float = 0
                    for y in y0..<y1 { for x in x0..<x1 { sum += src[p * w * h + y * w + x] } }
                    out[p * lw * lh + ly * lw + lx] = sum / Float((y1 - y0) * (x1 - x0))
                }
            }
        }
        return out
    }
}

/// Plane enlargement by bilinear interpolation, pixel centres aligned (half-pixel convention), edges clamped.
enum Upsample {
    static func bilinear(_ src: [Float], planes: Int, width lw: Int, height lh: Int, factor s: Int,
                         outWidth w: Int, outHeight h: Int) -> [Float] {
        var out = [Float](repeating: 0, count: planes * w * h)
        func taps(_ i: Int, _ limit: Int) -> (Int, Int, Float) {
            let x = (Float(i) + 0.5) / Float(s) - 0.5
            let x0 = Int(x.rounded(.down))
            let f = x - Float(x0)
            return (max(0, min(limit - 1, x0)), max(0, min(limit - 1, x0 + 1)), f)
        }
        let xt = (0..<w).map { taps($0, lw) }
        for p in 0..<planes {
            let base = p * lw * lh
            for y in 0..<h {
                let (y0, y1, fy) = taps(y, lh)
                for x in 0..<w {
                    let (x0, x1, fx) = xt[x]
                    let top = src[base + y0 * lw + x0] * (1 - fx) + src[base + y0 * lw + x1] * fx
                    let bottom = src[base + y1 * lw + x0] * (1 - fx) + src[base + y1 * lw + x1] * fx
                    out[p * w * h + y * w + x] = top * (1 - fy) + bottom * fy
                }
            }
        }
        return out
    }
}
