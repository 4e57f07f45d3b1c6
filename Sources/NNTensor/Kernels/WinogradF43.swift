/// 3×3 stride-1 convolution by Winograd's F(4×4, 3×3): each 4×4 block of output comes from a 6×6 input
/// tile with 36 multiplies per input/output channel pair instead of 144 (F(2×2, 3×3) needs 64 for the
/// same 16 outputs).
///
/// Transforms (Lavin & Gray 2015, interpolation points 0, ±1, ±2, ∞): U = G g Gᵀ for each 3×3 kernel
/// (once, in double precision), V = Bᵀ d B for each input tile, Y = Aᵀ M A with M[ξ] = Σ_ci U[ξ] V[ξ].
///
/// Layouts: the input band is copied with its columns split by phase (x mod 4), so the 16 tiles of a
/// step read each of their six columns as one contiguous 16-float vector and the input transform runs
/// on whole vectors. For each of the 36 transform positions, the product loop takes output channels 16
/// at a time (two SIMD8 vectors) and tiles 6, 6 and 4 at a time (broadcast); the output transform adds
/// the bias, clamps, adds any residual and stores each tile's 4×4 block in the NCHW output.
package final class WinogradF43: ScratchConvolution, @unchecked Sendable {
    package let geometry: Conv2DGeometry
    package let epilogue: ConvEpilogue

    /// Tiles per step: one SIMD16 of the input transform.
    static let tilesPerStep = 16
    /// Tile slots of the products: the register tiles take tiles 0–5, 6–11 and 12–15.
    static let productTiles = 16
    /// Floats between consecutive input channels of one transform position.
    static let laneTiles = 16
    private let blocks: Int                          // output-channel blocks of 16
    private let packed: UnsafeMutablePointer<Float>  // [36][blocks][Cin][16]
    private let bias: UnsafeMutablePointer<Float>    // [blocks * 16]
    let tilesX: Int, tilesY: Int, groupsX: Int
    /// Columns per phase of a band row: padded x = 4·q + phase.
    let quads: Int
    /// Tile rows (groups of four output rows) per band.
    package let bandTileRows: Int
    /// Where each thread's band and work areas lie in the scratch.
    package let scratchLayout: ScratchLayout
    /// Budget for one thread's band of input rows, in floats (1 MiB, about a core's share of cache); at
    /// least one tile row is always taken.
    static let bandBudgetFloats = 1 << 18

    /// Whether `g` is a plain 3×3 convolution: stride 1, dilation 1, one group.
    package static func supports(_ g: Conv2DGeometry) -> Bool { WinogradF23.supports(g) }

    /// - Parameters:
    ///   - weights: `outChannels × inChannels × 3 × 3` floats, ONNX's layout.
    ///   - bias: `outChannels` floats, or nil for none.
    package init(geometry g: Conv2DGeometry, weights w: [Float], bias b: [Float]?, epilogue: ConvEpilogue = .none) {
        precondition(Self.supports(g) && w.count == g.outChannels * g.inChannels * 9)
        geometry = g
        self.epilogue = epilogue
        let blocks = (g.outChannels + 15) / 16
        self.blocks = blocks
        let cin = g.inChannels
        let packed = UnsafeMutablePointer<Float>.allocate(capacity: blocks * 36 * cin * 16)
        self.packed = packed
        packed.initialize(repeating: 0, count: blocks * 36 * cin * 16)
        w.withUnsafeBufferPointer { w in
            withUnsafeTemporaryAllocation(of: Double.self, capacity: 36) { u in
                for co in 0..<g.outChannels {
                    for ci in 0..<cin {
                        Self.kernelTransform(w.baseAddress! + (co * cin + ci) * 9, into: u.baseAddress!)
                        for xi in 0..<36 {
                            packed[((xi * blocks + co / 16) * cin + ci) * 16 + co % 16] = Float(u[xi])
                        }
                    }
                }
            }
        }
        bias = .allocate(capacity: blocks * 16)
        bias.initialize(repeating: 0, count: blocks * 16)
        if let b { for co in 0..<g.outChannels { bias[co] = b[co] } }
        tilesX = (g.outWidth + 3) / 4
        tilesY = (g.outHeight + 3) / 4
        groupsX = (tilesX + Self.tilesPerStep - 1) / Self.tilesPerStep
        // A step starting at tile t reads quads t ..< t + laneTiles + 1.
        quads = max((groupsX - 1) * Self.tilesPerStep + Self.laneTiles + 1, (g.padLeft + g.inWidth + 3) / 4)
        let rowsFit = (Self.bandBudgetFloats / max(cin * 4 * quads, 1) - 2) / 4
        bandTileRows = max(1, min(tilesY, rowsFit))
        scratchLayout = ScratchLayout(inChannels: cin, bandTileRows: bandTileRows, quads: quads, outputBlocks: blocks)
    }

    deinit {
        packed.deallocate()
        bias.deallocate()
    }

    /// G g Gᵀ for one 3×3 kernel `k` (row-major), in double precision, into `u` (row-major 6×6).
    static func kernelTransform(_ k: UnsafePointer<Float>, into u: UnsafeMutablePointer<Double>) {
        // G applied to a 3-vector (g0, g1, g2): six values.
        @inline(__always) func g(_ g0: Double, _ g1: Double, _ g2: Double)
            -> (Double, Double, Double, Double, Double, Double) {
            (g0 / 4, -(g0 + g1 + g2) / 6, -(g0 - g1 + g2) / 6, g0 / 24 + g1 / 12 + g2 / 6, g0 / 24 - g1 / 12 + g2 / 6, g2)
        }
        // G g, column by column (6×3, row-major in gg), then each of its rows through G.
        var gg = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
        withUnsafeMutableBytes(of: &gg) { raw in
            let m = raw.baseAddress!.assumingMemoryBound(to: Double.self)
            for c in 0..<3 {
                let col = g(Double(k[c]), Double(k[3 + c]), Double(k[6 + c]))
                m[c] = col.0; m[3 + c] = col.1; m[6 + c] = col.2; m[9 + c] = col.3; m[12 + c] = col.4; m[15 + c] = col.5
            }
            for r in 0..<6 {
                let row = g(m[3 * r], m[3 * r + 1], m[3 * r + 2])
                u[6 * r] = row.0; u[6 * r + 1] = row.1; u[6 * r + 2] = row.2
                u[6 * r + 3] = row.3; u[6 * r + 4] = row.4; u[6 * r + 5] = row.5
            }
        }
    }

    var bandRowFloats: Int { 4 * quads }

    /// Each thread has its own band and work areas: threads never wait for each other within a run.
    package func scratchFloats(threads: Int) -> Int { scratchLayout.floats(threads: threads) }

    /// Per thread (``PaddedBand/perThread``), band by band: copy the band's input rows, then transform,
    /// multiply and store every tile of the band.
    package func run(input: ChannelPlanes, output: UnsafeMutablePointer<Float>,
                    scratch: UnsafeMutablePointer<Float>, threads: Int, residual: UnsafePointer<Float>?) {
        let g = geometry
        let delta = residual.map { $0 - UnsafePointer(output) }
        let groupsX = self.groupsX
        let layout = scratchLayout
        let scratch = ScratchRegion(scratch, count: layout.floats(threads: threads))
        PaddedBand.perThread(images: g.batch, rowsPerImage: tilesY, bandRows: bandTileRows, threads: threads) { worker, n, ty0, rows in
            let areas = layout.areas(worker: worker, in: scratch)
            let bandIn = 4 * rows + 2
            let band = areas.band.prefix(g.inChannels * bandIn * self.bandRowFloats)
            let out = output + n * g.outChannels * g.outHeight * g.outWidth
            PaddedBand.fillPhased(band, from: input, firstChannel: n * g.inChannels, channels: g.inChannels,
                                  height: g.inHeight, width: g.inWidth, firstRow: 4 * ty0 - g.padTop, rows: bandIn,
                                  padLeft: g.padLeft, quads: self.quads)
            for r in 0..<rows {
                for group in 0..<groupsX {
                    self.step(bandRow: r, bandInputRows: bandIn, band: band, areas: areas, output: out,
                              residualDelta: delta, ty: ty0 + r, tx0: group * Self.tilesPerStep)
                }
            }
        }
    }

    /// Bᵀ applied to six values (the same matrix serves rows and columns).
    @inline(__always)
    static func inputTransform(_ d0: SIMD16<Float>, _ d1: SIMD16<Float>, _ d2: SIMD16<Float>,
                               _ d3: SIMD16<Float>, _ d4: SIMD16<Float>, _ d5: SIMD16<Float>)
        -> (SIMD16<Float>, SIMD16<Float>, SIMD16<Float>, SIMD16<Float>, SIMD16<Float>, SIMD16<Float>) {
        let four = SIMD16<Float>(repeating: 4), minusFour = SIMD16<Float>(repeating: -4)
        let minusFive = SIMD16<Float>(repeating: -5), two = SIMD16<Float>(repeating: 2)
        let a = d4.addingProduct(minusFour, d2), b = d3.addingProduct(minusFour, d1)
        let c = d4 - d2, e = two * (d3 - d1)
        return (d4.addingProduct(minusFive, d2).addingProduct(four, d0), a + b, a - b, c + e, c - e,
                d5.addingProduct(minusFive, d3).addingProduct(four, d1))
    }

    /// One step: `tilesPerStep` tiles of tile row `ty`, starting at tile column `tx0`, all output channels.
    /// `band` holds the band's `bandInputRows` phase-split input rows of every input channel.
    private func step(bandRow: Int, bandInputRows: Int, band: ScratchRegion, areas: ScratchLayout.Areas,
                      output: UnsafeMutablePointer<Float>, residualDelta: Int?, ty: Int, tx0: Int) {
        let g = geometry
        let T = Self.productTiles, L = Self.laneTiles
        let cin = g.inChannels, Q = quads, rowFloats = bandRowFloats, planeIn = bandInputRows * rowFloats
        let V = areas.transformedTiles       // [36][cin][L]
        let columns = areas.columns          // [6 rows][6 columns][L]
        let M = areas.products               // [blocks][36][T][16]
        let rows = areas.outputRows          // [4][6][8]: the output transform's column results

        // Input transform, 16 tiles per vector: rows first (per column of the tile), then columns.
        for ci in 0..<cin {
            let base = ci * planeIn + (4 * bandRow) * rowFloats + tx0
            for k in 0..<6 {
                let col = base + (k & 3) * Q + (k >> 2)
                @inline(__always) func d(_ r: Int) -> SIMD16<Float> { band.load(SIMD16<Float>.self, at: col + r * rowFloats) }
                let t = Self.inputTransform(d(0), d(1), d(2), d(3), d(4), d(5))
                let out = k * L, s = 6 * L
                columns.store(t.0, at: out)
                columns.store(t.1, at: out + s)
                columns.store(t.2, at: out + 2 * s)
                columns.store(t.3, at: out + 3 * s)
                columns.store(t.4, at: out + 4 * s)
                columns.store(t.5, at: out + 5 * s)
            }
            for i in 0..<6 {
                let row = i * 6 * L
                @inline(__always) func c(_ k: Int) -> SIMD16<Float> { columns.load(SIMD16<Float>.self, at: row + k * L) }
                let t = Self.inputTransform(c(0), c(1), c(2), c(3), c(4), c(5))
                let out = ((6 * i) * cin + ci) * L, s = cin * L
                V.store(t.0, at: out)
                V.store(t.1, at: out + s)
                V.store(t.2, at: out + 2 * s)
                V.store(t.3, at: out + 3 * s)
                V.store(t.4, at: out + 4 * s)
                V.store(t.5, at: out + 5 * s)
            }
        }

        let valid = min(Self.tilesPerStep, tilesX - tx0)
        let OH = g.outHeight, OW = g.outWidth, planeOut = OH * OW
        let (lo, hi) = epilogue.bounds
        let vlo = SIMD8<Float>(repeating: lo), vhi = SIMD8<Float>(repeating: hi)
        let hasLower = lo > -.infinity, hasUpper = hi < .infinity  // Relu: only the lower bound
        for xi in 0..<36 {
            let v = V.subregion(at: xi * cin * L, count: cin * L)
            for cb in 0..<blocks {
                let u = packed + (xi * blocks + cb) * cin * 16
                let m = M.subregion(at: (cb * 36 + xi) * T * 16, count: T * 16)
                // Tiles 0–5 and 6–11 with the 6-tile register tile, 12–15 with the 4-tile one; each reads
                // its tiles of every input channel (stride L) and writes 16 floats per tile.
                var t0 = 0
                while t0 < valid {
                    let tiles = t0 == 12 ? 4 : 6
                    let vt = v.pointer(at: t0, count: (cin - 1) * L + tiles)
                    let mt = m.pointer(at: t0 * 16, count: tiles * 16)
                    if tiles == 4 {
                        WinogradProducts.multiply16x4(weights: u, tiles: vt, tileStride: L, count: cin, into: mt)
                    } else {
                        WinogradProducts.multiply16x6(weights: u, tiles: vt, tileStride: L, count: cin, into: mt)
                    }
                    t0 += 6
                }
            }
        }
        for half in 0..<2 * blocks {
            let cb = half >> 1, lane0 = (half & 1) * 8
            let M = M.subregion(at: cb * 36 * T * 16 + lane0, count: 36 * T * 16 - lane0)
            // Output transform Y = Aᵀ M A per tile, eight output channels at once.
            let b = UnsafeRawPointer(bias + cb * 16 + lane0).loadUnaligned(as: SIMD8<Float>.self)
            let channels = min(8, g.outChannels - cb * 16 - lane0)
            if channels <= 0 { continue }
            let dstBase = output + (cb * 16 + lane0) * planeOut
            for t in 0..<valid {
                // Aᵀ M down each of the six columns into `rows` ([4][6] vectors), then (Aᵀ M) A along
                // each output row: bias, clamp, residual, store.
                for j in 0..<6 {
                    @inline(__always) func m(_ i: Int) -> SIMD8<Float> {
                        M.load(SIMD8<Float>.self, at: t * 16 + (6 * i + j) * T * 16)
                    }
                    let c = Self.outputTransform(m(0), m(1), m(2), m(3), m(4), m(5))
                    rows.store(c.0, at: (0 + j) * 8)
                    rows.store(c.1, at: (6 + j) * 8)
                    rows.store(c.2, at: (12 + j) * 8)
                    rows.store(c.3, at: (18 + j) * 8)
                }
                let oy = 4 * ty, ox = 4 * (tx0 + t)
                let rowsOut = min(4, OH - oy), colsOut = min(4, OW - ox)
                for r in 0..<rowsOut {
                    @inline(__always) func w(_ j: Int) -> SIMD8<Float> { rows.load(SIMD8<Float>.self, at: (6 * r + j) * 8) }
                    let y = Self.outputTransform(w(0), w(1), w(2), w(3), w(4), w(5))
                    @inline(__always) func bound(_ x: SIMD8<Float>) -> SIMD8<Float> {
                        var v = x + b
                        if hasLower { v = v.replacing(with: vlo, where: v .< vlo) }
                        if hasUpper { v = v.replacing(with: vhi, where: v .> vhi) }
                        return v
                    }
                    let y0 = bound(y.0), y1 = bound(y.1), y2 = bound(y.2), y3 = bound(y.3)
                    let dst = dstBase + (oy + r) * OW + ox
                    if colsOut == 4 {
                        Self.storeTransposed(y0, y1, y2, y3, to: dst, stride: planeOut, count: channels,
                                             residualDelta: residualDelta)
                    } else {
                        for l in 0..<channels {
                            let p = dst + l * planeOut
                            let res = residualDelta.map { UnsafePointer(p) + $0 }
                            p[0] = y0[l] + (res?[0] ?? 0)
                            if colsOut > 1 { p[1] = y1[l] + (res?[1] ?? 0) }
                            if colsOut > 2 { p[2] = y2[l] + (res?[2] ?? 0) }
                        }
                    }
                }
            }
        }
    }

    /// Writes lane `l` of `y0…y3` as four consecutive floats at `dst + l·stride`, for `l < count`: a 4×8
    /// transpose in registers (unpack, then shuffle pairs), then one 4-float store per lane, plus the
    /// four floats at `residualDelta` from the destination when there is a residual.
    @inline(__always)
    static func storeTransposed(_ y0: SIMD8<Float>, _ y1: SIMD8<Float>, _ y2: SIMD8<Float>, _ y3: SIMD8<Float>,
                                to dst: UnsafeMutablePointer<Float>, stride: Int, count: Int, residualDelta: Int?) {
        let t0 = SIMD8(y0[0], y1[0], y0[1], y1[1], y0[4], y1[4], y0[5], y1[5])
        let t1 = SIMD8(y0[2], y1[2], y0[3], y1[3], y0[6], y1[6], y0[7], y1[7])
        let t2 = SIMD8(y2[0], y3[0], y2[1], y3[1], y2[4], y3[4], y2[5], y3[5])
        let t3 = SIMD8(y2[2], y3[2], y2[3], y3[3], y2[6], y3[6], y2[7], y3[7])
        // Lanes 0…3 of u_k hold channel k, lanes 4…7 channel k + 4.
        let u0 = SIMD8(t0[0], t0[1], t2[0], t2[1], t0[4], t0[5], t2[4], t2[5])
        let u1 = SIMD8(t0[2], t0[3], t2[2], t2[3], t0[6], t0[7], t2[6], t2[7])
        let u2 = SIMD8(t1[0], t1[1], t3[0], t3[1], t1[4], t1[5], t3[4], t3[5])
        let u3 = SIMD8(t1[2], t1[3], t3[2], t3[3], t1[6], t1[7], t3[6], t3[7])
        @inline(__always) func put(_ l: Int, _ v: SIMD4<Float>) {
            let p = dst + l * stride
            if let d = residualDelta {
                let r = UnsafeRawPointer(p + d).loadUnaligned(as: SIMD4<Float>.self)
                UnsafeMutableRawPointer(p).storeBytes(of: v + r, as: SIMD4<Float>.self)
            } else {
                UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD4<Float>.self)
            }
        }
        put(0, u0.lowHalf)
        if count > 1 { put(1, u1.lowHalf) }
        if count > 2 { put(2, u2.lowHalf) }
        if count > 3 { put(3, u3.lowHalf) }
        if count > 4 { put(4, u0.highHalf) }
        if count > 5 { put(5, u1.highHalf) }
        if count > 6 { put(6, u2.highHalf) }
        if count > 7 { put(7, u3.highHalf) }
    }

    /// Aᵀ applied to six values: four results.
    @inline(__always)
    static func outputTransform(_ m0: SIMD8<Float>, _ m1: SIMD8<Float>, _ m2: SIMD8<Float>,
                                _ m3: SIMD8<Float>, _ m4: SIMD8<Float>, _ m5: SIMD8<Float>)
        -> (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>) {
        let s12 = m1 + m2, d12 = m1 - m2, s34 = m3 + m4, d34 = m3 - m4
        let two = SIMD8<Float>(repeating: 2), four = SIMD8<Float>(repeating: 4), eight = SIMD8<Float>(repeating: 8)
        return (m0 + s12 + s34, d12.addingProduct(two, d34), s12.addingProduct(four, s34), (d12 + m5).addingProduct(eight, d34))
    }
}

extension WinogradF43 {
    /// Where each thread's areas lie in the scratch of a ``WinogradF43``, in floats: thread `w` owns
    /// ``threadFloats`` floats from `w · threadFloats`, laid out as its band of input rows, then the
    /// work areas of one step. Both ``WinogradF43/scratchFloats(threads:)`` and `run` take their numbers
    /// from here.
    package struct ScratchLayout: Equatable, PerThreadScratch {
        /// The band of phase-split input rows: Cin × (4·bandTileRows + 2) rows × 4·quads floats.
        package let bandFloats: Int
        /// Input-transformed tiles of one step, [36 positions][Cin][16 tiles]: 36·Cin·16 floats.
        package let transformedTilesFloats: Int
        /// The input transform's intermediate: rows transformed, columns not yet, [6][6][16 tiles]:
        /// 576 floats.
        package let columnsFloats: Int
        /// Products summed over the input channels, [output blocks][36 positions][16 tiles][16 channels].
        package let productsFloats: Int
        /// The output transform's intermediate for one tile and 8 output channels, [4][6][8]: 192 floats.
        package let outputRowsFloats: Int

        package init(inChannels: Int, bandTileRows: Int, quads: Int, outputBlocks: Int) {
            bandFloats = inChannels * (4 * bandTileRows + 2) * 4 * quads
            transformedTilesFloats = 36 * inChannels * WinogradF43.laneTiles
            columnsFloats = 36 * WinogradF43.laneTiles
            productsFloats = outputBlocks * 36 * WinogradF43.productTiles * 16
            outputRowsFloats = 4 * 6 * 8
        }

        /// One thread's share, in floats: the band and the four work areas.
        package var threadFloats: Int {
            bandFloats + transformedTilesFloats + columnsFloats + productsFloats + outputRowsFloats
        }

        /// One thread's areas.
        package struct Areas {
            package let band: ScratchRegion
            package let transformedTiles: ScratchRegion
            package let columns: ScratchRegion
            package let products: ScratchRegion
            package let outputRows: ScratchRegion
        }

        /// The areas of thread `worker`, in `scratch` (``floats(threads:)`` floats for more than `worker`
        /// threads).
        @inline(__always)
        package func areas(worker: Int, in scratch: ScratchRegion) -> Areas {
            var rest = share(worker: worker, in: scratch)
            return Areas(band: rest.carve(bandFloats), transformedTiles: rest.carve(transformedTilesFloats),
                         columns: rest.carve(columnsFloats), products: rest.carve(productsFloats),
                         outputRows: rest.carve(outputRowsFloats))
        }
    }
}

/// The register tile of ``WinogradF43``: for one transform position, 16 output channels (two SIMD8
/// vectors) × 6 tiles (broadcast), summed over the input channels: 8 loads feed 12 multiply-adds.
enum WinogradProducts {
    /// `into[t][lane] = Σ_ci weights[ci][lane] · tiles[ci · tileStride + t]` for t < 6, lane < 16.
    @inline(__always)
    static func multiply16x6(weights: UnsafePointer<Float>, tiles: UnsafePointer<Float>, tileStride: Int, count: Int,
                             into m: UnsafeMutablePointer<Float>) {
        var c0 = SIMD8<Float>(), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0
        var c6 = c0, c7 = c0, c8 = c0, c9 = c0, c10 = c0, c11 = c0
        var up = UnsafeRawPointer(weights)
        var vp = tiles
        for _ in 0..<count {
            let w0 = up.loadUnaligned(as: SIMD8<Float>.self)
            let w1 = up.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self)
            var b = SIMD8<Float>(repeating: vp[0]); c0.addProduct(w0, b); c1.addProduct(w1, b)
            b = SIMD8<Float>(repeating: vp[1]); c2.addProduct(w0, b); c3.addProduct(w1, b)
            b = SIMD8<Float>(repeating: vp[2]); c4.addProduct(w0, b); c5.addProduct(w1, b)
            b = SIMD8<Float>(repeating: vp[3]); c6.addProduct(w0, b); c7.addProduct(w1, b)
            b = SIMD8<Float>(repeating: vp[4]); c8.addProduct(w0, b); c9.addProduct(w1, b)
            b = SIMD8<Float>(repeating: vp[5]); c10.addProduct(w0, b); c11.addProduct(w1, b)
            up += 16 * 4
            vp += tileStride
        }
        let out = UnsafeMutableRawPointer(m)
        out.storeBytes(of: c0, toByteOffset: 0, as: SIMD8<Float>.self)
        out.storeBytes(of: c1, toByteOffset: 32, as: SIMD8<Float>.self)
        out.storeBytes(of: c2, toByteOffset: 64, as: SIMD8<Float>.self)
        out.storeBytes(of: c3, toByteOffset: 96, as: SIMD8<Float>.self)
        out.storeBytes(of: c4, toByteOffset: 128, as: SIMD8<Float>.self)
        out.storeBytes(of: c5, toByteOffset: 160, as: SIMD8<Float>.self)
        out.storeBytes(of: c6, toByteOffset: 192, as: SIMD8<Float>.self)
        out.storeBytes(of: c7, toByteOffset: 224, as: SIMD8<Float>.self)
        out.storeBytes(of: c8, toByteOffset: 256, as: SIMD8<Float>.self)
        out.storeBytes(of: c9, toByteOffset: 288, as: SIMD8<Float>.self)
        out.storeBytes(of: c10, toByteOffset: 320, as: SIMD8<Float>.self)
        out.storeBytes(of: c11, toByteOffset: 352, as: SIMD8<Float>.self)
    }

    /// As ``multiply16x6`` for 4 tiles: the last third of a 16-tile step, without computing padding.
    @inline(__always)
    static func multiply16x4(weights: UnsafePointer<Float>, tiles: UnsafePointer<Float>, tileStride: Int, count: Int,
                             into m: UnsafeMutablePointer<Float>) {
        var c0 = SIMD8<Float>(), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0
        var up = UnsafeRawPointer(weights)
        var vp = tiles
        for _ in 0..<count {
            let w0 = up.loadUnaligned(as: SIMD8<Float>.self)
            let w1 = up.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self)
            var b = SIMD8<Float>(repeating: vp[0]); c0.addProduct(w0, b); c1.addProduct(w1, b)
            b = SIMD8<Float>(repeating: vp[1]); c2.addProduct(w0, b); c3.addProduct(w1, b)
            b = SIMD8<Float>(repeating: vp[2]); c4.addProduct(w0, b); c5.addProduct(w1, b)
            b = SIMD8<Float>(repeating: vp[3]); c6.addProduct(w0, b); c7.addProduct(w1, b)
            up += 16 * 4
            vp += tileStride
        }
        let out = UnsafeMutableRawPointer(m)
        out.storeBytes(of: c0, toByteOffset: 0, as: SIMD8<Float>.self)
        out.storeBytes(of: c1, toByteOffset: 32, as: SIMD8<Float>.self)
        out.storeBytes(of: c2, toByteOffset: 64, as: SIMD8<Float>.self)
        out.storeBytes(of: c3, toByteOffset: 96, as: SIMD8<Float>.self)
        out.storeBytes(of: c4, toByteOffset: 128, as: SIMD8<Float>.self)
        out.storeBytes(of: c5, toByteOffset: 160, as: SIMD8<Float>.self)
        out.storeBytes(of: c6, toByteOffset: 192, as: SIMD8<Float>.self)
        out.storeBytes(of: c7, toByteOffset: 224, as: SIMD8<Float>.self)
    }
}
