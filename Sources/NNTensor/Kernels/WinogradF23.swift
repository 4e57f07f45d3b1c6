/// 3×3 stride-1 convolution by Winograd's F(2×2, 3×3): each 2×2 block of output comes from a 4×4 input
/// tile with 16 multiplies per input/output channel pair instead of 36.
///
/// Transforms (Lavin & Gray 2015): U = G g Gᵀ for each 3×3 kernel (once, at planning), V = Bᵀ d B for
/// each input tile, Y = Aᵀ M A with M[ξ] = Σ_ci U[ξ] V[ξ]. Output channels are taken 8 at a time (one
/// SIMD8 lane each) and input tiles 12 at a time: per input channel and transform position the
/// register tile loads one weight vector and broadcasts 12 tile values into 12 FMAs. Input rows are
/// copied in bands into a zero-bordered scratch, as in ``Conv2DDirect``.
package final class WinogradF23: ScratchConvolution, @unchecked Sendable {
    package let geometry: Conv2DGeometry
    package let epilogue: ConvEpilogue

    static let tilesPerStep = 12
    private let blocks: Int                          // output-channel blocks of 8
    private let packed: UnsafeMutablePointer<Float>  // [blocks][16][Cin][8]: the Cin loop reads it in order
    private let bias: UnsafeMutablePointer<Float>    // [blocks * 8]
    let tilesX: Int, tilesY: Int
    let paddedWidth: Int
    /// Tile rows (pairs of output rows) per band.
    package let bandTileRows: Int
    /// Where each thread's band and work areas lie in the scratch.
    package let scratchLayout: ScratchLayout
    /// Budget for one thread's band of input rows, in floats (1 MiB).
    static let maxScratchFloats = 1 << 18

    /// Whether `g` is a plain 3×3 convolution: stride 1, dilation 1, one group.
    package static func supports(_ g: Conv2DGeometry) -> Bool {
        g.kernelHeight == 3 && g.kernelWidth == 3 && g.strideY == 1 && g.strideX == 1
            && g.dilationY == 1 && g.dilationX == 1 && g.groups == 1
    }

    package init(geometry g: Conv2DGeometry, weights w: [Float], bias b: [Float]?, epilogue: ConvEpilogue = .none) {
        precondition(Self.supports(g) && w.count == g.outChannels * g.inChannels * 9)
        geometry = g
        self.epilogue = epilogue
        blocks = (g.outChannels + 7) / 8
        let cin = g.inChannels
        packed = .allocate(capacity: blocks * cin * 16 * 8)
        packed.initialize(repeating: 0, count: blocks * cin * 16 * 8)
        for co in 0..<g.outChannels {
            for ci in 0..<cin {
                let k = (co * cin + ci) * 9
                // G g: 4×3, rows [g0, (g0+g1+g2)/2, (g0−g1+g2)/2, g2] of each column.
                var gg = [Double](repeating: 0, count: 12)
                for c in 0..<3 {
                    let g0 = Double(w[k + c]), g1 = Double(w[k + 3 + c]), g2 = Double(w[k + 6 + c])
                    gg[c] = g0; gg[3 + c] = (g0 + g1 + g2) / 2; gg[6 + c] = (g0 - g1 + g2) / 2; gg[9 + c] = g2
                }
                for r in 0..<4 {
                    let a = gg[3 * r], bb = gg[3 * r + 1], c = gg[3 * r + 2]
                    let u = [a, (a + bb + c) / 2, (a - bb + c) / 2, c]
                    for j in 0..<4 { packed[(((co / 8) * 16 + r * 4 + j) * cin + ci) * 8 + co % 8] = Float(u[j]) }
                }
            }
        }
        bias = .allocate(capacity: blocks * 8)
        bias.initialize(repeating: 0, count: blocks * 8)
        if let b { for co in 0..<g.outChannels { bias[co] = b[co] } }
        tilesX = (g.outWidth + 1) / 2
        tilesY = (g.outHeight + 1) / 2
        let groupsX = (tilesX + Self.tilesPerStep - 1) / Self.tilesPerStep
        paddedWidth = groupsX * Self.tilesPerStep * 2 + 2 + 8
        let rowsFit = (Self.maxScratchFloats / max(cin * paddedWidth, 1) - 2) / 2
        bandTileRows = max(1, min(tilesY, rowsFit))
        scratchLayout = ScratchLayout(inChannels: cin, bandTileRows: bandTileRows, paddedWidth: paddedWidth)
    }

    deinit {
        packed.deallocate()
        bias.deallocate()
    }

    /// Each thread has its own band and work areas (see ``PaddedBand/perThread``).
    package func scratchFloats(threads: Int) -> Int { scratchLayout.floats(threads: threads) }

    package func run(input: ChannelPlanes, output: UnsafeMutablePointer<Float>,
                    scratch: UnsafeMutablePointer<Float>, threads: Int, residual: UnsafePointer<Float>?) {
        let g = geometry
        let delta = residual.map { $0 - UnsafePointer(output) }
        let PW = paddedWidth
        let layout = scratchLayout
        let scratch = ScratchRegion(scratch, count: layout.floats(threads: threads))
        PaddedBand.perThread(images: g.batch, rowsPerImage: tilesY, bandRows: bandTileRows, threads: threads) { worker, n, ty0, rows in
            let areas = layout.areas(worker: worker, in: scratch)
            let bandIn = 2 * rows + 2
            let band = areas.band.prefix(g.inChannels * bandIn * PW)
            let out = output + n * g.outChannels * g.outHeight * g.outWidth
            PaddedBand.fill(band, from: input, firstChannel: n * g.inChannels, channels: g.inChannels,
                            height: g.inHeight, width: g.inWidth, firstRow: 2 * ty0 - g.padTop, rows: bandIn,
                            padLeft: g.padLeft, paddedWidth: PW)
            for r in 0..<rows {
                self.tileRow(bandRow: r, bandInputRows: bandIn, band: band, areas: areas, output: out,
                             residualDelta: delta, ty: ty0 + r)
            }
        }
    }

    /// Every tile of tile row `ty`, `tilesPerStep` at a time. `band` holds the band's `bandInputRows`
    /// zero-bordered input rows of every input channel.
    private func tileRow(bandRow: Int, bandInputRows: Int, band: ScratchRegion, areas: ScratchLayout.Areas,
                         output: UnsafeMutablePointer<Float>, residualDelta: Int?, ty: Int) {
        let g = geometry
        let T = Self.tilesPerStep
        let cin = g.inChannels, PW = paddedWidth, planeIn = bandInputRows * PW
        let OH = g.outHeight, OW = g.outWidth, planeOut = OH * OW
        let V = areas.transformedTiles     // [16][cin][T]
        let M = areas.products             // [16][T][8]
        let (lo, hi) = epilogue.bounds
        let vlo = SIMD8<Float>(repeating: lo), vhi = SIMD8<Float>(repeating: hi)
        var tx0 = 0
        while tx0 < tilesX {
            // Input transform: V = Bᵀ d B for T tiles of every input channel.
            for ci in 0..<cin {
                let base = ci * planeIn + (2 * bandRow) * PW + 2 * tx0
                let v = ci * T
                for t in 0..<T {
                    let p = base + 2 * t
                    // Bᵀ d: combine the patch's rows…
                    @inline(__always) func d(_ r: Int) -> SIMD4<Float> {
                        let row = p + r * PW
                        return SIMD4<Float>(band[row], band[row + 1], band[row + 2], band[row + 3])
                    }
                    let d0 = d(0), d1 = d(1), d2 = d(2), d3 = d(3)
                    let rows = (d0 - d2, d1 + d2, d2 - d1, d1 - d3)
                    // …then (Bᵀ d) B: the columns of each row.
                    @inline(__always) func put(_ i: Int, _ row: SIMD4<Float>) {
                        let stride = cin * T
                        V[v + (4 * i + 0) * stride + t] = row[0] - row[2]
                        V[v + (4 * i + 1) * stride + t] = row[1] + row[2]
                        V[v + (4 * i + 2) * stride + t] = row[2] - row[1]
                        V[v + (4 * i + 3) * stride + t] = row[1] - row[3]
                    }
                    put(0, rows.0); put(1, rows.1); put(2, rows.2); put(3, rows.3)
                }
            }
            let valid = min(T, tilesX - tx0)
            for cb in 0..<blocks {
                let u = packed + cb * cin * 16 * 8
                for xi in 0..<16 {
                    var c0 = SIMD8<Float>(), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0
                    var c6 = c0, c7 = c0, c8 = c0, c9 = c0, c10 = c0, c11 = c0
                    var up = UnsafeRawPointer(u + xi * cin * 8)
                    // Tiles 0…11 of every input channel, T floats apart.
                    var vp = UnsafePointer(V.pointer(at: xi * cin * T, count: cin * T))
                    for _ in 0..<cin {
                        let w = up.loadUnaligned(as: SIMD8<Float>.self)
                        c0.addProduct(w, SIMD8(repeating: vp[0])); c1.addProduct(w, SIMD8(repeating: vp[1]))
                        c2.addProduct(w, SIMD8(repeating: vp[2])); c3.addProduct(w, SIMD8(repeating: vp[3]))
                        c4.addProduct(w, SIMD8(repeating: vp[4])); c5.addProduct(w, SIMD8(repeating: vp[5]))
                        c6.addProduct(w, SIMD8(repeating: vp[6])); c7.addProduct(w, SIMD8(repeating: vp[7]))
                        c8.addProduct(w, SIMD8(repeating: vp[8])); c9.addProduct(w, SIMD8(repeating: vp[9]))
                        c10.addProduct(w, SIMD8(repeating: vp[10])); c11.addProduct(w, SIMD8(repeating: vp[11]))
                        up += 8 * 4
                        vp += T
                    }
                    let m = xi * T * 8
                    M.store(c0, at: m); M.store(c1, at: m + 8); M.store(c2, at: m + 16); M.store(c3, at: m + 24)
                    M.store(c4, at: m + 32); M.store(c5, at: m + 40); M.store(c6, at: m + 48); M.store(c7, at: m + 56)
                    M.store(c8, at: m + 64); M.store(c9, at: m + 72); M.store(c10, at: m + 80); M.store(c11, at: m + 88)
                }
                // Output transform Y = Aᵀ M A per tile, eight output channels at once.
                let b = UnsafeRawPointer(bias + cb * 8).loadUnaligned(as: SIMD8<Float>.self)
                let channels = min(8, g.outChannels - cb * 8)
                for t in 0..<valid {
                    func mm(_ i: Int, _ j: Int) -> SIMD8<Float> { M.load(SIMD8<Float>.self, at: ((4 * i + j) * T + t) * 8) }
                    // Aᵀ M: rows 0 + 1 + 2, and 1 − 2 − 3, for each column j…
                    @inline(__always) func rows(_ j: Int) -> (SIMD8<Float>, SIMD8<Float>) {
                        let m1 = mm(1, j), m2 = mm(2, j)
                        return (mm(0, j) + m1 + m2, m1 - m2 - mm(3, j))
                    }
                    let (a0, e0) = rows(0), (a1, e1) = rows(1), (a2, e2) = rows(2), (a3, e3) = rows(3)
                    // …then (Aᵀ M) A on the columns.
                    let y00 = SIMDMath.clamp(a0 + a1 + a2 + b, vlo, vhi)
                    let y01 = SIMDMath.clamp(a1 - a2 - a3 + b, vlo, vhi)
                    let y10 = SIMDMath.clamp(e0 + e1 + e2 + b, vlo, vhi)
                    let y11 = SIMDMath.clamp(e1 - e2 - e3 + b, vlo, vhi)
                    let oy = 2 * ty, ox = 2 * (tx0 + t)
                    for l in 0..<channels {
                        let plane = output + (cb * 8 + l) * planeOut
                        @inline(__always) func put(_ i: Int, _ v: Float) {
                            plane[i] = v + (residualDelta.map { UnsafePointer(plane)[i + $0] } ?? 0)
                        }
                        put(oy * OW + ox, y00[l])
                        if ox + 1 < OW { put(oy * OW + ox + 1, y01[l]) }
                        if oy + 1 < OH {
                            put((oy + 1) * OW + ox, y10[l])
                            if ox + 1 < OW { put((oy + 1) * OW + ox + 1, y11[l]) }
                        }
                    }
                }
            }
            tx0 += T
        }
    }
}

extension WinogradF23 {
    /// Where each thread's areas lie in the scratch of a ``WinogradF23``, in floats: thread `w` owns
    /// ``threadFloats`` floats from `w · threadFloats`, laid out as its band of zero-bordered input rows,
    /// then the work areas of one step. Both ``WinogradF23/scratchFloats(threads:)`` and `run` take their
    /// numbers from here.
    package struct ScratchLayout: Equatable, PerThreadScratch {
        /// The band of input rows: Cin × (2·bandTileRows + 2) rows × paddedWidth floats.
        package let bandFloats: Int
        /// Input-transformed tiles of one step, [16 positions][Cin][12 tiles]: 16·Cin·12 floats.
        package let transformedTilesFloats: Int
        /// Products summed over the input channels for one block of 8 output channels, [16 positions]
        /// [12 tiles][8 channels]: 1536 floats.
        package let productsFloats: Int

        package init(inChannels: Int, bandTileRows: Int, paddedWidth: Int) {
            bandFloats = inChannels * (2 * bandTileRows + 2) * paddedWidth
            transformedTilesFloats = 16 * inChannels * WinogradF23.tilesPerStep
            productsFloats = 16 * WinogradF23.tilesPerStep * 8
        }

        /// One thread's share, in floats: the band and the two work areas.
        package var threadFloats: Int { bandFloats + transformedTilesFloats + productsFloats }

        /// One thread's areas.
        package struct Areas {
            package let band: ScratchRegion
            package let transformedTiles: ScratchRegion
            package let products: ScratchRegion
        }

        /// The areas of thread `worker`, in `scratch` (``floats(threads:)`` floats for more than `worker`
        /// threads).
        @inline(__always)
        package func areas(worker: Int, in scratch: ScratchRegion) -> Areas {
            var rest = share(worker: worker, in: scratch)
            return Areas(band: rest.carve(bandFloats), transformedTiles: rest.carve(transformedTilesFloats),
                         products: rest.carve(productsFloats))
        }
    }
}
