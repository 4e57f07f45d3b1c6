import NNTensor

/// Ops that sample an image at computed positions: GridSample (opset 16 on, 4-D) and DeformConv (opset 19).
enum SamplingOps {
    static func gridSample(_ c: NodeContext) throws -> NodeResult {
        let x = try c.input(0), grid = try c.input(1)
        guard x.shape.count == 4 else { throw c.unsupported("GridSample of a rank-\(x.shape.count) input (4-D only)") }
        guard grid.shape.count == 4, grid.shape[0] == x.shape[0], grid.shape[3] == 2 else {
            throw c.invalid("grid \(grid.shape) for input \(x.shape)")
        }
        try ShapeOps.requireFloat(c, x)
        try ShapeOps.requireFloat(c, grid)
        let mode: GridSample.Mode
        switch c.string("mode") ?? (c.opset >= 20 ? "linear" : "bilinear") {
        case "bilinear", "linear": mode = .linear
        case "nearest": mode = .nearest
        case "bicubic", "cubic": mode = .cubic
        case let other: throw c.unsupported("mode '\(other)'")
        }
        let padding: GridSample.Padding
        switch c.string("padding_mode") ?? "zeros" {
        case "zeros": padding = .zeros
        case "border": padding = .border
        case "reflection": padding = .reflection
        case let other: throw c.unsupported("padding_mode '\(other)'")
        }
        let sampler = GridSample(mode: mode, padding: padding, alignCorners: c.int("align_corners", default: 0) != 0,
                                 batch: x.shape[0], channels: x.shape[1], inHeight: x.shape[2], inWidth: x.shape[3],
                                 outHeight: grid.shape[1], outWidth: grid.shape[2])
        guard x.shape[2] > 0, x.shape[3] > 0 else { throw c.invalid("empty input \(x.shape)") }
        let states = c.inputs
        return .runtime(outputs: [([x.shape[0], x.shape[1], grid.shape[1], grid.shape[2]], x.dtype)],
                        op: PlannedOp("GridSample") { GridSampleKernel(sampler, operands: Operands(states)) })
    }

    /// DeformConv: X, W (known when planning), offset, optional B (known) and mask.
    static func deformConv(_ c: NodeContext) throws -> NodeResult {
        let x = try c.input(0), w = try c.input(1), offset = try c.input(2)
        guard x.shape.count == 4, w.shape.count == 4 else { throw c.unsupported("DeformConv of rank \(x.shape.count) (2-D only)") }
        for s in [x, offset] { try ShapeOps.requireFloat(c, s) }
        guard let weights = w.constant else { throw c.unsupported("weights computed at run time") }
        let bias = try c.optionalInput(3).map { _ in try c.constantInput(3).floats }
        let mask = c.optionalInput(4)
        let groups = c.int("group", default: 1), offsetGroups = c.int("offset_group", default: 1)
        let kernel = c.ints("kernel_shape") ?? [w.shape[2], w.shape[3]]
        let strides = c.ints("strides") ?? [1, 1], dilations = c.ints("dilations") ?? [1, 1]
        let pads = c.ints("pads") ?? [0, 0, 0, 0]
        guard kernel == [w.shape[2], w.shape[3]], strides.count == 2, dilations.count == 2, pads.count == 4,
              strides.allSatisfy({ $0 > 0 }), dilations.allSatisfy({ $0 > 0 }), pads.allSatisfy({ $0 >= 0 }) else {
            throw c.invalid("kernel_shape \(kernel), strides \(strides), dilations \(dilations), pads \(pads) for weight \(w.shape)")
        }
        guard groups > 0, offsetGroups > 0, x.shape[1] == w.shape[1] * groups, w.shape[0] % groups == 0,
              x.shape[1] % offsetGroups == 0 else {
            throw c.invalid("input channels \(x.shape[1]), weight \(w.shape), group \(groups), offset_group \(offsetGroups)")
        }
        if let bias, bias.count != w.shape[0] { throw c.invalid("bias has \(bias.count) values for \(w.shape[0]) output channels") }
        let g = DeformConvGeometry(batch: x.shape[0], inChannels: x.shape[1], inHeight: x.shape[2], inWidth: x.shape[3],
                                   outChannels: w.shape[0], kernelHeight: kernel[0], kernelWidth: kernel[1],
                                   strideY: strides[0], strideX: strides[1], padTop: pads[0], padLeft: pads[1],
                                   padBottom: pads[2], padRight: pads[3], dilationY: dilations[0], dilationX: dilations[1],
                                   groups: groups, offsetGroups: offsetGroups)
        guard g.outHeight > 0, g.outWidth > 0 else { throw c.invalid("output would be empty for input \(x.shape)") }
        let taps = offsetGroups * g.kernelArea
        guard offset.shape == [g.batch, 2 * taps, g.outHeight, g.outWidth] else {
            throw c.invalid("offset \(offset.shape), expected \([g.batch, 2 * taps, g.outHeight, g.outWidth])")
        }
        if let mask {
            try ShapeOps.requireFloat(c, mask)
            guard mask.shape == [g.batch, taps, g.outHeight, g.outWidth] else {
                throw c.invalid("mask \(mask.shape), expected \([g.batch, taps, g.outHeight, g.outWidth])")
            }
        }
        // The kernel owns the weights and bias; the other operands are read where they lie.
        let wv = weights.floats, hasMask = mask != nil
        let states = c.inputs.enumerated().map { $0.offset == 1 || $0.offset == 3 ? nil : $0.element }
        let multiplyAdds = g.batch * g.outChannels * g.outHeight * g.outWidth * g.patchSize
        return .runtime(outputs: [([g.batch, g.outChannels, g.outHeight, g.outWidth], x.dtype)],
                        op: PlannedOp("DeformConv", multiplyAdds: multiplyAdds) {
                            DeformConvKernel(DeformConv2D(geometry: g, weights: wv, bias: bias), hasMask: hasMask,
                                             operands: Operands(states))
                        })
    }
}

final class GridSampleKernel: Kernel {
    let sampler: GridSample, operands: Operands
    init(_ sampler: GridSample, operands: Operands) { self.sampler = sampler; self.operands = operands }
    func run(_ io: KernelIO) {
        sampler.run(input: operands.pointer(0, io, as: Float.self), grid: operands.pointer(1, io, as: Float.self),
                    output: io.output(0), threads: io.threads)
    }
}

final class DeformConvKernel: Kernel {
    let conv: DeformConv2D, hasMask: Bool, operands: Operands
    init(_ conv: DeformConv2D, hasMask: Bool, operands: Operands) { self.conv = conv; self.hasMask = hasMask; self.operands = operands }

    func scratchFloats(threads: Int) -> Int { conv.scratchLayout.floats(threads: threads) }
    var algorithm: String { "sampled columns + sgemm, \(conv.tileColumns) pixels per tile" }

    func run(_ io: KernelIO) {
        conv.run(input: operands.pointer(0, io, as: Float.self), offset: operands.pointer(2, io, as: Float.self),
                 mask: hasMask ? operands.pointer(4, io, as: Float.self) : nil, output: io.output(0), scratch: io.scratch,
                 threads: io.threads)
    }
}
