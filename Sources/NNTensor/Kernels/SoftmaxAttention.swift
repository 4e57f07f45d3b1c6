/// `O[t] = softmax(Q[t] · K[t]ᵀ + addends) · V[t]` for every batch element `t` (one window and head of a
/// windowed transformer), with the scores never stored: per batch element the `queries × keys` score tile is
/// computed into the thread's scratch, normalised row by row there, and multiplied into V while it is in L1.
///
/// Layout: `Q[t]` is `queries × depth` row-major at `q + qOffsets[t]`; `K[t]` is `keys × depth` (the
/// transposed operand of the first product) or `depth × keys`; `V[t]` is `keys × width`, or `width × keys`
/// when transposed; `O[t]` is `queries × width` at `out + t · queries · width`. Both products run on
/// ``PanelMatMul``'s 6 × 16 register tiles, K and V packed per batch element into the scratch (a few
/// thousand floats: the product's k stays within one depth block, which the planner checks).
package struct SoftmaxAttention: PerThreadScratch, Sendable {
    package let queries: Int, keys: Int, depth: Int, width: Int
    package let qOffsets: [Int], kOffsets: [Int], vOffsets: [Int]
    package let keysTransposed: Bool, valuesTransposed: Bool

    package init(queries: Int, keys: Int, depth: Int, width: Int, qOffsets: [Int], kOffsets: [Int], vOffsets: [Int],
                 keysTransposed: Bool, valuesTransposed: Bool) {
        precondition(depth <= PanelPackedMatrix.depthBlock && keys <= PanelPackedMatrix.depthBlock,
                     "SoftmaxAttention: depth \(depth) and keys \(keys) must fit one depth block")
        self.queries = queries; self.keys = keys; self.depth = depth; self.width = width
        self.qOffsets = qOffsets; self.kOffsets = kOffsets; self.vOffsets = vOffsets
        self.keysTransposed = keysTransposed; self.valuesTransposed = valuesTransposed
    }

    /// Scores row stride: keys rounded up to whole panels.
    var scoreStride: Int { (keys + 15) / 16 * 16 }
    /// One thread's share: packed K, the score tile (rows rounded up to whole strips), packed V, and 16 floats
    /// to align the first area to 64 bytes.
    package var threadFloats: Int {
        PanelPackedMatrix.floats(k: depth, n: keys) + (queries + 5) / 6 * 6 * scoreStride
            + PanelPackedMatrix.floats(k: keys, n: width) + 16
    }

    /// - Parameter addends: added to each score row `t · queries + i` before the softmax (``RowNorm/Addend``).
    package func run(q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>,
                     addends: [RowNorm.Addend], scratch: ScratchRegion, threads: Int) {
        let batches = qOffsets.count
        guard batches > 0, queries > 0, width > 0 else { return }
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
            for t in (chunk * per)..<min(batches, chunk * per + per) {
                attend(t, q: q, k: k, v: v, out: out, addends: addends, packedK: packedK, scores: scores, packedV: packedV)
            }
        }
    }

    @inline(__always)
    func attend(_ t: Int, q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>,
                addends: [RowNorm.Addend], packedK: UnsafeMutablePointer<Float>, scores: UnsafeMutablePointer<Float>,
                packedV: UnsafeMutablePointer<Float>) {
        let strips = (queries + 5) / 6, stride = scoreStride
        // Scores: Q[t] · K[t]ᵀ, whole tiles into the padded score rows.
        PanelPackedMatrix.pack(k + kOffsets[t], k: depth, n: keys, transposed: keysTransposed, into: packedK)
        let qt = q + qOffsets[t]
        for s in 0..<strips {
            let rows = min(6, queries - s * 6)
            for p in 0..<(keys + 15) / 16 {
                PanelMatMul.tile6x16(depth: depth, a: qt + s * 6 * depth, lda: depth, rows: rows, b: packedK + p * depth * 16,
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
                Self.softmaxPadded(row, keys: keys, stride: stride)
            }
        }
        // Output: scores · V[t], edge tiles through the stack.
        PanelPackedMatrix.pack(v + vOffsets[t], k: keys, n: width, transposed: valuesTransposed, into: packedV)
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

    /// Softmax over the first `keys` floats of `row`, whose `stride` floats (a multiple of 8) are all
    /// addressable: the padding is set to −∞ (so it weighs 0) and every pass runs on whole vectors.
    @inline(__always)
    static func softmaxPadded(_ row: UnsafeMutablePointer<Float>, keys: Int, stride: Int) {
        for j in keys..<stride { row[j] = -.infinity }
        let r = UnsafeMutableRawPointer(row)
        var peak = SIMD8<Float>(repeating: -.infinity)
        for j in Swift.stride(from: 0, to: stride, by: 8) {
            let v = r.load(fromByteOffset: 4 * j, as: SIMD8<Float>.self)
            peak = peak.replacing(with: v, where: v .> peak)
        }
        let top = SIMD8<Float>(repeating: peak.max()), floor = SIMD8<Float>(repeating: -87)
        var total = SIMD8<Float>()
        for j in Swift.stride(from: 0, to: stride, by: 8) {
            // x − max ≤ 0; below −87 (the padding's −∞ included) e^x is under 2e-38 and taken as e^−87.
            var x = r.load(fromByteOffset: 4 * j, as: SIMD8<Float>.self) - top
            x = x.replacing(with: floor, where: x .< floor)
            let e = SIMDMath.expInRange(x)
            r.storeBytes(of: e, toByteOffset: 4 * j, as: SIMD8<Float>.self)
            total += e
        }
        let scale = SIMD8<Float>(repeating: 1 / total.sum())
        for j in Swift.stride(from: 0, to: stride, by: 8) {
            r.storeBytes(of: r.load(fromByteOffset: 4 * j, as: SIMD8<Float>.self) * scale, toByteOffset: 4 * j, as: SIMD8<Float>.self)
        }
    }
}
