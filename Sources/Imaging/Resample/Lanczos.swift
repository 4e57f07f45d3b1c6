import Dispatch
import Foundation

/// Resampling of 8-bit interleaved images exactly as Pillow's `Image.resize(..., LANCZOS)` does it:
/// separable passes (horizontal, then vertical), the filter's support widened by the scale when
/// shrinking, coefficients normalised then rounded to 22-bit fixed point, and 8-bit results between
/// the passes.
public enum Resample {
    static let precisionBits = 22

    /// Lanczos-3: sinc(x)·sinc(x/3) on [-3, 3).
    static func lanczos(_ x: Double) -> Double {
        guard -3.0 <= x && x < 3.0 else { return 0 }
        return sinc(x) * sinc(x / 3)
    }

    static func sinc(_ x: Double) -> Double {
        if x == 0 { return 1 }
        let t = x * Double.pi
        return Foundation.sin(t) / t
    }

    /// Per output index: the first input index, the tap count, and fixed-point weights.
    struct Coefficients {
        let size: Int           // taps per output index (stride in `weights`)
        var first: [Int]
        var count: [Int]
        var weights: [Int32]

        init(inSize: Int, outSize: Int) {
            let scale = Double(Float(inSize) - Float(0)) / Double(outSize)
            let filterScale = max(scale, 1.0)
            let support = 3.0 * filterScale
            size = Int(support.rounded(.up)) * 2 + 1
            first = [Int](repeating: 0, count: outSize)
            count = [Int](repeating: 0, count: outSize)
            weights = [Int32](repeating: 0, count: outSize * size)
            let inverse = 1.0 / filterScale
            var k = [Double](repeating: 0, count: size)
            for xx in 0..<outSize {
                let center = (Double(xx) + 0.5) * scale
                var xmin = Int(center - support + 0.5)
                if xmin < 0 { xmin = 0 }
                var xmax = Int(center + support + 0.5)
                if xmax > inSize { xmax = inSize }
                xmax -= xmin
                var ww = 0.0
                for x in 0..<xmax {
                    let w = Resample.lanczos((Double(x + xmin) - center + 0.5) * inverse)
                    k[x] = w
                    ww += w
                }
                for x in 0..<size {
                    var v = x < xmax ? k[x] : 0
                    if x < xmax && ww != 0 { v /= ww }
                    let scaled = v * Double(1 << Resample.precisionBits)
                    weights[xx * size + x] = Int32(v < 0 ? scaled - 0.5 : scaled + 0.5)
                }
                first[xx] = xmin
                count[xx] = xmax
            }
        }
    }

    @inline(__always)
    static func clip8(_ v: Int32) -> UInt8 {
        let s = v >> Int32(precisionBits)
        return s < 0 ? 0 : s > 255 ? 255 : UInt8(s)
    }

    /// Resizes `channels`-interleaved 8-bit pixels from `width × height` to `outWidth × outHeight`.
    public static func lanczos(_ pixels: [UInt8], width: Int, height: Int, channels: Int,
                               outWidth: Int, outHeight: Int) -> [UInt8] {
        precondition(pixels.count == width * height * channels)
        let needHorizontal = outWidth != width, needVertical = outHeight != height
        if !needHorizontal && !needVertical { return pixels }
        let vertical = Coefficients(inSize: height, outSize: outHeight)
        // Rows of the source the vertical pass reads.
        let firstRow = vertical.first[0]
        let lastRow = vertical.first[outHeight - 1] + vertical.count[outHeight - 1]

        var stage = pixels
        var stageHeight = height
        var rowOffset = 0
        if needHorizontal {
            let rows = needVertical ? (firstRow..<lastRow) : (0..<height)
            stage = horizontal(pixels, width: width, rows: rows, channels: channels, outWidth: outWidth,
                               coefficients: Coefficients(inSize: width, outSize: outWidth))
            stageHeight = rows.count
            rowOffset = rows.lowerBound
        }
        guard needVertical else { return stage }
        return verticalPass(stage, width: outWidth, height: stageHeight, rowOffset: rowOffset, channels: channels,
                            outHeight: outHeight, coefficients: vertical)
    }

    static func horizontal(_ src: [UInt8], width: Int, rows: Range<Int>, channels: Int, outWidth: Int,
                           coefficients c: Coefficients) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: rows.count * outWidth * channels)
        let half = Int32(1 << (precisionBits - 1))
        src.withUnsafeBufferPointer { s in out.withUnsafeMutableBufferPointer { o in
        c.weights.withUnsafeBufferPointer { kk in c.first.withUnsafeBufferPointer { first in c.count.withUnsafeBufferPointer { count in
            let sp = s.baseAddress!, op = o.baseAddress!, kp = kk.baseAddress!
            let fp = first.baseAddress!, cp = count.baseAddress!
            parallelRows(rows.count) { r in
                let line = sp + (rows.lowerBound + r) * width * channels
                let dst = op + r * outWidth * channels
                for xx in 0..<outWidth {
                    let k = kp + xx * c.size
                    let x0 = fp[xx], n = cp[xx]
                    for ch in 0..<channels {
                        var ss = half
                        var p = line + x0 * channels + ch
                        for x in 0..<n { ss &+= Int32(p.pointee) &* k[x]; p += channels }
                        dst[xx * channels + ch] = clip8(ss)
                    }
                }
            }
        }}}}}
        return out
    }

    static func verticalPass(_ src: [UInt8], width: Int, height: Int, rowOffset: Int, channels: Int, outHeight: Int,
                             coefficients c: Coefficients) -> [UInt8] {
        let rowBytes = width * channels
        var out = [UInt8](repeating: 0, count: outHeight * rowBytes)
        let half = Int32(1 << (precisionBits - 1))
        src.withUnsafeBufferPointer { s in out.withUnsafeMutableBufferPointer { o in
        c.weights.withUnsafeBufferPointer { kk in c.first.withUnsafeBufferPointer { first in c.count.withUnsafeBufferPointer { count in
            let sp = s.baseAddress!, op = o.baseAddress!, kp = kk.baseAddress!
            let fp = first.baseAddress!, cp = count.baseAddress!
            parallelRows(outHeight) { yy in
                let k = kp + yy * c.size
                let y0 = fp[yy] - rowOffset, n = cp[yy]
                let dst = op + yy * rowBytes
                for i in 0..<rowBytes {
                    var ss = half
                    var p = sp + y0 * rowBytes + i
                    for y in 0..<n { ss &+= Int32(p.pointee) &* k[y]; p += rowBytes }
                    dst[i] = clip8(ss)
                }
            }
        }}}}}
        return out
    }

    /// Runs `body` over `count` rows on every core, in contiguous blocks.
    static func parallelRows(_ count: Int, _ body: (Int) -> Void) {
        let workers = min(ProcessInfo.processInfo.activeProcessorCount, max(count / 8, 1))
        if workers <= 1 { for r in 0..<count { body(r) }; return }
        withoutActuallyEscaping(body) { body in
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                for r in (count * w / workers)..<(count * (w + 1) / workers) { body(r) }
            }
        }
    }
}
