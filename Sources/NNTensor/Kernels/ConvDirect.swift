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

    /// Scratch budget for one thread's band of padded input, in floats (1 MiB: small enough that the band
    /// is read back from cache, not memory).
    static let maxScratchFloats = 1 << 18

    /// Whether this kernel handles `g`: stride 1, one group, a window larger than 1×1. (With fewer than
    /// four output channels part of each register tile idles, yet it still beats im2col, whose copying
    /// then costs as much as the arithmetic.)
    package static func supports(_ g: Conv2DGeometry) -> Bool {
        g.strideY == 1 && g.strideX == 1 && g.groups == 1 && g.kernelHeight * g.kernelWidth > 1
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
    }

    deinit {
        packed.deallocate()
        bias.deallocate()
    }

    /// Input channels accumulated per pass over the output channels (their patch fits in L1).
    static let channelsPerChunk = 16
    /// Floats of one band of padded input.
    var bandFloats: Int {
        geometry.inChannels * (bandRows + (geometry.kernelHeight - 1) * geometry.dilationY) * paddedWidth
    }
    /// Floats of one thread's accumulator tile: every output channel × 24 pixels.
    var tileFloats: Int { blocks * tileChannels * tilePixels }

    /// Scratch floats needed with `threads` threads: the padded band plus a tile per thread.
    /// Each thread has its own band and tile: threads never wait for each other within a run.
    package func scratchFloats(threads: Int) -> Int { threads * (bandFloats + tileFloats) }

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
        // Per thread, band by band: copy the band's input rows, then compute its output rows.
        PaddedBand.perThread(images: g.batch, rowsPerImage: OH, bandRows: bandRows, threads: threads) { worker, n, y0, rows in
            let band = scratch + worker * (self.bandFloats + self.tileFloats)
            let tile = band + self.bandFloats
            let bandIn = rows + halo
            let out = output + n * g.outChannels * OH * OW
            PaddedBand.fill(band, from: input, firstChannel: n * g.inChannels, channels: g.inChannels,
                            height: g.inHeight, width: g.inWidth, firstRow: y0 - g.padTop, rows: bandIn,
                            padLeft: g.padLeft, paddedWidth: PW)
            for r in 0..<rows {
                if self.tileChannels == 1 {
                    self.computeSingleChannelRow(bandRow: r, bandInputRows: bandIn, scratch: band,
                                                 output: out + (y0 + r) * OW, residualDelta: delta)
                } else {
                    self.computeRow(bandRow: r, bandInputRows: bandIn, scratch: band, tile: tile,
                                    output: out + (y0 + r) * OW, residualDelta: delta)
                }
            }
        }
    }

    @inline(__always)
    private func computeRow(bandRow: Int, bandInputRows: Int, scratch: UnsafePointer<Float>,
                            tile: UnsafeMutablePointer<Float>, output: UnsafeMutablePointer<Float>, residualDelta: Int?) {
        let g = geometry
        let R = Self.rowsPerTile, P = Self.pixelsPerTile
        let OW = g.outWidth, planeOut = g.outHeight * OW
        let PW = paddedWidth, planeIn = bandInputRows * PW
        let kh = g.kernelHeight, kw = g.kernelWidth, dy = g.dilationY, dx = g.dilationX
        let taps = kh * kw
        let cin = g.inChannels, chunk = Self.channelsPerChunk
        let (lo, hi) = epilogue.bounds
        let vlo = SIMD8<Float>(repeating: lo), vhi = SIMD8<Float>(repeating: hi)
        let rowBase = scratch + bandRow * PW
        var x0 = 0
        while x0 < OW {
            // The tile buffer holds every output channel's 24 pixels while input channels are
            // accumulated chunk by chunk; the chunk's input patch stays in L1 across all channel blocks.
            var c0 = 0
            while c0 < cin {
                let cc = min(chunk, cin - c0)
                let patch = rowBase + c0 * planeIn + x0
                for blk in 0..<blocks {
                    let acc = UnsafeMutableRawPointer(tile + blk * R * P)
                    var c00, c01, c02, c10, c11, c12, c20, c21, c22, c30, c31, c32: SIMD8<Float>
                    if c0 == 0 {
                        let b = bias + blk * R
                        c00 = SIMD8(repeating: b[0]); c01 = c00; c02 = c00
                        c10 = SIMD8(repeating: b[1]); c11 = c10; c12 = c10
                        c20 = SIMD8(repeating: b[2]); c21 = c20; c22 = c20
                        c30 = SIMD8(repeating: b[3]); c31 = c30; c32 = c30
                    } else {
                        c00 = acc.loadUnaligned(fromByteOffset: 0, as: SIMD8<Float>.self)
                        c01 = acc.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self)
                        c02 = acc.loadUnaligned(fromByteOffset: 64, as: SIMD8<Float>.self)
                        c10 = acc.loadUnaligned(fromByteOffset: 96, as: SIMD8<Float>.self)
                        c11 = acc.loadUnaligned(fromByteOffset: 128, as: SIMD8<Float>.self)
                        c12 = acc.loadUnaligned(fromByteOffset: 160, as: SIMD8<Float>.self)
                        c20 = acc.loadUnaligned(fromByteOffset: 192, as: SIMD8<Float>.self)
                        c21 = acc.loadUnaligned(fromByteOffset: 224, as: SIMD8<Float>.self)
                        c22 = acc.loadUnaligned(fromByteOffset: 256, as: SIMD8<Float>.self)
                        c30 = acc.loadUnaligned(fromByteOffset: 288, as: SIMD8<Float>.self)
                        c31 = acc.loadUnaligned(fromByteOffset: 320, as: SIMD8<Float>.self)
                        c32 = acc.loadUnaligned(fromByteOffset: 352, as: SIMD8<Float>.self)
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
                    acc.storeBytes(of: c00, toByteOffset: 0, as: SIMD8<Float>.self)
                    acc.storeBytes(of: c01, toByteOffset: 32, as: SIMD8<Float>.self)
                    acc.storeBytes(of: c02, toByteOffset: 64, as: SIMD8<Float>.self)
                    acc.storeBytes(of: c10, toByteOffset: 96, as: SIMD8<Float>.self)
                    acc.storeBytes(of: c11, toByteOffset: 128, as: SIMD8<Float>.self)
                    acc.storeBytes(of: c12, toByteOffset: 160, as: SIMD8<Float>.self)
                    acc.storeBytes(of: c20, toByteOffset: 192, as: SIMD8<Float>.self)
                    acc.storeBytes(of: c21, toByteOffset: 224, as: SIMD8<Float>.self)
                    acc.storeBytes(of: c22, toByteOffset: 256, as: SIMD8<Float>.self)
                    acc.storeBytes(of: c30, toByteOffset: 288, as: SIMD8<Float>.self)
                    acc.storeBytes(of: c31, toByteOffset: 320, as: SIMD8<Float>.self)
                    acc.storeBytes(of: c32, toByteOffset: 352, as: SIMD8<Float>.self)
                }
                c0 += cc
            }
            // Activation, then the valid channels and pixels out.
            let valid = min(P, OW - x0)
            for co in 0..<g.outChannels {
                let src = UnsafeMutableRawPointer(tile + co * P)
                let dst = output + co * planeOut + x0
                ConvEpilogueKernel.store(src, to: dst, count: valid, lo: vlo, hi: vhi, residualDelta: residualDelta)
            }
            x0 += P
        }
    }

    /// One output row of a single-channel convolution: 96 pixels per register tile, every input channel
    /// summed in registers.
    private func computeSingleChannelRow(bandRow: Int, bandInputRows: Int, scratch: UnsafePointer<Float>,
                                         output: UnsafeMutablePointer<Float>, residualDelta: Int?) {
        let g = geometry
        let P = tilePixels
        let OW = g.outWidth
        let PW = paddedWidth, planeIn = bandInputRows * PW
        let kh = g.kernelHeight, kw = g.kernelWidth, dy = g.dilationY, dx = g.dilationX
        let cin = g.inChannels
        let (lo, hi) = epilogue.bounds
        let vlo = SIMD8<Float>(repeating: lo), vhi = SIMD8<Float>(repeating: hi)
        let rowBase = scratch + bandRow * PW
        var tile = (SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>(),
                    SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>())
        var x0 = 0
        while x0 < OW {
            let b = SIMD8<Float>(repeating: bias[0])
            var c0 = b, c1 = b, c2 = b, c3 = b, c4 = b, c5 = b, c6 = b, c7 = b, c8 = b, c9 = b, c10 = b, c11 = b
            var wp = UnsafePointer(packed)
            var plane = rowBase + x0
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
