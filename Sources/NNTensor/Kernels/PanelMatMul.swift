/// The right operand of a matrix product, `B` (k × n), stored once for ``PanelMatMul``: columns in panels
/// of 16 (the last padded with zeros), depth in blocks of at most ``depthBlock`` rows. Block `j` covers
/// rows `j · depthBlock ..< min(k, (j + 1) · depthBlock)`; inside it panel `p` holds, for each of those
/// rows in turn, the 16 floats of columns `16p ..< 16p + 16` — the order in which the register tile reads
/// them, one 64-byte line per step.
///
/// The storage is one 64-byte-aligned allocation owned by this object and freed with it; nothing else
/// holds its address beyond a call to ``PanelMatMul/run(a:packed:c:m:bias:activation:residual:threads:)``.
package final class PanelPackedMatrix: @unchecked Sendable {
    /// Depth (rows of B, the shared dimension of the product).
    package let k: Int
    /// Columns of B (and of the product).
    package let n: Int
    /// Rows of B per depth block: 384 keeps one 6-row strip of A (9 KiB) in L1 while every panel of the
    /// block streams past it (measured against 192 and 512 on the transformer's shapes: best or equal).
    package static let depthBlock = 384
    /// Column panels: `⌈n / 16⌉`.
    package var panels: Int { (n + 15) / 16 }
    let storage: UnsafeMutablePointer<Float>

    /// Packs `b`: `k × n` row-major, or `n × k` row-major when `transposed` (the product then reads Bᵀ).
    package init(_ b: UnsafePointer<Float>, k: Int, n: Int, transposed: Bool) {
        precondition(k > 0 && n > 0, "PanelPackedMatrix: empty operand \(k) × \(n)")
        self.k = k
        self.n = n
        let count = Self.floats(k: k, n: n)
        storage = UnsafeMutableRawPointer.allocate(byteCount: count * 4, alignment: 64).bindMemory(to: Float.self, capacity: count)
        Self.pack(b, k: k, n: n, transposed: transposed, into: storage)
    }

    /// Floats of a packed `k × n` operand: `16 · ⌈n / 16⌉ · k`.
    package static func floats(k: Int, n: Int) -> Int { (n + 15) / 16 * 16 * k }

    /// Writes `b` (`k × n` row-major, or `n × k` when `transposed`) in the panel layout to the
    /// ``floats(k:n:)`` floats at `out`: for operands packed per call into scratch memory.
    package static func pack(_ b: UnsafePointer<Float>, k: Int, n: Int, transposed: Bool, into out: UnsafeMutablePointer<Float>) {
        let panels = (n + 15) / 16
        var out = out
        var k0 = 0
        while k0 < k {
            let depth = min(depthBlock, k - k0)
            for p in 0..<panels {
                let cols = min(16, n - p * 16)
                if transposed {
                    // Rows p·16 … of the stored n × k matrix, written as columns: 8 × 8 register transposes.
                    PermutedCopy.transpose(b + p * 16 * k + k0, rowStride: k, out, rowStride: 16, rows: cols, columns: depth)
                    if cols < 16 { for row in 0..<depth { for j in cols..<16 { out[row * 16 + j] = 0 } } }
                    out += depth * 16
                    continue
                }
                for row in k0..<(k0 + depth) {
                    let src = b + row * n + p * 16
                    for j in 0..<cols { out[j] = src[j] }
                    for j in cols..<16 { out[j] = 0 }
                    out += 16
                }
            }
            k0 += depth
        }
    }

    deinit { storage.deallocate() }

    /// The first float of panel `panel` in the depth block starting at row `k0` (a multiple of
    /// ``depthBlock``), whose depth is `depth`.
    @inline(__always)
    func panel(_ panel: Int, blockStart k0: Int, depth: Int) -> UnsafePointer<Float> {
        UnsafePointer(storage + k0 * panels * 16 + panel * depth * 16)
    }
}

/// `C[m × n] = A[m × k] · B[k × n]` followed by ``BatchedMatMul``'s epilogue (bias along rows, activation,
/// residual), with B packed in a ``PanelPackedMatrix`` and A read where it lies (row-major, rows `k` floats
/// apart).
///
/// The register tile is 6 rows × 16 columns: twelve 8-float accumulators, per depth step two loads of B,
/// six broadcasts of A and twelve fused multiply-adds, which keeps both FMA pipes of an AVX2 core busy.
/// A is not repacked: a 6-row strip of one depth block (at most 6 × 384 floats) is read by broadcasts from
/// its rows directly and stays in L1 while every column panel of the block passes it; the panels come from
/// L2/L3 as one sequential stream each. The epilogue runs on each finished 6 × 16 tile while it is still
/// in L1, so a GELU or residual costs no extra pass over C. Threads take ``rowChunk`` rows at a time as they
/// finish the last.
///
/// On the Swin-T graph at 1024 (`u2net-run bench --profile`, 2 Zen 3 cores) its products run at 150–190 GFLOP/s
/// against 100–165 for OpenBLAS 0.3.21's sgemm called per block of rows, whose K = 96 shapes fare worst.
package enum PanelMatMul {
    /// Rows walked per depth-block sweep: the C rows a sweep revisits stay in L2 between depth blocks.
    static let rowChunk = 24

    /// - Parameters:
    ///   - a: `m × packed.k` floats, row-major.
    ///   - c: `m × packed.n` floats, row-major; must not overlap `a` or `residual`.
    ///   - bias: nil or `packed.n` values added along every row.
    ///   - residual: nil or `m × packed.n` floats added after the activation.
    package static func run(a: UnsafePointer<Float>, packed: PanelPackedMatrix, c: UnsafeMutablePointer<Float>, m: Int,
                            bias: UnsafePointer<Float>?, activation: MatMulActivation, residual: UnsafePointer<Float>?,
                            threads: Int) {
        guard m > 0 else { return }
        let strips = (m + 5) / 6, per = rowChunk / 6
        Parallel.forEachDynamic((strips + per - 1) / per, threads: threads) { _, chunk in
            let s0 = chunk * per
            sweep(a: a, packed: packed, c: c, m: m, strips: s0..<min(strips, s0 + per), bias: bias, activation: activation,
                  residual: residual)
        }
    }

    /// Every depth block, strip and panel for the rows of `strips`.
    @inline(__always)
    static func sweep(a: UnsafePointer<Float>, packed: PanelPackedMatrix, c: UnsafeMutablePointer<Float>, m: Int, strips: Range<Int>,
                      bias: UnsafePointer<Float>?, activation: MatMulActivation, residual: UnsafePointer<Float>?) {
        let (k, n, panels) = (packed.k, packed.n, packed.panels)
        var k0 = 0
        while k0 < k {
            let depth = min(PanelPackedMatrix.depthBlock, k - k0)
            let first = k0 == 0, last = k0 + depth == k
            for s in strips {
                let row = s * 6, rows = min(6, m - row)
                for p in 0..<panels {
                    let col = p * 16, cols = min(16, n - col)
                    let b = packed.panel(p, blockStart: k0, depth: depth)
                    let tile = c + row * n + col
                    if rows == 6 && cols == 16 {
                        // Without an activation, bias and residual are added in registers as the finished tile is stored.
                        let inRegisters = last && activation == .none
                        tile6x16(depth: depth, a: a + row * k + k0, lda: k, rows: 6, b: b, c: tile, ldc: n, accumulate: !first,
                                 bias: inRegisters ? bias.map { $0 + col } : nil,
                                 residual: inRegisters ? residual.map { $0 + row * n + col } : nil)
                        if inRegisters { continue }
                    } else {
                        edgeTile(depth: depth, a: a + row * k + k0, lda: k, rows: rows, cols: cols, b: b, c: tile, ldc: n,
                                 accumulate: !first)
                    }
                    if last {
                        BatchedMatMul.epilogue(tile, rows: rows, n: cols, stride: n, bias: bias.map { $0 + col }, activation: activation,
                                               residual: residual.map { $0 + row * n + col })
                    }
                }
            }
            k0 += depth
        }
    }

    /// A tile with fewer than 6 rows or 16 columns: the full tile is computed into a stack buffer (rows past
    /// `rows` repeat the last row of A, columns past `cols` meet B's zero padding) and its valid part copied.
    static func edgeTile(depth: Int, a: UnsafePointer<Float>, lda: Int, rows: Int, cols: Int, b: UnsafePointer<Float>,
                         c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool) {
        withUnsafeTemporaryAllocation(of: Float.self, capacity: 96) { buffer in
            let t = buffer.baseAddress!
            tile6x16(depth: depth, a: a, lda: lda, rows: rows, b: b, c: t, ldc: 16, accumulate: false)
            for r in 0..<rows {
                for j in 0..<cols { c[r * ldc + j] = (accumulate ? c[r * ldc + j] : 0) + t[r * 16 + j] }
            }
        }
    }

    /// The left half of a 6 × 16 tile: `c[r][j] = Σ_d a[r·lda + d] · b[16·d + j]` for j < 8 (a panel whose last
    /// 8 columns are padding; attention's 49 keys are three panels and this). Rows at or past `rows` read row
    /// `rows − 1` of A again and are stored like the others (the caller's to discard).
    @inline(__always)
    static func tile6x8(depth: Int, a: UnsafePointer<Float>, lda: Int, rows: Int, b: UnsafePointer<Float>,
                        c: UnsafeMutablePointer<Float>, ldc: Int) {
        let a0 = a, a1 = a + min(1, rows - 1) * lda, a2 = a + min(2, rows - 1) * lda
        let a3 = a + min(3, rows - 1) * lda, a4 = a + min(4, rows - 1) * lda, a5 = a + min(5, rows - 1) * lda
        var c0 = SIMD8<Float>(), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0
        var pb = UnsafeRawPointer(b)
        for d in 0..<depth {
            let b0 = pb.load(as: SIMD8<Float>.self)
            c0 = c0.addingProduct(SIMD8<Float>(repeating: a0[d]), b0)
            c1 = c1.addingProduct(SIMD8<Float>(repeating: a1[d]), b0)
            c2 = c2.addingProduct(SIMD8<Float>(repeating: a2[d]), b0)
            c3 = c3.addingProduct(SIMD8<Float>(repeating: a3[d]), b0)
            c4 = c4.addingProduct(SIMD8<Float>(repeating: a4[d]), b0)
            c5 = c5.addingProduct(SIMD8<Float>(repeating: a5[d]), b0)
            pb += 64
        }
        UnsafeMutableRawPointer(c).storeBytes(of: c0, as: SIMD8<Float>.self)
        UnsafeMutableRawPointer(c + ldc).storeBytes(of: c1, as: SIMD8<Float>.self)
        UnsafeMutableRawPointer(c + 2 * ldc).storeBytes(of: c2, as: SIMD8<Float>.self)
        UnsafeMutableRawPointer(c + 3 * ldc).storeBytes(of: c3, as: SIMD8<Float>.self)
        UnsafeMutableRawPointer(c + 4 * ldc).storeBytes(of: c4, as: SIMD8<Float>.self)
        UnsafeMutableRawPointer(c + 5 * ldc).storeBytes(of: c5, as: SIMD8<Float>.self)
    }

    /// The 6 × 16 register tile over `depth` steps: `c[r][j] (+)= Σ_d a[r·lda + d] · b[16·d + j]`, plus
    /// `bias[j]` and `residual[r·ldc + j]` when given. Rows at or past `rows` read row `rows − 1` of A again
    /// (their results are the caller's to discard).
    @inline(__always)
    static func tile6x16(depth: Int, a: UnsafePointer<Float>, lda: Int, rows: Int, b: UnsafePointer<Float>,
                         c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool, bias: UnsafePointer<Float>? = nil,
                         residual: UnsafePointer<Float>? = nil) {
        let a0 = a, a1 = a + min(1, rows - 1) * lda, a2 = a + min(2, rows - 1) * lda
        let a3 = a + min(3, rows - 1) * lda, a4 = a + min(4, rows - 1) * lda, a5 = a + min(5, rows - 1) * lda
        var c00 = SIMD8<Float>(), c01 = SIMD8<Float>(), c10 = SIMD8<Float>(), c11 = SIMD8<Float>()
        var c20 = SIMD8<Float>(), c21 = SIMD8<Float>(), c30 = SIMD8<Float>(), c31 = SIMD8<Float>()
        var c40 = SIMD8<Float>(), c41 = SIMD8<Float>(), c50 = SIMD8<Float>(), c51 = SIMD8<Float>()
        var pb = UnsafeRawPointer(b)
        for d in 0..<depth {
            let b0 = pb.load(as: SIMD8<Float>.self)
            let b1 = pb.load(fromByteOffset: 32, as: SIMD8<Float>.self)
            var av = SIMD8<Float>(repeating: a0[d])
            c00 = c00.addingProduct(av, b0); c01 = c01.addingProduct(av, b1)
            av = SIMD8<Float>(repeating: a1[d])
            c10 = c10.addingProduct(av, b0); c11 = c11.addingProduct(av, b1)
            av = SIMD8<Float>(repeating: a2[d])
            c20 = c20.addingProduct(av, b0); c21 = c21.addingProduct(av, b1)
            av = SIMD8<Float>(repeating: a3[d])
            c30 = c30.addingProduct(av, b0); c31 = c31.addingProduct(av, b1)
            av = SIMD8<Float>(repeating: a4[d])
            c40 = c40.addingProduct(av, b0); c41 = c41.addingProduct(av, b1)
            av = SIMD8<Float>(repeating: a5[d])
            c50 = c50.addingProduct(av, b0); c51 = c51.addingProduct(av, b1)
            pb += 64
        }
        var bias0 = SIMD8<Float>(), bias1 = SIMD8<Float>()
        if let bias {
            bias0 = UnsafeRawPointer(bias).loadUnaligned(as: SIMD8<Float>.self)
            bias1 = UnsafeRawPointer(bias + 8).loadUnaligned(as: SIMD8<Float>.self)
        }
        @inline(__always) func store(_ r: Int, _ u0: SIMD8<Float>, _ u1: SIMD8<Float>) {
            let p = UnsafeMutableRawPointer(c + r * ldc)
            var v0 = u0 + bias0, v1 = u1 + bias1
            if let residual {
                let q = UnsafeRawPointer(residual + r * ldc)
                v0 += q.loadUnaligned(as: SIMD8<Float>.self)
                v1 += q.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self)
            }
            if accumulate {
                p.storeBytes(of: v0 + p.loadUnaligned(as: SIMD8<Float>.self), as: SIMD8<Float>.self)
                p.storeBytes(of: v1 + p.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self), toByteOffset: 32, as: SIMD8<Float>.self)
            } else {
                p.storeBytes(of: v0, as: SIMD8<Float>.self)
                p.storeBytes(of: v1, toByteOffset: 32, as: SIMD8<Float>.self)
            }
        }
        store(0, c00, c01); store(1, c10, c11); store(2, c20, c21)
        store(3, c30, c31); store(4, c40, c41); store(5, c50, c51)
    }
}
