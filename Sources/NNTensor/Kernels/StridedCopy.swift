/// A copy that reads its source through arbitrary strides and writes its destination contiguously: a
/// transpose, a broadcast (stride 0), a tile, for elements of any type. The layout is worked out once:
/// unit axes dropped and axes merged where the source is contiguous across them.
package struct StridedCopy: Sendable {
    let dims: [Int], strides: [Int]
    /// Elements written.
    package let count: Int

    /// Copies `shape` elements, element `(i₀, i₁, …)` read at `Σ iₖ · strides[k]` of the source.
    package init(shape: [Int], strides: [Int]) {
        var dims: [Int] = [], st: [Int] = []
        for k in 0..<shape.count where shape[k] != 1 {
            if let last = dims.indices.last, st[last] == strides[k] * shape[k] {
                dims[last] *= shape[k]
                st[last] = strides[k]
            } else {
                dims.append(shape[k]); st.append(strides[k])
            }
        }
        self.dims = dims.isEmpty ? [1] : dims
        self.strides = st.isEmpty ? [0] : st
        count = shape.reduce(1, *)
    }

    /// A transpose: output axis `k` is input axis `perm[k]`.
    package init(transposing shape: [Int], perm: [Int]) {
        let s = Tensor.contiguousStrides(shape)
        self.init(shape: perm.map { shape[$0] }, strides: perm.map { s[$0] })
    }

    /// Runs the copy, rows split over `threads` when large.
    package func run<T>(_ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, threads: Int) {
        guard count > 0 else { return }
        let inner = dims[dims.count - 1], step = strides[strides.count - 1]
        let rows = count / inner
        let outerDims = dims.dropLast(), outerStrides = strides.dropLast()
        Parallel.forRanges(rows, threads: count >= 1 << 16 ? threads : 1) { _, range in
            // The source offset of the range's first row, then advanced like an odometer.
            var counter = [Int](repeating: 0, count: outerDims.count)
            var rem = range.lowerBound, offset = 0
            for d in stride(from: outerDims.count - 1, through: 0, by: -1) {
                counter[d] = rem % outerDims[outerDims.startIndex + d]
                rem /= outerDims[outerDims.startIndex + d]
                offset += counter[d] * outerStrides[outerStrides.startIndex + d]
            }
            for r in range {
                let src = x + offset, dst = y + r * inner
                if step == 1 { dst.update(from: src, count: inner) } else { for i in 0..<inner { dst[i] = src[i * step] } }
                var d = outerDims.count - 1
                while d >= 0 {
                    counter[d] += 1
                    offset += outerStrides[outerStrides.startIndex + d]
                    if counter[d] < outerDims[outerDims.startIndex + d] { break }
                    offset -= counter[d] * outerStrides[outerStrides.startIndex + d]
                    counter[d] = 0
                    d -= 1
                }
            }
        }
    }
}
