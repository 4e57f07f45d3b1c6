/// Where a convolution reads its input channel planes: one NCHW tensor, or up to four tensors whose
/// channels follow one another — a channel Concat that is never materialised. Plane `c` of a single tensor
/// is `base + c · planeSize` (so batches follow on); segments are for batch 1.
public struct ChannelPlanes {
    public static let maxSegments = 4
    private let p0: UnsafePointer<Float>, p1: UnsafePointer<Float>, p2: UnsafePointer<Float>, p3: UnsafePointer<Float>
    /// First channel of segments 1, 2 and 3 (Int.max when absent).
    private let start1: Int, start2: Int, start3: Int
    public let planeSize: Int

    public init(_ base: UnsafePointer<Float>, planeSize: Int) {
        (p0, p1, p2, p3) = (base, base, base, base)
        (start1, start2, start3) = (.max, .max, .max)
        self.planeSize = planeSize
    }

    /// `count` (1…4) segments; `segment(i)` gives segment i's tensor and its number of channels.
    public init(planeSize: Int, count: Int, segment: (Int) -> (UnsafePointer<Float>, Int)) {
        precondition(count >= 1 && count <= Self.maxSegments)
        let s0 = segment(0)
        let s1 = count > 1 ? segment(1) : (s0.0, 0), s2 = count > 2 ? segment(2) : (s0.0, 0)
        let s3 = count > 3 ? segment(3) : (s0.0, 0)
        (p0, p1, p2, p3) = (s0.0, s1.0, s2.0, s3.0)
        start1 = count > 1 ? s0.1 : .max
        start2 = count > 2 ? s0.1 + s1.1 : .max
        start3 = count > 3 ? s0.1 + s1.1 + s2.1 : .max
        self.planeSize = planeSize
    }

    @inline(__always)
    public func plane(_ c: Int) -> UnsafePointer<Float> {
        if c < start1 { return p0 + c * planeSize }
        if c < start2 { return p1 + (c - start1) * planeSize }
        if c < start3 { return p2 + (c - start2) * planeSize }
        return p3 + (c - start3) * planeSize
    }
}

/// The zero-bordered copy of a band of input rows that the direct and Winograd convolutions read, so
/// that their inner loops need no bounds checks.
enum PaddedBand {
    /// For channels `firstChannel ..< firstChannel + channels` of `image` (planes of `height × width`), copies image rows
    /// `firstRow ..< firstRow + rows` into `band` (`channels × rows × paddedWidth`), each row starting
    /// `padLeft` floats in; rows outside the image and the borders are zeros.
    static func fill(_ band: UnsafeMutablePointer<Float>, from image: ChannelPlanes, firstChannel: Int, channels: Int,
                     height: Int, width: Int, firstRow: Int, rows: Int, padLeft: Int, paddedWidth: Int, threads: Int) {
        precondition(padLeft + width <= paddedWidth)
        Parallel.forEach(channels, threads: threads) { c in
            let src = image.plane(firstChannel + c)
            let dst = band + c * rows * paddedWidth
            for r in 0..<rows {
                let iy = firstRow + r
                let d = dst + r * paddedWidth
                if iy < 0 || iy >= height {
                    d.initialize(repeating: 0, count: paddedWidth)
                } else {
                    d.initialize(repeating: 0, count: padLeft)
                    (d + padLeft).initialize(from: src + iy * width, count: width)
                    (d + padLeft + width).initialize(repeating: 0, count: paddedWidth - padLeft - width)
                }
            }
        }
    }
}

extension PaddedBand {
    /// Like ``fill``, with each band row stored by phase: padded column `x = 4·q + p` goes to
    /// `row[p · quads + q]`, so that every fourth column is contiguous. `band` is
    /// `channels × rows × 4·quads`; columns outside the image are zeros.
    static func fillPhased(_ band: UnsafeMutablePointer<Float>, from image: ChannelPlanes, firstChannel: Int, channels: Int,
                           height: Int, width: Int, firstRow: Int, rows: Int, padLeft: Int, quads: Int, threads: Int) {
        precondition(padLeft + width <= 4 * quads)
        let rowFloats = 4 * quads
        // Quads wholly or partly outside the image are zeroed first; the image's columns then overwrite
        // their part. The first image column whose padded x is a multiple of 4 starts the vector loop.
        let zeroHead = (padLeft + 3) / 4, zeroTail = (padLeft + width) / 4
        let alignedStart = min((4 - padLeft % 4) % 4, width)
        Parallel.forEach(channels, threads: threads) { c in
            let src = image.plane(firstChannel + c)
            let dst = band + c * rows * rowFloats
            for r in 0..<rows {
                let iy = firstRow + r
                let d = dst + r * rowFloats
                guard iy >= 0 && iy < height else {
                    d.initialize(repeating: 0, count: rowFloats)
                    continue
                }
                for p in 0..<4 {
                    (d + p * quads).initialize(repeating: 0, count: zeroHead)
                    (d + p * quads + zeroTail).initialize(repeating: 0, count: quads - zeroTail)
                }
                let s = src + iy * width
                @inline(__always) func put(_ ix: Int) {
                    let x = ix + padLeft
                    d[(x & 3) * quads + (x >> 2)] = s[ix]
                }
                for ix in 0..<alignedStart { put(ix) }
                var ix = alignedStart
                while ix + 16 <= width {
                    // Sixteen columns from a multiple of 4: four per phase.
                    let v = UnsafeRawPointer(s + ix).loadUnaligned(as: SIMD16<Float>.self)
                    let even = v.evenHalf, odd = v.oddHalf
                    let q = (ix + padLeft) >> 2
                    UnsafeMutableRawPointer(d + q).storeBytes(of: even.evenHalf, as: SIMD4<Float>.self)
                    UnsafeMutableRawPointer(d + quads + q).storeBytes(of: odd.evenHalf, as: SIMD4<Float>.self)
                    UnsafeMutableRawPointer(d + 2 * quads + q).storeBytes(of: even.oddHalf, as: SIMD4<Float>.self)
                    UnsafeMutableRawPointer(d + 3 * quads + q).storeBytes(of: odd.oddHalf, as: SIMD4<Float>.self)
                    ix += 16
                }
                while ix < width {
                    put(ix)
                    ix += 1
                }
            }
        }
    }
}
