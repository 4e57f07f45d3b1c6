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
    }

    deinit {
        packed.deallocate()
        bias.deallocate()
    }

    var bandFloats: Int { geometry.inChannels * (2 * bandTileRows + 2) * paddedWidth }
    /// Per thread: transformed input tiles [16][Cin][12] and products [16][12][8].
    var threadFloats: Int { geometry.inChannels * 16 * Self.tilesPerStep + 16 * Self.tilesPerStep * 8 }

    /// Each thread has its own band and work area (see ``PaddedBand/perThread``).
    package func scratchFloats(threads: Int) -> Int { threads * (bandFloats + threadFloats) }

    package func run(input: ChannelPlanes, output: UnsafeMutablePointer<Float>,
                    scratch: UnsafeMutablePointer<Float>, threads: Int, residual: UnsafePointer<Float>?) {
        let g = geometry
        let delta = residual.map { $0 - UnsafePointer(output) }
        let PW = paddedWidth
        PaddedBand.perThread(images: g.batch, rowsPerImage: tilesY, bandRows: bandTileRows, threads: threads) { worker, n, ty0, rows in
            let band = scratch + worker * (self.bandFloats + self.threadFloats)
            let work = band + self.bandFloats
            let bandIn = 2 * rows + 2
            let out = output + n * g.outChannels * g.outHeight * g.outWidth
            PaddedBand.fill(band, from: input, firstChannel: n * g.inChannels, channels: g.inChannels,
                            height: g.inHeight, width: g.inWidth, firstRow: 2 * ty0 - g.padTop, rows: bandIn,
                            padLeft: g.padLeft, paddedWidth: PW)
            for r in 0..<rows {
                self.tileRow(bandRow: r, bandInputRows: bandIn, band: band, work: work, output: out,
                             residualDelta: delta, ty: ty0 + r)
            }
        }
    }

    private func tileRow(bandRow: Int, bandInputRows: Int, band: UnsafePointer<Float>,
                         work: UnsafeMutablePointer<Float>, output: UnsafeMutablePointer<Float>, residualDelta: Int?, ty: Int) {
        let g = geometry
        let T = Self.tilesPerStep
        let cin = g.inChannels, PW = paddedWidth, planeIn = bandInputRows * PW
        let OH = g.outHeight, OW = g.outWidth, planeOut = OH * OW
        let V = work                       // [16][cin][T]
        let M = work + cin * 16 * T        // [16][T][8]
        let (lo, hi) = epilogue.bounds
        let vlo = SIMD8<Float>(repeating: lo), vhi = SIMD8<Float>(repeating: hi)
        var tx0 = 0
        while tx0 < tilesX {
            // Input transform: V = Bᵀ d B for T tiles of every input channel.
            for ci in 0..<cin {
                let base = band + ci * planeIn + (2 * bandRow) * PW + 2 * tx0
                let v = V + ci * T
                for t in 0..<T {
                    let p = base + 2 * t
                    let r0 = p, r1 = p + PW, r2 = p + 2 * PW, r3 = p + 3 * PW
                    // Bᵀ d: combine the patch's rows…
                    let d0 = SIMD4<Float>(r0[0], r0[1], r0[2], r0[3]), d1 = SIMD4<Float>(r1[0], r1[1], r1[2], r1[3])
                    let d2 = SIMD4<Float>(r2[0], r2[1], r2[2], r2[3]), d3 = SIMD4<Float>(r3[0], r3[1], r3[2], r3[3])
                    let rows = (d0 - d2, d1 + d2, d2 - d1, d1 - d3)
                    // …then (Bᵀ d) B: the columns of each row.
                    @inline(__always) func put(_ i: Int, _ row: SIMD4<Float>) {
                        let stride = cin * T
                        v[(4 * i + 0) * stride + t] = row[0] - row[2]
                        v[(4 * i + 1) * stride + t] = row[1] + row[2]
                        v[(4 * i + 2) * stride + t] = row[2] - row[1]
                        v[(4 * i + 3) * stride + t] = row[1] - row[3]
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
                    var vp = UnsafePointer(V + xi * cin * T)
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
                    let m = UnsafeMutableRawPointer(M + xi * T * 8)
                    m.storeBytes(of: c0, toByteOffset: 0, as: SIMD8<Float>.self)
                    m.storeBytes(of: c1, toByteOffset: 32, as: SIMD8<Float>.self)
                    m.storeBytes(of: c2, toByteOffset: 64, as: SIMD8<Float>.self)
                    m.storeBytes(of: c3, toByteOffset: 96, as: SIMD8<Float>.self)
                    m.storeBytes(of: c4, toByteOffset: 128, as: SIMD8<Float>.self)
                    m.storeBytes(of: c5, toByteOffset: 160, as: SIMD8<Float>.self)
                    m.storeBytes(of: c6, toByteOffset: 192, as: SIMD8<Float>.self)
                    m.storeBytes(of: c7, toByteOffset: 224, as: SIMD8<Float>.self)
                    m.storeBytes(of: c8, toByteOffset: 256, as: SIMD8<Float>.self)
                    m.storeBytes(of: c9, toByteOffset: 288, as: SIMD8<Float>.self)
                    m.storeBytes(of: c10, toByteOffset: 320, as: SIMD8<Float>.self)
                    m.storeBytes(of: c11, toByteOffset: 352, as: SIMD8<Float>.self)
                }
                // Output transform Y = Aᵀ M A per tile, eight output channels at once.
                let b = UnsafeRawPointer(bias + cb * 8).loadUnaligned(as: SIMD8<Float>.self)
                let channels = min(8, g.outChannels - cb * 8)
                for t in 0..<valid {
                    func mm(_ i: Int, _ j: Int) -> SIMD8<Float> {
                        UnsafeRawPointer(M + ((4 * i + j) * T + t) * 8).loadUnaligned(as: SIMD8<Float>.self)
                    }
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
