/// Where a convolution reads its input channel planes: one NCHW tensor, or up to four tensors whose
/// channels follow one another — a channel Concat that is never materialised — each of which may be read
/// through a ``ResizeTaps`` (a Resize that is never materialised either). Plane `c` of a single tensor is
/// `base + c · planeSize` (so batches follow on); segments are for batch 1.
package struct ChannelPlanes {
    package static let maxSegments = 4
    package struct Segment {
        package var tensor: UnsafePointer<Float>
        package var channels: Int
        /// When set, the segment is `tensor` resized by these taps, row by row as it is read.
        package var resize: ResizeTaps?
        package init(tensor: UnsafePointer<Float>, channels: Int, resize: ResizeTaps? = nil) {
            self.tensor = tensor; self.channels = channels; self.resize = resize
        }
    }

    private let s0: Segment, s1: Segment?, s2: Segment?, s3: Segment?
    /// First channel of segments 1, 2 and 3 (Int.max when absent).
    private let start1: Int, start2: Int, start3: Int
    /// Floats per plane as read (the resized size for a resized segment).
    package let planeSize: Int
    /// Floats of per-row scratch that ``row(_:_:width:scratch:)`` needs (0 when nothing is resized).
    package let rowScratchFloats: Int

    package init(_ base: UnsafePointer<Float>, planeSize: Int) {
        s0 = Segment(tensor: base, channels: .max)
        (s1, s2, s3) = (nil, nil, nil)
        (start1, start2, start3) = (.max, .max, .max)
        self.planeSize = planeSize
        rowScratchFloats = 0
    }

    /// `count` (1…4) segments; `segment(i)` gives segment i. `planeSize` is the size of a plane as read.
    package init(planeSize: Int, count: Int, segment: (Int) -> Segment) {
        precondition(count >= 1 && count <= Self.maxSegments)
        s0 = segment(0)
        s1 = count > 1 ? segment(1) : nil
        s2 = count > 2 ? segment(2) : nil
        s3 = count > 3 ? segment(3) : nil
        start1 = s1 == nil ? .max : s0.channels
        start2 = s2 == nil ? .max : start1 + s1!.channels
        start3 = s3 == nil ? .max : start2 + s2!.channels
        self.planeSize = planeSize
        var scratch = 0
        for s in [s0, s1, s2, s3] { if let r = s?.resize { scratch = max(scratch, r.outWidth + r.rowScratchFloats) } }
        rowScratchFloats = scratch
    }

    @inline(__always)
    private func locate(_ c: Int) -> (Segment, Int) {
        if c < start1 { return (s0, c) }
        if c < start2 { return (s1!, c - start1) }
        if c < start3 { return (s2!, c - start2) }
        return (s3!, c - start3)
    }

    /// Row `y` (of `width` floats) of channel `c`: a pointer into the tensor, or, for a resized segment,
    /// the row computed into `scratch` (``rowScratchFloats`` floats).
    @inline(__always)
    package func row(_ c: Int, _ y: Int, width: Int, scratch: UnsafeMutablePointer<Float>) -> UnsafePointer<Float> {
        let (segment, k) = locate(c)
        guard let resize = segment.resize else { return segment.tensor + k * planeSize + y * width }
        resize.row(of: segment.tensor + k * resize.inHeight * resize.inWidth, y, into: scratch,
                   scratch: scratch + resize.outWidth)
        return UnsafePointer(scratch)
    }
}

/// The zero-bordered copy of a band of input rows that the direct and Winograd convolutions read, so
/// that their inner loops need no bounds checks.
enum PaddedBand {
    /// The work plan the banded convolutions share: `images × rowsPerImage` rows of output (tile rows for
    /// Winograd) are split into one contiguous range per thread, and each thread walks its range in bands
    /// of at most `bandRows` rows that never cross an image, calling `body(worker, image, firstRow, rows)`.
    /// Each thread copies its own bands into its own scratch, so threads never wait for one another.
    @inline(__always)
    static func perThread(images: Int, rowsPerImage: Int, bandRows: Int, threads: Int,
                          _ body: (_ worker: Int, _ image: Int, _ firstRow: Int, _ rows: Int) -> Void) {
        Parallel.forRanges(images * rowsPerImage, threads: threads) { worker, range in
            var row = range.lowerBound
            while row < range.upperBound {
                let n = row / rowsPerImage, first = row % rowsPerImage
                let rows = min(bandRows, rowsPerImage - first, range.upperBound - row)
                body(worker, n, first, rows)
                row += rows
            }
        }
    }

    /// For channels `firstChannel ..< firstChannel + channels` of `image` (planes of `height × width`), copies image rows
    /// `firstRow ..< firstRow + rows` into `band` (`channels × rows × paddedWidth`), each row starting
    /// `padLeft` floats in; rows outside the image and the borders are zeros.
    static func fill(_ band: UnsafeMutablePointer<Float>, from image: ChannelPlanes, firstChannel: Int, channels: Int,
                     height: Int, width: Int, firstRow: Int, rows: Int, padLeft: Int, paddedWidth: Int) {
        precondition(padLeft + width <= paddedWidth)
        withUnsafeTemporaryAllocation(of: Float.self, capacity: max(image.rowScratchFloats, 1)) { rowScratch in
          for c in 0..<channels {
            let dst = band + c * rows * paddedWidth
            for r in 0..<rows {
                let iy = firstRow + r
                let d = dst + r * paddedWidth
                if iy < 0 || iy >= height {
                    d.initialize(repeating: 0, count: paddedWidth)
                } else {
                    let src = image.row(firstChannel + c, iy, width: width, scratch: rowScratch.baseAddress!)
                    d.initialize(repeating: 0, count: padLeft)
                    (d + padLeft).initialize(from: src, count: width)
                    (d + padLeft + width).initialize(repeating: 0, count: paddedWidth - padLeft - width)
                }
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
                           height: Int, width: Int, firstRow: Int, rows: Int, padLeft: Int, quads: Int) {
        precondition(padLeft + width <= 4 * quads)
        let rowFloats = 4 * quads
        // Quads wholly or partly outside the image are zeroed first; the image's columns then overwrite
        // their part. The first image column whose padded x is a multiple of 4 starts the vector loop.
        let zeroHead = (padLeft + 3) / 4, zeroTail = (padLeft + width) / 4
        let alignedStart = min((4 - padLeft % 4) % 4, width)
        withUnsafeTemporaryAllocation(of: Float.self, capacity: max(image.rowScratchFloats, 1)) { rowScratch in
          for c in 0..<channels {
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
                let s = image.row(firstChannel + c, iy, width: width, scratch: rowScratch.baseAddress!)
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
}
