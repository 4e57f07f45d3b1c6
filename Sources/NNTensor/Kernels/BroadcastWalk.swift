/// The rows of a broadcast element-wise op over up to three operands, worked out once when planning:
/// unit axes dropped and neighbouring axes merged where every operand is laid out contiguously across them,
/// so a walk visits few, long rows. Operand strides are in elements (0 on broadcast axes).
package struct BroadcastWalk: Sendable {
    /// Elements per row (the merged innermost axis) and rows.
    package let inner: Int, rows: Int
    /// Each operand's stride along the row (0 or 1 after merging a contiguous axis; any value in general).
    package let rowStrides: [Int]
    let outerDims: [Int]
    let outerStrides: [[Int]]

    /// The walk of operands of `shapes` broadcast to `outShape` (which they must broadcast to).
    package init(_ shapes: [[Int]], to outShape: [Int]) {
        let full = shapes.map { Elementwise.broadcastStrides($0, to: outShape) }
        var dims: [Int] = [], strides: [[Int]] = shapes.map { _ in [] }
        for k in 0..<outShape.count where outShape[k] != 1 {
            if let last = dims.indices.last, (0..<shapes.count).allSatisfy({ strides[$0][last] == full[$0][k] * outShape[k] }) {
                dims[last] *= outShape[k]
                for j in 0..<shapes.count { strides[j][last] = full[j][k] }
            } else {
                dims.append(outShape[k])
                for j in 0..<shapes.count { strides[j].append(full[j][k]) }
            }
        }
        inner = dims.last ?? 1
        rows = outShape.reduce(1, *) == 0 ? 0 : dims.dropLast().reduce(1, *)
        rowStrides = strides.map { $0.last ?? 0 }
        outerDims = Array(dims.dropLast())
        outerStrides = strides.map { Array($0.dropLast()) }
    }

    /// Offset of operand `j`'s first element of row `r`.
    @inline(__always)
    package func offset(row r: Int, operand j: Int) -> Int {
        var rem = r, off = 0
        let s = outerStrides[j]
        for d in stride(from: outerDims.count - 1, through: 0, by: -1) {
            off += (rem % outerDims[d]) * s[d]
            rem /= outerDims[d]
        }
        return off
    }

    /// `y[i] = f(a[i], b[i])` over the broadcast, rows split over `threads` when the work is large.
    @inline(__always)
    package func map2<A, B, R>(_ a: UnsafePointer<A>, _ b: UnsafePointer<B>, _ y: UnsafeMutablePointer<R>, threads: Int,
                               _ f: (A, B) -> R) {
        let n = inner, sa = rowStrides[0], sb = rowStrides[1]
        Parallel.forEach(rows, threads: rows * n >= 1 << 15 ? threads : 1) { r in
            let pa = a + offset(row: r, operand: 0), pb = b + offset(row: r, operand: 1), py = y + r * n
            if sa == 1 && sb == 1 {
                for i in 0..<n { py[i] = f(pa[i], pb[i]) }
            } else if sb == 0 {
                let v = pb[0]
                for i in 0..<n { py[i] = f(pa[i * sa], v) }
            } else if sa == 0 {
                let v = pa[0]
                for i in 0..<n { py[i] = f(v, pb[i * sb]) }
            } else {
                for i in 0..<n { py[i] = f(pa[i * sa], pb[i * sb]) }
            }
        }
    }

    /// `y[i] = f(a[i], b[i], c[i])` over the broadcast.
    @inline(__always)
    package func map3<A, B, C, R>(_ a: UnsafePointer<A>, _ b: UnsafePointer<B>, _ c: UnsafePointer<C>,
                                  _ y: UnsafeMutablePointer<R>, threads: Int, _ f: (A, B, C) -> R) {
        let n = inner, sa = rowStrides[0], sb = rowStrides[1], sc = rowStrides[2]
        Parallel.forEach(rows, threads: rows * n >= 1 << 15 ? threads : 1) { r in
            let pa = a + offset(row: r, operand: 0), pb = b + offset(row: r, operand: 1)
            let pc = c + offset(row: r, operand: 2), py = y + r * n
            for i in 0..<n { py[i] = f(pa[i * sa], pb[i * sb], pc[i * sc]) }
        }
    }
}
