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
    /// Floats of per-row scratch that ``row(_:_:width:scratch:)`` needs (0 when nothing is resized): the
    /// largest ``ResizedRowScratch`` of the segments.
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
        for s in [s0, s1, s2, s3] { if let r = s?.resize { scratch = max(scratch, ResizedRowScratch(r).floats) } }
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
    /// the row computed into `scratch` (at least ``rowScratchFloats`` floats).
    @inline(__always)
    package func row(_ c: Int, _ y: Int, width: Int, scratch: ScratchRegion) -> UnsafePointer<Float> {
        let (segment, k) = locate(c)
        guard let resize = segment.resize else { return segment.tensor + k * planeSize + y * width }
        let areas = ResizedRowScratch(resize).areas(in: scratch)
        let row = areas.row.pointer(at: 0, count: resize.outWidth)
        resize.row(of: segment.tensor + k * resize.inHeight * resize.inWidth, y, into: row, scratch: areas.blend)
        return UnsafePointer(row)
    }

    /// The scratch through which one row of a resized segment is read: the resized row, then the blend
    /// row that ``ResizeTaps/row(of:_:into:scratch:)`` works in.
    package struct ResizedRowScratch: Equatable {
        /// The resized row: the resize's output width, in floats.
        package let rowFloats: Int
        /// The resize's own scratch, in floats (``ResizeTaps/rowScratchFloats``).
        package let blendFloats: Int

        @inline(__always)
        package init(_ resize: ResizeTaps) {
            rowFloats = resize.outWidth
            blendFloats = resize.rowScratchFloats
        }

        /// Floats of the whole: the row and the blend row.
        package var floats: Int { rowFloats + blendFloats }

        /// The two areas, carved from the front of `scratch` (at least ``floats`` floats).
        @inline(__always)
        package func areas(in scratch: ScratchRegion) -> (row: ScratchRegion, blend: ScratchRegion) {
            var rest = scratch
            let row = rest.carve(rowFloats)
            return (row, rest.carve(blendFloats))
        }
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
    /// `firstRow ..< firstRow + rows` into `band` (`channels × rows × paddedWidth` floats), each row starting
    /// `padLeft` floats in; rows outside the image and the borders are zeros.
    static func fill(_ band: ScratchRegion, from image: ChannelPlanes, firstChannel: Int, channels: Int,
                     height: Int, width: Int, firstRow: Int, rows: Int, padLeft: Int, paddedWidth: Int) {
        precondition(padLeft + width <= paddedWidth)
        withUnsafeTemporaryAllocation(of: Float.self, capacity: max(image.rowScratchFloats, 1)) { rowScratch in
          let rowScratch = ScratchRegion(rowScratch.baseAddress!, count: image.rowScratchFloats)
          for c in 0..<channels {
            for r in 0..<rows {
                let iy = firstRow + r
                let d = band.subregion(at: (c * rows + r) * paddedWidth, count: paddedWidth)
                if iy < 0 || iy >= height {
                    d.initialize(repeating: 0)
                } else {
                    let src = image.row(firstChannel + c, iy, width: width, scratch: rowScratch)
                    d.prefix(padLeft).initialize(repeating: 0)
                    d.subregion(at: padLeft, count: width).initialize(from: src)
                    d.subregion(at: padLeft + width, count: paddedWidth - padLeft - width).initialize(repeating: 0)
                }
            }
          }
        }
    }
}

extension PaddedBand {
    /// Like ``fill``, with each band row stored by phase: padded column `x = 4·q + p` goes to
    /// `row[p · quads + q]`, so that every fourth column is contiguous. `band` is
    /// `channels × rows × 4·quads` floats; columns outside the image are zeros.
    static func fillPhased(_ band: ScratchRegion, from image: ChannelPlanes, firstChannel: Int, channels: Int,
                           height: Int, width: Int, firstRow: Int, rows: Int, padLeft: Int, quads: Int) {
        precondition(padLeft + width <= 4 * quads)
        let rowFloats = 4 * quads
        // Quads wholly or partly outside the image are zeroed first; the image's columns then overwrite
        // their part. The first image column whose padded x is a multiple of 4 starts the vector loop.
        let zeroHead = (padLeft + 3) / 4, zeroTail = (padLeft + width) / 4
        let alignedStart = min((4 - padLeft % 4) % 4, width)
        withUnsafeTemporaryAllocation(of: Float.self, capacity: max(image.rowScratchFloats, 1)) { rowScratch in
          let rowScratch = ScratchRegion(rowScratch.baseAddress!, count: image.rowScratchFloats)
          for c in 0..<channels {
            for r in 0..<rows {
                let iy = firstRow + r
                let d = band.subregion(at: (c * rows + r) * rowFloats, count: rowFloats)
                guard iy >= 0 && iy < height else {
                    d.initialize(repeating: 0)
                    continue
                }
                for p in 0..<4 {
                    d.subregion(at: p * quads, count: zeroHead).initialize(repeating: 0)
                    d.subregion(at: p * quads + zeroTail, count: quads - zeroTail).initialize(repeating: 0)
                }
                let s = image.row(firstChannel + c, iy, width: width, scratch: rowScratch)
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
                    d.store(even.evenHalf, at: q)
                    d.store(odd.evenHalf, at: quads + q)
                    d.store(even.oddHalf, at: 2 * quads + q)
                    d.store(odd.oddHalf, at: 3 * quads + q)
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
