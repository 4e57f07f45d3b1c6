/// Direct convolution for stride-1, ungrouped kernels (3×3, dilated or not), without im2col.
///
/// The input is copied, one band of rows at a time, into a zero-bordered scratch so that the inner
/// loop needs no bounds checks. Each register tile computes 4 output channels × 24 pixels: per
/// kernel tap it loads three 8-float input vectors, broadcasts four weights and issues twelve FMAs,
/// with the twelve accumulators held in registers. Input channels are taken 16 at a time and every
/// block of output channels runs over that chunk before the next, so the chunk's input patch is
/// read from L1. Weights are packed once, four output channels interleaved, so the broadcasts read
/// consecutive floats. A single output channel gets its own tile instead, 1 channel × 96 pixels
/// (twelve input vectors, one broadcast weight), so that no lane computes a channel that does not exist.
package final class Conv2DDirect: ScratchConvolution, @unchecked Sendable {
    package let geometry: Conv2DGeometry
    package let epilogue: ConvEpilogue

    static let rowsPerTile = 4
    static let pixelsPerTile = 24
    /// Pixels per tile of the single-channel variant.
    static let singleChannelPixels = 96
    /// Output channels and pixels of this convolution's register tile.
    let tileChannels: Int, tilePixels: Int

    private let packed: UnsafeMutablePointer<Float>  // [blocks][Cin][kh][kw][4]
    private let bias: UnsafeMutablePointer<Float>    // [blocks * 4]
    private let blocks: Int
    /// Width of a padded input row, with slack so the last tile can read past the image.
    let paddedWidth: Int
    /// Output rows computed per band.
    package let bandRows: Int
    /// Where each thread's band and accumulator tile lie in the scratch.
    package let scratchLayout: ScratchLayout

    /// Scratch budget for one thread's band of padded input, in floats (1 MiB: small enough that the band
    /// is read back from cache, not memory).
    static let maxScratchFloats = 1 << 18

    /// Whether this kernel handles `g`: stride 1, one group, a window larger than 1×1 or the 1×1 head below. (With fewer than
    /// four output channels part of each register tile idles, yet it still beats im2col, whose copying
    /// then costs as much as the arithmetic.)
    package static func supports(_ g: Conv2DGeometry) -> Bool {
        g.strideY == 1 && g.strideX == 1 && g.groups == 1 && (g.kernelHeight * g.kernelWidth > 1 || readsBandsFor1x1(g))
    }

    /// A 1×1 convolution to one channel from 16 or more (a segmentation head): the band copy lets it read a
    /// Resize before it row by row instead of the resized tensor being stored (BiRefNet's 48 channels at
    /// 1024², 200 MB), and with one output channel im2col's product is a thin matrix–vector product anyway.
    static func readsBandsFor1x1(_ g: Conv2DGeometry) -> Bool {
        g.kernelHeight == 1 && g.kernelWidth == 1 && g.outChannels == 1 && g.inChannels >= 16
    }

    package init(geometry g: Conv2DGeometry, weights w: [Float], bias b: [Float]?, epilogue: ConvEpilogue = .none) {
        precondition(Self.supports(g))
        precondition(w.count == g.outChannels * g.patchSize)
        geometry = g
        self.epilogue = epilogue
        tileChannels = g.outChannels == 1 ? 1 : Self.rowsPerTile
        tilePixels = g.outChannels == 1 ? Self.singleChannelPixels : Self.pixelsPerTile
        let R = tileChannels
        blocks = (g.outChannels + R - 1) / R
        let taps = g.inChannels * g.kernelHeight * g.kernelWidth
        packed = .allocate(capacity: blocks * taps * R)
        packed.initialize(repeating: 0, count: blocks * taps * R)
        for co in 0..<g.outChannels {
            let (blk, r) = (co / R, co % R)
            for t in 0..<taps { packed[(blk * taps + t) * R + r] = w[co * taps + t] }
        }
        bias = .allocate(capacity: blocks * R)
        bias.initialize(repeating: 0, count: blocks * R)
        if let b { for co in 0..<g.outChannels { bias[co] = b[co] } }
        let ow = g.outWidth
        let tilesPerRow = (ow + tilePixels - 1) / tilePixels
        paddedWidth = max(g.inWidth + g.padLeft + g.padRight, tilesPerRow * tilePixels + (g.kernelWidth - 1) * g.dilationX) + 8
        let halo = (g.kernelHeight - 1) * g.dilationY
        let rowsFit = Self.maxScratchFloats / max(g.inChannels * paddedWidth, 1) - halo
        bandRows = max(1, min(g.outHeight, rowsFit))
        scratchLayout = ScratchLayout(inChannels: g.inChannels, bandInputRows: bandRows + halo, paddedWidth: paddedWidth,
                                      outputChannelBlocks: blocks, tileChannels: tileChannels, tilePixels: tilePixels)
    }

    deinit {
        packed.deallocate()
        bias.deallocate()
    }

    /// Input channels accumulated per pass over the output channels (their patch fits in L1).
    static let channelsPerChunk = 16

    /// Scratch floats needed with `threads` threads: the padded band plus a tile per thread.
    /// Each thread has its own band and tile: threads never wait for each other within a run.
    package func scratchFloats(threads: Int) -> Int { scratchLayout.floats(threads: threads) }

    /// - Parameters:
    ///   - input: `batch × inChannels × inHeight × inWidth`.
    ///   - output: `batch × outChannels × outHeight × outWidth`.
    ///   - scratch: ``scratchFloats(threads:)`` floats, 32-byte aligned.
    package func run(input: ChannelPlanes, output: UnsafeMutablePointer<Float>,
                    scratch: UnsafeMutablePointer<Float>, threads: Int, residual: UnsafePointer<Float>?) {
        let g = geometry
        let delta = residual.map { $0 - UnsafePointer(output) }
        let OH = g.outHeight, OW = g.outWidth
        let halo = (g.kernelHeight - 1) * g.dilationY
        let PW = paddedWidth
        let layout = scratchLayout
        let scratch = ScratchRegion(scratch, count: layout.floats(threads: threads))
        // Per thread, band by band: copy the band's input rows, then compute its output rows.
        PaddedBand.perThread(images: g.batch, rowsPerImage: OH, bandRows: bandRows, threads: threads) { worker, n, y0, rows in
            let areas = layout.areas(worker: worker, in: scratch)
            let bandIn = rows + halo
            let band = areas.band.prefix(g.inChannels * bandIn * PW)
            let out = output + n * g.outChannels * OH * OW
            PaddedBand.fill(band, from: input, firstChannel: n * g.inChannels, channels: g.inChannels,
                            height: g.inHeight, width: g.inWidth, firstRow: y0 - g.padTop, rows: bandIn,
                            padLeft: g.padLeft, paddedWidth: PW)
            for r in 0..<rows {
                if self.tileChannels == 1 {
                    self.computeSingleChannelRow(bandRow: r, bandInputRows: bandIn, band: band,
                                                 output: out + (y0 + r) * OW, residualDelta: delta)
                } else {
                    self.computeRow(bandRow: r, bandInputRows: bandIn, band: band, tile: areas.tile,
                                    output: out + (y0 + r) * OW, residualDelta: delta)
                }
            }
        }
    }

    /// Output row `bandRow` of the band, every output channel, from `band` (`bandInputRows` padded rows of
    /// every input channel), accumulating in `tile` (every output channel × 24 pixels).
    @inline(__always)
    private func computeRow(bandRow: Int, bandInputRows: Int, band: ScratchRegion,
                            tile: ScratchRegion, output: UnsafeMutablePointer<Float>, residualDelta: Int?) {
        let g = geometry
        let R = Self.rowsPerTile, P = Self.pixelsPerTile
        let OW = g.outWidth, planeOut = g.outHeight * OW
        let PW = paddedWidth, planeIn = bandInputRows * PW
        let kh = g.kernelHeight, kw = g.kernelWidth, dy = g.dilationY, dx = g.dilationX
        let taps = kh * kw
        let cin = g.inChannels, chunk = Self.channelsPerChunk
        let (lo, hi) = epilogue.bounds
        let vlo = SIMD8<Float>(repeating: lo), vhi = SIMD8<Float>(repeating: hi)
        let rowBase = bandRow * PW
        // What one chunk's patch spans from its first float: `chunk` planes, the window's rows and
        // columns, a tile of pixels.
        let windowFloats = (kh - 1) * dy * PW + (kw - 1) * dx + P
        var x0 = 0
        while x0 < OW {
            // The tile buffer holds every output channel's 24 pixels while input channels are
            // accumulated chunk by chunk; the chunk's input patch stays in L1 across all channel blocks.
            var c0 = 0
            while c0 < cin {
                let cc = min(chunk, cin - c0)
                let patch = UnsafePointer(band.pointer(at: rowBase + c0 * planeIn + x0,
                                                       count: (cc - 1) * planeIn + windowFloats))
                for blk in 0..<blocks {
                    let acc = tile.subregion(at: blk * R * P, count: R * P)
                    var c00, c01, c02, c10, c11, c12, c20, c21, c22, c30, c31, c32: SIMD8<Float>
                    if c0 == 0 {
                        let b = bias + blk * R
                        c00 = SIMD8(repeating: b[0]); c01 = c00; c02 = c00
                        c10 = SIMD8(repeating: b[1]); c11 = c10; c12 = c10
                        c20 = SIMD8(repeating: b[2]); c21 = c20; c22 = c20
                        c30 = SIMD8(repeating: b[3]); c31 = c30; c32 = c30
                    } else {
                        c00 = acc.load(SIMD8<Float>.self, at: 0)
                        c01 = acc.load(SIMD8<Float>.self, at: 8)
                        c02 = acc.load(SIMD8<Float>.self, at: 16)
                        c10 = acc.load(SIMD8<Float>.self, at: 24)
                        c11 = acc.load(SIMD8<Float>.self, at: 32)
                        c12 = acc.load(SIMD8<Float>.self, at: 40)
                        c20 = acc.load(SIMD8<Float>.self, at: 48)
                        c21 = acc.load(SIMD8<Float>.self, at: 56)
                        c22 = acc.load(SIMD8<Float>.self, at: 64)
                        c30 = acc.load(SIMD8<Float>.self, at: 72)
                        c31 = acc.load(SIMD8<Float>.self, at: 80)
                        c32 = acc.load(SIMD8<Float>.self, at: 88)
                    }
                    var wp = UnsafePointer(packed + ((blk * cin + c0) * taps) * R)
                    var plane = patch
                    for _ in 0..<cc {
                        var row = plane
                        for _ in 0..<kh {
                            var p = row
                            for _ in 0..<kw {
                                let raw = UnsafeRawPointer(p)
                                let a0 = raw.loadUnaligned(as: SIMD8<Float>.self)
                                let a1 = raw.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self)
                                let a2 = raw.loadUnaligned(fromByteOffset: 64, as: SIMD8<Float>.self)
                                let w0 = SIMD8<Float>(repeating: wp[0]), w1 = SIMD8<Float>(repeating: wp[1])
                                let w2 = SIMD8<Float>(repeating: wp[2]), w3 = SIMD8<Float>(repeating: wp[3])
                                c00.addProduct(w0, a0); c01.addProduct(w0, a1); c02.addProduct(w0, a2)
                                c10.addProduct(w1, a0); c11.addProduct(w1, a1); c12.addProduct(w1, a2)
                                c20.addProduct(w2, a0); c21.addProduct(w2, a1); c22.addProduct(w2, a2)
                                c30.addProduct(w3, a0); c31.addProduct(w3, a1); c32.addProduct(w3, a2)
                                wp += R
                                p += dx
                            }
                            row += dy * PW
                        }
                        plane += planeIn
                    }
                    acc.store(c00, at: 0)
                    acc.store(c01, at: 8)
                    acc.store(c02, at: 16)
                    acc.store(c10, at: 24)
                    acc.store(c11, at: 32)
                    acc.store(c12, at: 40)
                    acc.store(c20, at: 48)
                    acc.store(c21, at: 56)
                    acc.store(c22, at: 64)
                    acc.store(c30, at: 72)
                    acc.store(c31, at: 80)
                    acc.store(c32, at: 88)
                }
                c0 += cc
            }
            // Activation, then the valid channels and pixels out.
            let valid = min(P, OW - x0)
            for co in 0..<g.outChannels {
                let src = UnsafeRawPointer(tile.pointer(at: co * P, count: valid))
                let dst = output + co * planeOut + x0
                ConvEpilogueKernel.store(src, to: dst, count: valid, lo: vlo, hi: vhi, residualDelta: residualDelta)
            }
            x0 += P
        }
    }

    /// One output row of a single-channel convolution: 96 pixels per register tile, every input channel
    /// summed in registers.
    private func computeSingleChannelRow(bandRow: Int, bandInputRows: Int, band: ScratchRegion,
                                         output: UnsafeMutablePointer<Float>, residualDelta: Int?) {
        let g = geometry
        let P = tilePixels
        let OW = g.outWidth
        let PW = paddedWidth, planeIn = bandInputRows * PW
        let kh = g.kernelHeight, kw = g.kernelWidth, dy = g.dilationY, dx = g.dilationX
        let cin = g.inChannels
        let (lo, hi) = epilogue.bounds
        let vlo = SIMD8<Float>(repeating: lo), vhi = SIMD8<Float>(repeating: hi)
        let rowBase = bandRow * PW
        // What one tile's patch spans from its first float: every plane, the window, 96 pixels.
        let patchFloats = (cin - 1) * planeIn + (kh - 1) * dy * PW + (kw - 1) * dx + P
        var tile = (SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>(),
                    SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>())
        var x0 = 0
        while x0 < OW {
            let b = SIMD8<Float>(repeating: bias[0])
            var c0 = b, c1 = b, c2 = b, c3 = b, c4 = b, c5 = b, c6 = b, c7 = b, c8 = b, c9 = b, c10 = b, c11 = b
            var wp = UnsafePointer(packed)
            var plane = UnsafePointer(band.pointer(at: rowBase + x0, count: patchFloats))
            for _ in 0..<cin {
                var row = plane
                for _ in 0..<kh {
                    var p = row
                    for _ in 0..<kw {
                        let raw = UnsafeRawPointer(p)
                        let w = SIMD8<Float>(repeating: wp[0])
                        @inline(__always) func a(_ v: Int) -> SIMD8<Float> {
                            raw.loadUnaligned(fromByteOffset: 32 * v, as: SIMD8<Float>.self)
                        }
                        c0.addProduct(w, a(0)); c1.addProduct(w, a(1)); c2.addProduct(w, a(2)); c3.addProduct(w, a(3))
                        c4.addProduct(w, a(4)); c5.addProduct(w, a(5)); c6.addProduct(w, a(6)); c7.addProduct(w, a(7))
                        c8.addProduct(w, a(8)); c9.addProduct(w, a(9)); c10.addProduct(w, a(10)); c11.addProduct(w, a(11))
                        wp += 1
                        p += dx
                    }
                    row += dy * PW
                }
                plane += planeIn
            }
            tile = (c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11)
            let valid = min(P, OW - x0)
            withUnsafeBytes(of: &tile) { t in
                ConvEpilogueKernel.store(t.baseAddress!, to: output + x0, count: valid, lo: vlo, hi: vhi,
                                         residualDelta: residualDelta)
            }
            x0 += P
        }
    }
}

extension Conv2DDirect {
    /// Where each thread's areas lie in the scratch of a ``Conv2DDirect``, in floats: thread `w` owns
    /// ``threadFloats`` floats from `w · threadFloats`, its band of zero-bordered input rows and then its
    /// accumulator tile. Both ``Conv2DDirect/scratchFloats(threads:)`` and `run` take their numbers from
    /// here.
    package struct ScratchLayout: Equatable, PerThreadScratch {
        /// The band of padded input rows: Cin × (bandRows + the window's height − 1 rows) × paddedWidth floats.
        package let bandFloats: Int
        /// The accumulator tile: every output channel (rounded up to whole register tiles) × the tile's
        /// pixels, in floats.
        package let tileFloats: Int

        package init(inChannels: Int, bandInputRows: Int, paddedWidth: Int,
                     outputChannelBlocks: Int, tileChannels: Int, tilePixels: Int) {
            bandFloats = inChannels * bandInputRows * paddedWidth
            tileFloats = outputChannelBlocks * tileChannels * tilePixels
        }

        /// One thread's share, in floats: the band and the tile.
        package var threadFloats: Int { bandFloats + tileFloats }

        /// One thread's areas.
        package struct Areas {
            package let band: ScratchRegion
            package let tile: ScratchRegion
        }

        /// The areas of thread `worker`, in `scratch` (``floats(threads:)`` floats for more than `worker`
        /// threads).
        @inline(__always)
        package func areas(worker: Int, in scratch: ScratchRegion) -> Areas {
            var rest = share(worker: worker, in: scratch)
            return Areas(band: rest.carve(bandFloats), tile: rest.carve(tileFloats))
        }
    }
}
