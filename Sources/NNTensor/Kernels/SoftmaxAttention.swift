/// `O[t] = softmax(Q[t] · K[t]ᵀ + addends) · V[t]` for every batch element `t` (one window and head of a
/// windowed transformer), with the scores never stored: per batch element the `queries × keys` score tile is
/// computed into the thread's scratch, normalised row by row there, and multiplied into V while it is in L1.
///
/// Layout: `Q[t]` is `queries × depth` row-major at `q + qOffsets[t]`; `K[t]` is `keys × depth` (the
/// transposed operand of the first product) or `depth × keys`; `V[t]` is `keys × width`, or `width × keys`
/// when transposed; `O[t]` is `queries × width` at `out + t · queries · width`. Both products run on
/// ``PanelMatMul``'s 6 × 16 register tiles, K and V packed per batch element into the scratch (a few
/// thousand floats: the product's k stays within one depth block, which the planner checks).
///
/// An operand may also be read through a ``RowGather`` (the head split of a fused qkv product, never stored):
/// its stored rows then come from the gather's table, copied per batch element into the scratch, and Q may be
/// scaled as it is copied (the `q · d^−½` Mul, folded).
package struct SoftmaxAttention: PerThreadScratch, Sendable {
    package let queries: Int, keys: Int, depth: Int, width: Int
    package let qOffsets: [Int], kOffsets: [Int], vOffsets: [Int]
    package let keysTransposed: Bool, valuesTransposed: Bool
    /// Row tables through which Q, K and V are read (nil: the operand as laid out above).
    package var qRows: RowGather?, kRows: RowGather?, vRows: RowGather?
    /// Factor applied to Q as it is read (1: none).
    package var qScale: Float = 1
    /// Rows a table entry `−2 − i` reads (row `i`, of the table's row length): what a padding row of the
    /// gathered operand holds when it is not zero (the qkv product's bias, when the product runs before the
    /// window padding; see `ProjectionBeforeWindowGather`). Empty: no such entries.
    package var qFill: [Float] = [], kFill: [Float] = [], vFill: [Float] = []

    package init(queries: Int, keys: Int, depth: Int, width: Int, qOffsets: [Int], kOffsets: [Int], vOffsets: [Int],
                 keysTransposed: Bool, valuesTransposed: Bool) {
        precondition(depth <= PanelPackedMatrix.depthBlock && keys <= PanelPackedMatrix.depthBlock,
                     "SoftmaxAttention: depth \(depth) and keys \(keys) must fit one depth block")
        self.queries = queries; self.keys = keys; self.depth = depth; self.width = width
        self.qOffsets = qOffsets; self.kOffsets = kOffsets; self.vOffsets = vOffsets
        self.keysTransposed = keysTransposed; self.valuesTransposed = valuesTransposed
    }

    /// Row length of each operand as stored: Q's depth; K's depth (transposed) or keys; V's width or keys.
    package var storedRowLengths: (q: Int, k: Int, v: Int) { (depth, keysTransposed ? depth : keys, valuesTransposed ? keys : width) }

    /// Scores row stride: keys rounded up to whole panels.
    var scoreStride: Int { (keys + 15) / 16 * 16 }
    /// One thread's share: packed K, the score tile (rows rounded up to whole strips), packed V, and 16 floats
    /// to align the first area to 64 bytes.
    package var threadFloats: Int {
        PanelPackedMatrix.floats(k: depth, n: keys) + (queries + 5) / 6 * 6 * scoreStride
            + PanelPackedMatrix.floats(k: keys, n: width) + 16 + (copiesQ ? queries * depth : 0)
            + (kRows != nil ? keys * depth : 0) + (vRows != nil ? keys * width : 0)
    }

    /// Whether Q is copied into the scratch (gathered or scaled).
    var copiesQ: Bool { qRows != nil || qScale != 1 }

    /// The `rows × length` matrix starting at stored row `first` of a gathered operand, copied to `into`
    /// (times `scale`); a source row of −1 reads as zeros, one of `−2 − i` as row `i` of `fill`.
    @inline(__always)
    static func gather(_ table: RowGather, from base: UnsafePointer<Float>, first: Int, rows: Int, scale: Float,
                       fill: UnsafePointer<Float>?, into: UnsafeMutablePointer<Float>) {
        let n = table.rowLength
        table.sources.withUnsafeBufferPointer { sources in
            for r in 0..<rows {
                let source = Int(sources[first + r]), dst = into + r * n
                if source == -1 { dst.update(repeating: 0, count: n); continue }
                let src = source >= 0 ? base + source * n : fill! + (-2 - source) * n
                if scale == 1 { dst.update(from: src, count: n) } else { for j in 0..<n { dst[j] = src[j] * scale } }
            }
        }
    }

    /// - Parameter addends: added to each score row `t · queries + i` before the softmax (``RowNorm/Addend``).
    package func run(q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>,
                     addends: [RowNorm.Addend], scratch: ScratchRegion, threads: Int) {
        let batches = qOffsets.count
        guard batches > 0, queries > 0, width > 0 else { return }
        qFill.withUnsafeBufferPointer { qf in kFill.withUnsafeBufferPointer { kf in vFill.withUnsafeBufferPointer { vf in
            run(q: q, k: k, v: v, out: out, addends: addends, scratch: scratch, threads: threads,
                fills: (qf.baseAddress, kf.baseAddress, vf.baseAddress))
        }}}
    }

    func run(q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>,
             addends: [RowNorm.Addend], scratch: ScratchRegion, threads: Int,
             fills: (q: UnsafePointer<Float>?, k: UnsafePointer<Float>?, v: UnsafePointer<Float>?)) {
        let batches = qOffsets.count
        let per = 8
        Parallel.forEachDynamic((batches + per - 1) / per, threads: threads) { worker, chunk in
            var share = self.share(worker: worker, in: scratch)
            let skew = (64 - Int(bitPattern: share.base) & 63) & 63
            _ = share.carve(skew / 4)
            let kFloats = PanelPackedMatrix.floats(k: depth, n: keys), vFloats = PanelPackedMatrix.floats(k: keys, n: width)
            let packedK = share.carve(kFloats).pointer(at: 0, count: kFloats)
            let strips = (queries + 5) / 6, stride = scoreStride
            let scores = share.carve(strips * 6 * stride).pointer(at: 0, count: strips * 6 * stride)
            let packedV = share.carve(vFloats).pointer(at: 0, count: vFloats)
            let lengths = storedRowLengths
            let qCopy = copiesQ ? share.carve(queries * depth).pointer(at: 0, count: queries * depth) : nil
            let kCopy = kRows != nil ? share.carve(keys * depth).pointer(at: 0, count: keys * depth) : nil
            let vCopy = vRows != nil ? share.carve(keys * width).pointer(at: 0, count: keys * width) : nil
            for t in (chunk * per)..<min(batches, chunk * per + per) {
                var qt = q + qOffsets[t], kt = k + kOffsets[t], vt = v + vOffsets[t]
                if let qCopy {
                    if let table = qRows {
                        Self.gather(table, from: q, first: qOffsets[t] / lengths.q, rows: queries, scale: qScale, fill: fills.q, into: qCopy)
                    } else {
                        for j in 0..<(queries * depth) { qCopy[j] = qt[j] * qScale }
                    }
                    qt = UnsafePointer(qCopy)
                }
                if let kCopy, let table = kRows {
                    Self.gather(table, from: k, first: kOffsets[t] / lengths.k, rows: keys * depth / lengths.k, scale: 1, fill: fills.k,
                                into: kCopy)
                    kt = UnsafePointer(kCopy)
                }
                if let vCopy, let table = vRows {
                    Self.gather(table, from: v, first: vOffsets[t] / lengths.v, rows: keys * width / lengths.v, scale: 1, fill: fills.v,
                                into: vCopy)
                    vt = UnsafePointer(vCopy)
                }
                attend(t, q: qt, k: kt, v: vt, out: out, addends: addends, packedK: packedK, scores: scores, packedV: packedV)
            }
        }
    }

    /// Batch element `t`, its Q, K and V at `q`, `k`, `v` (already offset, gathered or scaled).
    @inline(__always)
    func attend(_ t: Int, q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>,
                addends: [RowNorm.Addend], packedK: UnsafeMutablePointer<Float>, scores: UnsafeMutablePointer<Float>,
                packedV: UnsafeMutablePointer<Float>) {
        let strips = (queries + 5) / 6, stride = scoreStride
        // Scores: Q[t] · K[t]ᵀ, whole tiles into the padded score rows.
        PanelPackedMatrix.pack(k, k: depth, n: keys, transposed: keysTransposed, into: packedK)
        for s in 0..<strips {
            let rows = min(6, queries - s * 6)
            for p in 0..<(keys + 15) / 16 {
                PanelMatMul.tile6x16(depth: depth, a: q + s * 6 * depth, lda: depth, rows: rows, b: packedK + p * depth * 16,
                                     c: scores + s * 6 * stride + p * 16, ldc: stride, accumulate: false)
            }
        }
        // Softmax of each row, its addends first. Each addend's rows for this batch element start at one offset
        // and, when its row shape ends in the queries (always, for scores), step by its last row stride.
        withUnsafeTemporaryAllocation(of: (base: UnsafePointer<Float>, step: Int, repeated: Bool).self, capacity: addends.count) { views in
            for (j, a) in addends.enumerated() {
                let stepping = a.rowShape.last == queries
                views[j] = (a.values + a.offset(row: t * queries), stepping ? a.strides.last ?? 0 : -1, a.lastStride == 0)
            }
            for i in 0..<queries {
                let row = scores + i * stride
                for j in 0..<addends.count {
                    let view = views[j]
                    let values = view.step >= 0 ? view.base + i * view.step : addends[j].values + addends[j].offset(row: t * queries + i)
                    RowNorm.addRow(UnsafePointer(row), values, view.repeated, row, keys)
                }
            }
            var i = 0
            while i + 4 <= queries {
                Self.softmaxPadded4(scores + i * stride, keys: keys, stride: stride)
                i += 4
            }
            while i < queries {
                RowNorm.softmaxRow(UnsafePointer(scores + i * stride), scores + i * stride, keys, log: false)
                i += 1
            }
        }
        // Output: scores · V[t], edge tiles through the stack.
        PanelPackedMatrix.pack(v, k: keys, n: width, transposed: valuesTransposed, into: packedV)
        let ot = out + t * queries * width
        for s in 0..<strips {
            let rows = min(6, queries - s * 6)
            for p in 0..<(width + 15) / 16 {
                let cols = min(16, width - p * 16)
                let a = UnsafePointer(scores + s * 6 * stride), b = UnsafePointer(packedV + p * keys * 16)
                let c = ot + s * 6 * width + p * 16
                if rows == 6 && cols == 16 {
                    PanelMatMul.tile6x16(depth: keys, a: a, lda: stride, rows: 6, b: b, c: c, ldc: width, accumulate: false)
                } else {
                    PanelMatMul.edgeTile(depth: keys, a: a, lda: stride, rows: rows, cols: cols, b: b, c: c, ldc: width, accumulate: false)
                }
            }
        }
    }

    /// Softmax over the first `keys` floats of four consecutive rows, `stride` floats apart (a multiple of 8,
    /// all addressable): a row alone is one chain of dependent steps (max, then exponentials, then their sum,
    /// then the scaling) too long for the core to overlap with the next row's (``RowNorm/softmaxRow``, used
    /// for the last rows); four interleaved chains keep its pipes busy. Each row's keys are padded with −∞
    /// (which weighs 0) to whole vectors and every pass runs on those; floats past them are left as they are
    /// (the product with V never reads them).
    @inline(__always)
    static func softmaxPadded4(_ rows: UnsafeMutablePointer<Float>, keys: Int, stride: Int) {
        let span = (keys + 7) / 8 * 8
        for r in 0..<4 { for j in keys..<span { rows[r * stride + j] = -.infinity } }
        let r0 = UnsafeMutableRawPointer(rows), r1 = UnsafeMutableRawPointer(rows + stride)
        let r2 = UnsafeMutableRawPointer(rows + 2 * stride), r3 = UnsafeMutableRawPointer(rows + 3 * stride)
        @inline(__always) func larger(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> { a.replacing(with: b, where: b .> a) }
        var m0 = SIMD8<Float>(repeating: -.infinity), m1 = m0, m2 = m0, m3 = m0
        for j in Swift.stride(from: 0, to: 4 * span, by: 32) {
            m0 = larger(m0, r0.load(fromByteOffset: j, as: SIMD8<Float>.self))
            m1 = larger(m1, r1.load(fromByteOffset: j, as: SIMD8<Float>.self))
            m2 = larger(m2, r2.load(fromByteOffset: j, as: SIMD8<Float>.self))
            m3 = larger(m3, r3.load(fromByteOffset: j, as: SIMD8<Float>.self))
        }
        let t0 = SIMD8<Float>(repeating: m0.max()), t1 = SIMD8<Float>(repeating: m1.max())
        let t2 = SIMD8<Float>(repeating: m2.max()), t3 = SIMD8<Float>(repeating: m3.max())
        let floor = SIMD8<Float>(repeating: -87)
        @inline(__always) func exponential(_ p: UnsafeMutableRawPointer, _ j: Int, _ top: SIMD8<Float>) -> SIMD8<Float> {
            var x = p.load(fromByteOffset: j, as: SIMD8<Float>.self) - top
            x = x.replacing(with: floor, where: x .< floor)
            let e = SIMDMath.expInRange(x)
            p.storeBytes(of: e, toByteOffset: j, as: SIMD8<Float>.self)
            return e
        }
        var s0 = SIMD8<Float>(), s1 = s0, s2 = s0, s3 = s0
        for j in Swift.stride(from: 0, to: 4 * span, by: 32) {
            s0 += exponential(r0, j, t0)
            s1 += exponential(r1, j, t1)
            s2 += exponential(r2, j, t2)
            s3 += exponential(r3, j, t3)
        }
        let k0 = SIMD8<Float>(repeating: 1 / s0.sum()), k1 = SIMD8<Float>(repeating: 1 / s1.sum())
        let k2 = SIMD8<Float>(repeating: 1 / s2.sum()), k3 = SIMD8<Float>(repeating: 1 / s3.sum())
        for j in Swift.stride(from: 0, to: 4 * span, by: 32) {
            r0.storeBytes(of: r0.load(fromByteOffset: j, as: SIMD8<Float>.self) * k0, toByteOffset: j, as: SIMD8<Float>.self)
            r1.storeBytes(of: r1.load(fromByteOffset: j, as: SIMD8<Float>.self) * k1, toByteOffset: j, as: SIMD8<Float>.self)
            r2.storeBytes(of: r2.load(fromByteOffset: j, as: SIMD8<Float>.self) * k2, toByteOffset: j, as: SIMD8<Float>.self)
            r3.storeBytes(of: r3.load(fromByteOffset: j, as: SIMD8<Float>.self) * k3, toByteOffset: j, as: SIMD8<Float>.self)
        }
    }
}
