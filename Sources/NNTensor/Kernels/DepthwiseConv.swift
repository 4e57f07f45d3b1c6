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

    /// Width of a padded plane, in floats: with 16 floats of slack, so whole vectors can be read past the
    /// last column.
    var paddedWidth: Int { geometry.inWidth + geometry.padLeft + geometry.padRight + 16 }
    var paddedHeight: Int { geometry.inHeight + geometry.padTop + geometry.padBottom }
    /// Where each thread's padded plane and output row lie in the scratch.
    package var scratchLayout: ScratchLayout { ScratchLayout(paddedWidth: paddedWidth, paddedHeight: paddedHeight) }

    /// Scratch per thread: one padded plane and one full-resolution output row.
    package func scratchFloats(threads: Int) -> Int { scratchLayout.floats(threads: threads) }

    package func run(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>,
                    threads: Int) {
        let g = geometry
        let planes = g.batch * g.inChannels
        let pw = paddedWidth
        let layout = scratchLayout
        let scratch = ScratchRegion(scratch, count: layout.floats(threads: threads))
        let (lo, hi) = epilogue.bounds
        let loV = SIMD8<Float>(repeating: lo), hiV = SIMD8<Float>(repeating: hi)
        let stride = g.strideX
        let outW = g.outWidth, outH = g.outHeight
        // Full-resolution outputs computed per row: enough columns for every strided output.
        let rowWidth = (outW - 1) * stride + 1
        weights.withUnsafeBufferPointer { wb in bias.withUnsafeBufferPointer { bb in
            let w = wb.baseAddress!, b = bb.baseAddress!
            Parallel.forRanges(planes, threads: threads) { worker, range in
                let areas = layout.areas(worker: worker, in: scratch)
                let plane = areas.plane, row = areas.row
                for p in range {
                    let c = p % g.inChannels
                    // Zero-bordered copy of the plane.
                    plane.initialize(repeating: 0)
                    let src = input + p * g.inHeight * g.inWidth
                    for y in 0..<g.inHeight {
                        plane.subregion(at: (y + g.padTop) * pw + g.padLeft, count: g.inWidth).initialize(from: src + y * g.inWidth)
                    }
                    let k = w + c * 9
                    let taps = (0..<9).map { SIMD8<Float>(repeating: k[$0]) }
                    let biasV = SIMD8<Float>(repeating: b[c])
                    let dst = output + p * outH * outW
                    for oy in 0..<outH {
                        let top = oy * stride * pw
                        var x = 0
                        while x < rowWidth {
                            var acc = biasV
                            for ky in 0..<3 {
                                let r = top + ky * pw + x
                                acc.addProduct(taps[ky * 3], plane.load(SIMD8<Float>.self, at: r))
                                acc.addProduct(taps[ky * 3 + 1], plane.load(SIMD8<Float>.self, at: r + 1))
                                acc.addProduct(taps[ky * 3 + 2], plane.load(SIMD8<Float>.self, at: r + 2))
                            }
                            acc = acc.replacing(with: loV, where: acc .< loV).replacing(with: hiV, where: acc .> hiV)
                            row.store(acc, at: x)
                            x += 8
                        }
                        let out = dst + oy * outW
                        if stride == 1 {
                            out.update(from: row.pointer(at: 0, count: outW), count: outW)
                        } else {
                            for ox in 0..<outW { out[ox] = row[ox * stride] }
                        }
                    }
                }
            }
        }}
    }
}

extension DepthwiseConv3x3 {
    /// Where each thread's areas lie in the scratch of a ``DepthwiseConv3x3``, in floats: thread `w` owns
    /// ``threadFloats`` floats from `w · threadFloats`, its zero-bordered copy of one input plane and then
    /// one full-resolution output row. Both ``DepthwiseConv3x3/scratchFloats(threads:)`` and `run` take
    /// their numbers from here.
    package struct ScratchLayout: Equatable, PerThreadScratch {
        /// The padded plane: paddedHeight × paddedWidth floats.
        package let planeFloats: Int
        /// The output row at stride 1, written in whole 8-float vectors: paddedWidth + 16 floats.
        package let rowFloats: Int

        package init(paddedWidth: Int, paddedHeight: Int) {
            planeFloats = paddedWidth * paddedHeight
            rowFloats = paddedWidth + 16
        }

        /// One thread's share, in floats: the plane and the row.
        package var threadFloats: Int { planeFloats + rowFloats }

        /// One thread's areas.
        package struct Areas {
            package let plane: ScratchRegion
            package let row: ScratchRegion
        }

        /// The areas of thread `worker`, in `scratch` (``floats(threads:)`` floats for more than `worker`
        /// threads).
        @inline(__always)
        package func areas(worker: Int, in scratch: ScratchRegion) -> Areas {
            var rest = share(worker: worker, in: scratch)
            return Areas(plane: rest.carve(planeFloats), row: rest.carve(rowFloats))
        }
    }
}
