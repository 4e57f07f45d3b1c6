/// Copies that move whole elements without arithmetic: a transposition of axes (the window partition and
/// reverse of a Swin block, head splits), and a gather of rows.
package struct PermutedCopy: Sendable {
    /// Output dimensions after dropping 1s and merging neighbours that stay neighbours in the input; the
    /// input stride of each, in floats.
    package let sizes: [Int]
    package let inStrides: [Int]
    package let count: Int

    /// `output = input.transpose(perm)` for an input of `shape` (row-major, contiguous both sides).
    package init(shape: [Int], perm: [Int]) {
        var stride = [Int](repeating: 1, count: shape.count)
        var s = 1
        for d in stride.indices.reversed() { stride[d] = s; s *= shape[d] }
        var sizes: [Int] = [], strides: [Int] = []
        for p in perm where shape[p] != 1 {
            if let last = sizes.last, strides.last! == stride[p] * shape[p] {
                sizes[sizes.count - 1] = last * shape[p]
                strides[strides.count - 1] = stride[p]
            } else {
                sizes.append(shape[p])
                strides.append(stride[p])
            }
        }
        if sizes.isEmpty { sizes = [1]; strides = [1] }
        self.sizes = sizes
        inStrides = strides
        count = shape.reduce(1, *)
    }

    /// Whether the copy is a plain contiguous copy (the permutation keeps every non-unit axis in order).
    package var isContiguous: Bool { sizes.count == 1 }

    /// Runs the copy; `input` and `output` must not overlap.
    package func run(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, threads: Int) {
        let rank = sizes.count
        if rank == 1 {
            output.update(from: input, count: count)
            return
        }
        if inStrides[rank - 1] == 1 {
            // Contiguous rows of the last dimension.
            let length = sizes[rank - 1], rows = count / length
            let outer = Array(sizes.dropLast()), strides = Array(inStrides.dropLast())
            let chunk = max(1, (1 << 15) / length)
            Parallel.forEach((rows + chunk - 1) / chunk, threads: threads) { p in
                let lo = p * chunk, hi = min(rows, lo + chunk)
                var coord = Self.coordinates(lo, outer)
                var src = zip(coord, strides).reduce(0) { $0 + $1.0 * $1.1 }
                for r in lo..<hi {
                    (output + r * length).update(from: input + src, count: length)
                    var d = outer.count - 1
                    while d >= 0 {
                        coord[d] += 1
                        src += strides[d]
                        if coord[d] < outer[d] { break }
                        src -= strides[d] * coord[d]
                        coord[d] = 0
                        d -= 1
                    }
                }
            }
            return
        }
        // The input's innermost axis is output axis j: for each position of the other axes, an [nl × nj] matrix
        // (rows `sl` apart) is written transposed (rows `oj` apart), 64 columns per work item.
        let j = inStrides.firstIndex(of: 1)!
        let nl = sizes[rank - 1], sl = inStrides[rank - 1], nj = sizes[j]
        var outStride = [Int](repeating: 1, count: rank)
        for d in (0..<(rank - 1)).reversed() { outStride[d] = outStride[d + 1] * sizes[d + 1] }
        let oj = outStride[j]
        let others = (0..<(rank - 1)).filter { $0 != j }
        let otherSizes = others.map { sizes[$0] }, otherIn = others.map { inStrides[$0] }, otherOut = others.map { outStride[$0] }
        let outerCount = otherSizes.reduce(1, *)
        let blocks = (nj + 63) / 64
        Parallel.forEach(outerCount * blocks, threads: threads) { t in
            let o = t / blocks, b = t % blocks
            let coord = Self.coordinates(o, otherSizes)
            var src = 0, dst = 0
            for (k, c) in coord.enumerated() { src += c * otherIn[k]; dst += c * otherOut[k] }
            let i0 = b * 64
            Self.transpose(input + src + i0, rowStride: sl, output + dst + i0 * oj, rowStride: oj, rows: nl, columns: min(64, nj - i0))
        }
    }

    /// `output[i][l] = input[l][i]` for `l < rows`, `i < columns`: whole 8 × 8 tiles in registers (three rounds of
    /// even/odd lane splits turn eight rows into eight columns), the edges one float at a time.
    @inline(__always)
    static func transpose(_ input: UnsafePointer<Float>, rowStride sl: Int, _ output: UnsafeMutablePointer<Float>, rowStride oj: Int,
                          rows: Int, columns: Int) {
        let fullRows = rows / 8 * 8, fullColumns = columns / 8 * 8
        for l0 in Swift.stride(from: 0, to: fullRows, by: 8) {
            for i0 in Swift.stride(from: 0, to: fullColumns, by: 8) {
                let s = input + l0 * sl + i0
                @inline(__always) func row(_ r: Int) -> SIMD8<Float> { UnsafeRawPointer(s + r * sl).loadUnaligned(as: SIMD8<Float>.self) }
                var t = (row(0), row(1), row(2), row(3), row(4), row(5), row(6), row(7))
                for _ in 0..<3 {
                    let p0 = SIMD16(lowHalf: t.0, highHalf: t.1), p1 = SIMD16(lowHalf: t.2, highHalf: t.3)
                    let p2 = SIMD16(lowHalf: t.4, highHalf: t.5), p3 = SIMD16(lowHalf: t.6, highHalf: t.7)
                    t = (p0.evenHalf, p1.evenHalf, p2.evenHalf, p3.evenHalf, p0.oddHalf, p1.oddHalf, p2.oddHalf, p3.oddHalf)
                }
                let d = output + i0 * oj + l0
                @inline(__always) func store(_ v: SIMD8<Float>, _ r: Int) { UnsafeMutableRawPointer(d + r * oj).storeBytes(of: v, as: SIMD8<Float>.self) }
                store(t.0, 0); store(t.1, 1); store(t.2, 2); store(t.3, 3); store(t.4, 4); store(t.5, 5); store(t.6, 6); store(t.7, 7)
            }
            for i in fullColumns..<columns { for l in l0..<(l0 + 8) { output[i * oj + l] = input[l * sl + i] } }
        }
        for l in fullRows..<rows { for i in 0..<columns { output[i * oj + l] = input[l * sl + i] } }
    }

    /// The coordinates of flat index `i` in `shape` (row-major).
    @inline(__always)
    static func coordinates(_ i: Int, _ shape: [Int]) -> [Int] {
        var c = [Int](repeating: 0, count: shape.count)
        var r = i
        for d in shape.indices.reversed() {
            c[d] = r % shape[d]
            r /= shape[d]
        }
        return c
    }
}

/// Copies rows of `rowLength` floats from precomputed input rows (−1: a row of zeros): any chain of
/// Reshape, Transpose, Slice, Concat and zero Pad that keeps the last axis whole, composed at plan time.
package struct RowGather: Sendable {
    package let rowLength: Int
    /// For each output row, its input row or −1.
    package let sources: [Int32]

    package init(rowLength: Int, sources: [Int32]) {
        self.rowLength = rowLength
        self.sources = sources
    }

    /// Gathers the rows, then clamps them to `epilogue`'s bounds and adds `residual` (a tensor of the output's
    /// shape, not overlapping it): the window reverse of a Swin block and its residual Add in one pass.
    package func run(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, epilogue: ConvEpilogue,
                     residual: UnsafePointer<Float>?, threads: Int) {
        guard residual != nil || epilogue != .none else { return run(input, output, threads: threads) }
        let n = rowLength, rows = sources.count
        let (lower, upper) = epilogue.bounds
        let lo = SIMD8<Float>(repeating: lower), hi = SIMD8<Float>(repeating: upper)
        sources.withUnsafeBufferPointer { table in
            nonisolated(unsafe) let t = table.baseAddress!
            let chunk = max(1, (1 << 15) / max(n, 1))
            Parallel.forEach((rows + chunk - 1) / chunk, threads: threads) { p in
                for r in (p * chunk)..<min(rows, p * chunk + chunk) {
                    let s = Int(t[r]), dst = output + r * n, add = residual.map { $0 + r * n }
                    @inline(__always) func value(_ j: Int) -> Float {
                        let v = min(max(s >= 0 ? input[s * n + j] : 0, lower), upper)
                        return v + (add?[j] ?? 0)
                    }
                    var j = 0
                    while j + 8 <= n {
                        var v = s >= 0 ? UnsafeRawPointer(input + s * n + j).loadUnaligned(as: SIMD8<Float>.self) : SIMD8<Float>()
                        v = SIMDMath.clamp(v, lo, hi)
                        if let add { v += UnsafeRawPointer(add + j).loadUnaligned(as: SIMD8<Float>.self) }
                        UnsafeMutableRawPointer(dst + j).storeBytes(of: v, as: SIMD8<Float>.self)
                        j += 8
                    }
                    while j < n { dst[j] = value(j); j += 1 }
                }
            }
        }
    }

    package func run(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, threads: Int) {
        let n = rowLength, rows = sources.count
        sources.withUnsafeBufferPointer { table in
            nonisolated(unsafe) let t = table.baseAddress!
            let chunk = max(1, (1 << 15) / max(n, 1))
            Parallel.forEach((rows + chunk - 1) / chunk, threads: threads) { p in
                let lo = p * chunk, hi = min(rows, lo + chunk)
                for r in lo..<hi {
                    let s = Int(t[r])
                    if s >= 0 { (output + r * n).update(from: input + s * n, count: n) }
                    else { (output + r * n).update(repeating: 0, count: n) }
                }
            }
        }
    }
}
