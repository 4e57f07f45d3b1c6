/// The geometry of a 2-D pooling window over NCHW tensors.
package struct Pool2DGeometry: Sendable, Equatable {
    package var planes: Int  // batch × channels
    package var inHeight: Int, inWidth: Int
    package var kernelHeight: Int, kernelWidth: Int
    package var strideY: Int = 1, strideX: Int = 1
    package var dilationY: Int = 1, dilationX: Int = 1
    package var padTop: Int = 0, padLeft: Int = 0, padBottom: Int = 0, padRight: Int = 0
    package var ceilMode = false

    package init(planes: Int, inHeight: Int, inWidth: Int, kernelHeight: Int, kernelWidth: Int) {
        self.planes = planes
        self.inHeight = inHeight
        self.inWidth = inWidth
        self.kernelHeight = kernelHeight
        self.kernelWidth = kernelWidth
    }

    /// Output length along one axis, with ONNX's rule for `ceil_mode`: a window that would start
    /// inside the trailing padding is dropped.
    package static func outputLength(input: Int, kernel: Int, stride: Int, dilation: Int,
                                    padBegin: Int, padEnd: Int, ceilMode: Bool) -> Int {
        let span = input + padBegin + padEnd - dilation * (kernel - 1) - 1
        guard span >= 0 else { return 0 }
        if !ceilMode { return span / stride + 1 }
        var n = (span + stride - 1) / stride + 1
        if (n - 1) * stride >= input + padBegin { n -= 1 }
        return n
    }

    package var outHeight: Int {
        Self.outputLength(input: inHeight, kernel: kernelHeight, stride: strideY, dilation: dilationY,
                          padBegin: padTop, padEnd: padBottom, ceilMode: ceilMode)
    }
    package var outWidth: Int {
        Self.outputLength(input: inWidth, kernel: kernelWidth, stride: strideX, dilation: dilationX,
                          padBegin: padLeft, padEnd: padRight, ceilMode: ceilMode)
    }
}

package enum Pool2D {
    /// Max pooling; padded positions are ignored (never win), as ONNX specifies.
    package static func max(_ g: Pool2DGeometry, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                           threads: Int) {
        let OH = g.outHeight, OW = g.outWidth, H = g.inHeight, W = g.inWidth
        let fast = g.kernelHeight == 2 && g.kernelWidth == 2 && g.strideY == 2 && g.strideX == 2
            && g.dilationY == 1 && g.dilationX == 1 && g.padTop == 0 && g.padLeft == 0
        Parallel.forEach(g.planes, threads: threads) { p in
            let src = input + p * H * W
            let dst = output + p * OH * OW
            for oy in 0..<OH {
                if fast && 2 * oy + 1 < H {
                    // 2×2/2 window fully inside vertically: two rows, pairs of columns.
                    let r0 = src + 2 * oy * W, r1 = r0 + W
                    let full = Swift.min(OW, W / 2)
                    for ox in 0..<full {
                        dst[oy * OW + ox] = Swift.max(Swift.max(r0[2 * ox], r0[2 * ox + 1]),
                                                      Swift.max(r1[2 * ox], r1[2 * ox + 1]))
                    }
                    for ox in full..<OW {
                        dst[oy * OW + ox] = windowMax(g, src, oy, ox)
                    }
                } else {
                    for ox in 0..<OW { dst[oy * OW + ox] = windowMax(g, src, oy, ox) }
                }
            }
        }
    }

    @inline(__always)
    static func windowMax(_ g: Pool2DGeometry, _ src: UnsafePointer<Float>, _ oy: Int, _ ox: Int) -> Float {
        var m = -Float.infinity
        for ky in 0..<g.kernelHeight {
            let iy = oy * g.strideY - g.padTop + ky * g.dilationY
            if iy < 0 || iy >= g.inHeight { continue }
            for kx in 0..<g.kernelWidth {
                let ix = ox * g.strideX - g.padLeft + kx * g.dilationX
                if ix < 0 || ix >= g.inWidth { continue }
                let v = src[iy * g.inWidth + ix]
                if v > m || v.isNaN { m = v }
            }
        }
        return m
    }
}
