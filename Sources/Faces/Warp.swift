import Dispatch
import Foundation
import Imaging

/// Resampling through an affine map: each output pixel averages `samples × samples` bilinear samples of the source
/// taken inside it (enough to avoid aliasing when the map shrinks). Pixel (u, v) covers [u, u+1) × [v, v+1).
public enum Warp {
    /// The sample count per axis that keeps a shrink by `scale` (output/source) from aliasing, at most 8.
    public static func samples(forScale scale: Double) -> Int { max(1, min(8, Int((1 / max(scale, 1e-6)).rounded(.up)))) }

    /// RGB output of `width × height` whose pixel centres map into `image` through `toSource`; samples outside the
    /// photo take the nearest edge pixel. Also returns, per output pixel, the fraction of its samples that fell
    /// inside the photo.
    public static func rgb(_ image: Image, toSource: Affine2D, width: Int, height: Int, samples n: Int,
                           threads: Int = 2) -> (image: Image, inside: [Float]) {
        var out = [UInt8](repeating: 0, count: width * height * 3)
        var inside = [Float](repeating: 0, count: width * height)
        let w = image.width, h = image.height
        image.rgb.withUnsafeBufferPointer { srcBuf in
            out.withUnsafeMutableBufferPointer { dstBuf in
                inside.withUnsafeMutableBufferPointer { inBuf in
                    nonisolated(unsafe) let src = srcBuf.baseAddress!, dst = dstBuf.baseAddress!, ins = inBuf.baseAddress!
                    let chunks = max(1, min(threads * 4, height))
                    DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                        let y0 = chunk * height / chunks, y1 = (chunk + 1) * height / chunks
                        let inv = 1 / Double(n), total = Float(n * n)
                        for v in y0..<y1 {
                            for u in 0..<width {
                                var r: Float = 0, g: Float = 0, b: Float = 0, count: Float = 0
                                for sy in 0..<n {
                                    for sx in 0..<n {
                                        let px = Double(u) + (Double(sx) + 0.5) * inv, py = Double(v) + (Double(sy) + 0.5) * inv
                                        let x = toSource.a * px + toSource.b * py + toSource.c - 0.5
                                        let y = toSource.d * px + toSource.e * py + toSource.f - 0.5
                                        if x >= -0.5 && y >= -0.5 && x <= Double(w) - 0.5 && y <= Double(h) - 0.5 { count += 1 }
                                        let cx = min(max(x, 0), Double(w - 1)), cy = min(max(y, 0), Double(h - 1))
                                        let x0 = min(Int(cx), w - 2 < 0 ? 0 : w - 2), y0i = min(Int(cy), h - 2 < 0 ? 0 : h - 2)
                                        let fx = Float(cx - Double(x0)), fy = Float(cy - Double(y0i))
                                        let x1 = min(x0 + 1, w - 1), y1i = min(y0i + 1, h - 1)
                                        let p00 = 3 * (y0i * w + x0), p01 = 3 * (y0i * w + x1)
                                        let p10 = 3 * (y1i * w + x0), p11 = 3 * (y1i * w + x1)
                                        let w00 = (1 - fx) * (1 - fy), w01 = fx * (1 - fy), w10 = (1 - fx) * fy, w11 = fx * fy
                                        r += w00 * Float(src[p00]) + w01 * Float(src[p01]) + w10 * Float(src[p10]) + w11 * Float(src[p11])
                                        g += w00 * Float(src[p00 + 1]) + w01 * Float(src[p01 + 1]) + w10 * Float(src[p10 + 1]) + w11 * Float(src[p11 + 1])
                                        b += w00 * Float(src[p00 + 2]) + w01 * Float(src[p01 + 2]) + w10 * Float(src[p10 + 2]) + w11 * Float(src[p11 + 2])
                                    }
                                }
                                let o = 3 * (v * width + u)
                                dst[o] = UInt8(min(max((r / total).rounded(), 0), 255))
                                dst[o + 1] = UInt8(min(max((g / total).rounded(), 0), 255))
                                dst[o + 2] = UInt8(min(max((b / total).rounded(), 0), 255))
                                ins[v * width + u] = count / total
                            }
                        }
                    }
                }
            }
        }
        return (Image(width: width, height: height, rgb: out), inside)
    }

    /// A grey plane (a matte) resampled the same way; samples outside the plane count as `outside`.
    public static func gray(_ plane: GrayImage, toSource: Affine2D, width: Int, height: Int, samples n: Int,
                            outside: Float = 0) -> GrayImage {
        var out = [UInt8](repeating: 0, count: width * height)
        let w = plane.width, h = plane.height, src = plane.pixels
        let inv = 1 / Double(n), total = Float(n * n)
        for v in 0..<height {
            for u in 0..<width {
                var acc: Float = 0
                for sy in 0..<n {
                    for sx in 0..<n {
                        let px = Double(u) + (Double(sx) + 0.5) * inv, py = Double(v) + (Double(sy) + 0.5) * inv
                        let x = toSource.a * px + toSource.b * py + toSource.c - 0.5
                        let y = toSource.d * px + toSource.e * py + toSource.f - 0.5
                        guard x >= -0.5, y >= -0.5, x <= Double(w) - 0.5, y <= Double(h) - 0.5 else { acc += outside; continue }
                        acc += bilinear(src, w, h, x, y)
                    }
                }
                out[v * width + u] = UInt8(min(max((acc / total).rounded(), 0), 255))
            }
        }
        return GrayImage(width: width, height: height, pixels: out)
    }

    /// Bilinear sample of a grey plane at continuous pixel-centre coordinates (clamped to the plane).
    static func bilinear(_ src: [UInt8], _ w: Int, _ h: Int, _ x: Double, _ y: Double) -> Float {
        let cx = min(max(x, 0), Double(w - 1)), cy = min(max(y, 0), Double(h - 1))
        let x0 = min(Int(cx), max(w - 2, 0)), y0 = min(Int(cy), max(h - 2, 0))
        let x1 = min(x0 + 1, w - 1), y1 = min(y0 + 1, h - 1)
        let fx = Float(cx - Double(x0)), fy = Float(cy - Double(y0))
        let a = Float(src[y0 * w + x0]) * (1 - fx) + Float(src[y0 * w + x1]) * fx
        let b = Float(src[y1 * w + x0]) * (1 - fx) + Float(src[y1 * w + x1]) * fx
        return a * (1 - fy) + b * fy
    }
}
