/// Depthwise 3 × 3 convolution (one filter per channel, stride 1 or 2, dilation 1): each plane is copied once
/// into a zero-bordered scratch plane, then every output row is nine vector multiply-adds per 8 pixels.
package final class DepthwiseConv3x3: @unchecked Sendable {
    package let geometry: Conv2DGeometry
    let weights: [Float]
    let bias: [Float]
    let epilogue: ConvEpilogue

    /// Whether `g` is a depthwise 3 × 3 convolution this kernel takes.
    package static func supports(_ g: Conv2DGeometry) -> Bool {
        g.groups == g.inChannels && g.inChannels == g.outChannels && g.kernelHeight == 3 && g.kernelWidth == 3
            && g.dilationY == 1 && g.dilationX == 1 && g.strideY == g.strideX && (g.strideX == 1 || g.strideX == 2)
            && g.padTop <= 2 && g.padLeft <= 2 && g.padBottom <= 2 && g.padRight <= 2
    }

    /// - Parameters: weights `channels × 1 × 3 × 3`; bias per channel or nil.
    package init(geometry: Conv2DGeometry, weights: [Float], bias: [Float]?, epilogue: ConvEpilogue) {
        precondition(Self.supports(geometry))
        self.geometry = geometry
        self.weights = weights
        self.bias = bias ?? [Float](repeating: 0, count: geometry.outChannels)
        self.epilogue = epilogue
    }

    var paddedWidth: Int { geometry.inWidth + geometry.padLeft + geometry.padRight + 16 }
    var paddedHeight: Int { geometry.inHeight + geometry.padTop + geometry.padBottom }

    /// Scratch per thread: one padded plane and one full-resolution output row.
    package func scratchFloats(threads: Int) -> Int { threads * (paddedWidth * paddedHeight + paddedWidth + 16) }

    package func run(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>,
                    threads: Int) {
        let g = geometry
        let planes = g.batch * g.inChannels
        let pw = paddedWidth, ph = paddedHeight
        let perThread = pw * ph + pw + 16
        let (lo, hi) = epilogue.bounds
        let loV = SIMD8<Float>(repeating: lo), hiV = SIMD8<Float>(repeating: hi)
        let stride = g.strideX
        let outW = g.outWidth, outH = g.outHeight
        // Full-resolution outputs computed per row: enough columns for every strided output.
        let rowWidth = (outW - 1) * stride + 1
        weights.withUnsafeBufferPointer { wb in bias.withUnsafeBufferPointer { bb in
            let w = wb.baseAddress!, b = bb.baseAddress!
            Parallel.forRanges(planes, threads: threads) { worker, range in
                let plane = scratch + worker * perThread
                let row = plane + pw * ph
                for p in range {
                    let c = p % g.inChannels
                    // Zero-bordered copy of the plane.
                    plane.initialize(repeating: 0, count: pw * ph)
                    let src = input + p * g.inHeight * g.inWidth
                    for y in 0..<g.inHeight {
                        (plane + (y + g.padTop) * pw + g.padLeft).update(from: src + y * g.inWidth, count: g.inWidth)
                    }
                    let k = w + c * 9
                    let taps = (0..<9).map { SIMD8<Float>(repeating: k[$0]) }
                    let biasV = SIMD8<Float>(repeating: b[c])
                    let dst = output + p * outH * outW
                    for oy in 0..<outH {
                        let top = plane + oy * stride * pw
                        var x = 0
                        while x < rowWidth {
                            var acc = biasV
                            for ky in 0..<3 {
                                let r = UnsafeRawPointer(top + ky * pw + x)
                                acc.addProduct(taps[ky * 3], r.loadUnaligned(as: SIMD8<Float>.self))
                                acc.addProduct(taps[ky * 3 + 1], r.loadUnaligned(fromByteOffset: 4, as: SIMD8<Float>.self))
                                acc.addProduct(taps[ky * 3 + 2], r.loadUnaligned(fromByteOffset: 8, as: SIMD8<Float>.self))
                            }
                            acc = acc.replacing(with: loV, where: acc .< loV).replacing(with: hiV, where: acc .> hiV)
                            UnsafeMutableRawPointer(row + x).storeBytes(of: acc, as: SIMD8<Float>.self)
                            x += 8
                        }
                        let out = dst + oy * outW
                        if stride == 1 {
                            out.update(from: row, count: outW)
                        } else {
                            for ox in 0..<outW { out[ox] = row[ox * stride] }
                        }
                    }
                }
            }
        }}
    }
}
