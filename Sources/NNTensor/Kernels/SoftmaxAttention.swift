/// `O[t] = softmax(Q[t] · K[t]ᵀ + addends) · V[t]` for every batch element `t` (one window and head of a
/// windowed transformer), with the scores never stored: per batch element the `queries × keys` score tile is
/// computed into the thread's scratch, exponentiated there (less each row's maximum), multiplied into V while it
/// is in L1, and each output row divided by its sum of exponentials.
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
                let a = q + s * 6 * depth, b = UnsafePointer(packedK + p * depth * 16), c = scores + s * 6 * stride + p * 16
                if keys - p * 16 > 8 {
                    PanelMatMul.tile6x16(depth: depth, a: a, lda: depth, rows: rows, b: b, c: c, ldc: stride, accumulate: false)
                } else {
                    PanelMatMul.tile6x8(depth: depth, a: a, lda: depth, rows: rows, b: b, c: c, ldc: stride)  // 49 keys: 3 panels and a half
                }
            }
        }
        // Softmax of each row, its addends first. Each addend's rows for this batch element start at one offset
        // and, when its row shape ends in the queries (always, for scores), step by its last row stride.
        let span = (keys + 7) / 8 * 8
        withUnsafeTemporaryAllocation(of: Float.self, capacity: queries) { rowSums in
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
                    for j in keys..<span { row[j] = -.infinity }
                    rowSums[i] = Self.maximum(row, count: span)  // the row's maximum until the next pass
                }
            }
            // Separate passes: one row's chain (maximum, its reduction, the exponentials, their sum) is too long
            // for the core to overlap with the next row's when they run back to back.
            for i in 0..<queries { rowSums[i] = Self.exponentiate(scores + i * stride, count: span, peak: rowSums[i]) }
            // Output: e^(scores − max) · V[t], each row then divided by its sum; edge tiles through the stack.
            PanelPackedMatrix.pack(v, k: keys, n: width, transposed: valuesTransposed, into: packedV)
            let ot = out + t * queries * width
            for s in 0..<strips {
                let rows = min(6, queries - s * 6)
                let a = UnsafePointer(scores + s * 6 * stride)
                for p in 0..<(width + 15) / 16 {
                    let cols = min(16, width - p * 16)
                    let b = UnsafePointer(packedV + p * keys * 16), c = ot + s * 6 * width + p * 16
                    if rows == 6 && cols == 16 {
                        PanelMatMul.tile6x16(depth: keys, a: a, lda: stride, rows: 6, b: b, c: c, ldc: width, accumulate: false)
                    } else {
                        PanelMatMul.edgeTile(depth: keys, a: a, lda: stride, rows: rows, cols: cols, b: b, c: c, ldc: width, accumulate: false)
                    }
                }
                for r in 0..<rows { Self.scale(ot + (s * 6 + r) * width, count: width, by: 1 / rowSums[s * 6 + r]) }
            }
        }
    }

    /// The largest of the `count` floats at `row` (a multiple of 8).
    @inline(__always)
    static func maximum(_ row: UnsafeMutablePointer<Float>, count: Int) -> Float {
        let p = UnsafeMutableRawPointer(row)
        var top = p.load(as: SIMD8<Float>.self)
        for j in Swift.stride(from: 32, to: 4 * count, by: 32) {
            let v = p.load(fromByteOffset: j, as: SIMD8<Float>.self)
            top = top.replacing(with: v, where: v .> top)
        }
        return Swift.max(Swift.max(Swift.max(top[0], top[1]), Swift.max(top[2], top[3])),
                         Swift.max(Swift.max(top[4], top[5]), Swift.max(top[6], top[7])))
    }

    /// Replaces the `count` floats at `row` (a multiple of 8; padding lanes −∞) by e^(x − peak), floored at
    /// e^−87 (no lane leaves the exponential's range; a padding lane's value is never read), and returns their sum.
    @inline(__always)
    static func exponentiate(_ row: UnsafeMutablePointer<Float>, count: Int, peak: Float) -> Float {
        let p = UnsafeMutableRawPointer(row), top = SIMD8<Float>(repeating: peak)
        let floor = SIMD8<Float>(repeating: -87)
        var sum = SIMD8<Float>()
        for j in Swift.stride(from: 0, to: 4 * count, by: 32) {
            var x = p.load(fromByteOffset: j, as: SIMD8<Float>.self) - top
            x = x.replacing(with: floor, where: x .< floor)
            let e = SIMDMath.expInRange(x)
            p.storeBytes(of: e, toByteOffset: j, as: SIMD8<Float>.self)
            sum += e
        }
        return (sum[0] + sum[1]) + (sum[2] + sum[3]) + ((sum[4] + sum[5]) + (sum[6] + sum[7]))
    }

    /// Multiplies `count` floats at `row` by `factor`.
    @inline(__always)
    static func scale(_ row: UnsafeMutablePointer<Float>, count: Int, by factor: Float) {
        let p = UnsafeMutableRawPointer(row), f = SIMD8<Float>(repeating: factor)
        var j = 0
        while j + 8 <= count {
            p.storeBytes(of: p.loadUnaligned(fromByteOffset: 4 * j, as: SIMD8<Float>.self) * f, toByteOffset: 4 * j, as: SIMD8<Float>.self)
            j += 8
        }
        while j < count { row[j] *= factor; j += 1 }
    }
}
