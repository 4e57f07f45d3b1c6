/// Concatenation by block copies.
package enum Concat {
    /// Concatenates inputs along an axis. For each input, `blocks[i]` is the number of contiguous
    /// floats it contributes per outer index (its size from the axis inward); `outer` is the product
    /// of the dimensions before the axis.
    package static func run(inputs srcs: UnsafeBufferPointer<UnsafePointer<Float>>, blocks: [Int], outer: Int,
                           output: UnsafeMutablePointer<Float>, threads: Int) {
        let total = blocks.reduce(0, +)
        do {
            blocks.withUnsafeBufferPointer { sizes in
                Parallel.forEach(outer, threads: outer * total >= 1 << 16 ? threads : 1) { o in
                    var dst = output + o * total
                    for i in 0..<srcs.count {
                        let n = sizes[i]
                        dst.update(from: srcs[i] + o * n, count: n)
                        dst += n
                    }
                }
            }
        }
    }
}
