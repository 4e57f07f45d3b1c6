import NNTensor

/// Window means in O(1) per pixel, whatever the radius.
enum BoxFilter {
    /// The mean of `source` over the `(2r + 1) × (2r + 1)` window around each pixel, the window clipped to the
    /// plane (so edge pixels average fewer values). Running sums are kept in double precision: the guided
    /// filter subtracts means of squares from squared means, and float sums would drift along a 1500-pixel column.
    static func mean(_ source: [Float], width w: Int, height h: Int, radius r: Int, threads: Int) -> [Float] {
        var out = [Float](repeating: 0, count: w * h)
        guard w > 0, h > 0 else { return out }
        var columns = [Float](repeating: 0, count: w * h)
        source.withUnsafeBufferPointer { src in
            columns.withUnsafeMutableBufferPointer { col in
                let s = src.baseAddress!, c = col.baseAddress!
                // Vertical pass: running sums down each column, split into stripes of columns.
                Parallel.forRanges(w, threads: threads) { _, xs in
                    var acc = [Double](repeating: 0, count: xs.count)
                    acc.withUnsafeMutableBufferPointer { a in
                        for y in 0...min(r, h - 1) {
                            for (k, x) in xs.enumerated() { a[k] += Double(s[y * w + x]) }
                        }
                        for y in 0..<h {
                            let n = Double(min(y + r, h - 1) - max(y - r, 0) + 1)
                            for (k, x) in xs.enumerated() { c[y * w + x] = Float(a[k] / n) }
                            let add = y + r + 1, drop = y - r
                            if add < h { for (k, x) in xs.enumerated() { a[k] += Double(s[add * w + x]) } }
                            if drop >= 0 { for (k, x) in xs.enumerated() { a[k] -= Double(s[drop * w + x]) } }
                        }
                    }
                }
            }
        }
        columns.withUnsafeBufferPointer { col in
            out.withUnsafeMutableBufferPointer { dst in
                let c = col.baseAddress!, d = dst.baseAddress!
                Parallel.forEach(h, threads: threads) { y in
                    let row = c + y * w, o = d + y * w
                    var acc = 0.0
                    for x in 0...min(r, w - 1) { acc += Double(row[x]) }
                    for x in 0..<w {
                        let n = Double(min(x + r, w - 1) - max(x - r, 0) + 1)
                        o[x] = Float(acc / n)
                        if x + r + 1 < w { acc += Double(row[x + r + 1]) }
                        if x - r >= 0 { acc -= Double(row[x - r]) }
                    }
                }
            }
        }
        return out
    }
}
