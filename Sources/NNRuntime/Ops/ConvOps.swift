import NNTensor

/// Conv (2-D, NCHW) and pooling.
enum ConvOps {
    /// Explicit pads `[top, left, bottom, right]` for a 2-D window, honouring `auto_pad`.
    static func pads2D(_ c: NodeContext, input: [Int], kernel: [Int], strides: [Int], dilations: [Int]) throws -> [Int] {
        let autoPad = c.string("auto_pad") ?? "NOTSET"
        switch autoPad {
        case "NOTSET":
            let p = c.ints("pads") ?? [0, 0, 0, 0]
            guard p.count == 4, p.allSatisfy({ $0 >= 0 }) else { throw c.invalid("pads \(p) (4 non-negative values expected)") }
            return p
        case "VALID":
            return [0, 0, 0, 0]
        case "SAME_UPPER", "SAME_LOWER":
            var begin = [0, 0], end = [0, 0]
            for i in 0..<2 {
                let out = (input[i] + strides[i] - 1) / strides[i]
                let total = max(0, (out - 1) * strides[i] + dilations[i] * (kernel[i] - 1) + 1 - input[i])
                let small = total / 2
                begin[i] = autoPad == "SAME_UPPER" ? small : total - small
                end[i] = total - begin[i]
            }
            return [begin[0], begin[1], end[0], end[1]]
        default:
            throw c.unsupported("auto_pad \(autoPad)")
        }
    }

    static func conv(_ c: NodeContext) throws -> NodeResult {
        let x = try c.input(0)
        let w = try c.input(1)
        // The fast kernels take 2-D convolutions with weights known when planning; the rest run as loops.
        guard x.shape.count == 4, w.shape.count == 4, w.constant != nil, x.dtype == .float32 else {
            return try ConvReferenceOps.conv(c)
        }
        let weights = w.constant!
        let bias = try c.optionalInput(2).map { _ in try c.constantInput(2).floats }
        let groups = c.int("group", default: 1)
        let kernel = c.ints("kernel_shape") ?? [w.shape[2], w.shape[3]]
        let strides = c.ints("strides") ?? [1, 1]
        let dilations = c.ints("dilations") ?? [1, 1]
        guard kernel == [w.shape[2], w.shape[3]], strides.count == 2, dilations.count == 2,
              strides.allSatisfy({ $0 > 0 }), dilations.allSatisfy({ $0 > 0 }) else {
            throw c.invalid("kernel_shape \(kernel), strides \(strides), dilations \(dilations) for weight \(w.shape)")
        }
        guard groups > 0, x.shape[1] == w.shape[1] * groups, w.shape[0] % groups == 0 else {
            throw c.invalid("input channels \(x.shape[1]), weight \(w.shape), group \(groups)")
        }
        if let bias, bias.count != w.shape[0] { throw c.invalid("bias has \(bias.count) values for \(w.shape[0]) output channels") }
        let pads = try pads2D(c, input: [x.shape[2], x.shape[3]], kernel: kernel, strides: strides, dilations: dilations)
        var g = Conv2DGeometry(batch: x.shape[0], inChannels: x.shape[1], inHeight: x.shape[2], inWidth: x.shape[3],
                               outChannels: w.shape[0], kernelHeight: kernel[0], kernelWidth: kernel[1])
        g.strideY = strides[0]; g.strideX = strides[1]
        g.dilationY = dilations[0]; g.dilationX = dilations[1]
        g.padTop = pads[0]; g.padLeft = pads[1]; g.padBottom = pads[2]; g.padRight = pads[3]
        g.groups = groups
        guard g.outHeight > 0, g.outWidth > 0 else { throw c.invalid("output would be empty for input \(x.shape)") }
        let wv = weights.floats
        let geometry = g
        let choice = c.options.convolution
        // Winograd where a 3×3 convolution has enough channels and pixels for its transforms to pay: 40 pixels
        // across or more (below that most of a 16-tile step is padding, and the transformed weights take 4× the
        // memory of the direct kernel's), or 16 and more when both sides have 32 channels or more — there the
        // channel products dominate the padding. Measured at 16–32 pixels across (`u2net-run bench --convolution`,
        // 2 threads, single-convolution graphs): 64→768 2.5 ms against 8.3 direct and 6.0 im2col, 768→64 3.8
        // against 7.9, 1440→64 10.0 against 13.8 im2col, 64→64 at 20×20 0.2 against 0.4; 16-channel sides gain nothing.
        let plain3x3 = WinogradF43.supports(g)
        let wideEnough = g.outWidth >= 40 || (g.outWidth >= 16 && g.inChannels >= 32 && g.outChannels >= 32)
        let winogradPays = g.outChannels >= 8 && g.inChannels >= 8 && wideEnough
        let f43 = plain3x3 && (choice == .winograd || (choice == .automatic && winogradPays))
        let f23 = plain3x3 && choice == .winograd2x2
        // Very long patches (thousands of input channels) multiply faster through sgemm.
        let direct = choice != .im2col && Conv2DDirect.supports(g) && !(choice == .automatic && g.patchSize >= 8192)
        let outputs: [(shape: [Int], dtype: DType)] = [([g.batch, g.outChannels, g.outHeight, g.outWidth], .float32)]
        if choice != .im2col && DepthwiseConv3x3.supports(g) {
            let op = ConvolutionOp(multiplyAdds: g.multiplyAdds) { fusion -> Kernel in
                DepthwiseKernel(DepthwiseConv3x3(geometry: geometry, weights: wv, bias: bias, epilogue: fusion.epilogue))
            }
            return .runtime(outputs: outputs, op: op)
        }
        guard f43 || f23 || direct else {
            let op = ResidualConvolutionOp(multiplyAdds: g.multiplyAdds) { fusion -> Kernel in
                ConvKernel(Conv2DIm2col(geometry: geometry, weights: wv, bias: bias, epilogue: fusion.epilogue),
                           residualSlot: fusion.residualSlot)
            }
            return .runtime(outputs: outputs, op: op)
        }
        let build = { (fusion: ConvolutionFusion) -> Kernel in
            let conv: any ScratchConvolution
            if f43 { conv = WinogradF43(geometry: geometry, weights: wv, bias: bias, epilogue: fusion.epilogue) }
            else if f23 { conv = WinogradF23(geometry: geometry, weights: wv, bias: bias, epilogue: fusion.epilogue) }
            else { conv = Conv2DDirect(geometry: geometry, weights: wv, bias: bias, epilogue: fusion.epilogue) }
            return ScratchConvKernel(conv, residualSlot: fusion.residualSlot, segments: fusion.inputSegments)
        }
        // Segments are channel planes of one image: batch 1 only.
        let op = g.batch == 1 ? BandedConvolutionOp(multiplyAdds: g.multiplyAdds, build: build)
            : ResidualConvolutionOp(multiplyAdds: g.multiplyAdds, build: build)
        return .runtime(outputs: outputs, op: op)
    }

    static func maxPool(_ c: NodeContext) throws -> NodeResult {
        let x = try c.input(0)
        guard x.shape.count == 4 else { throw c.unsupported("only 2-D pooling (rank-4 input) is supported; got \(x.shape)") }
        try ShapeOps.requireFloat(c, x)
        if c.node.outputs.count > 1 && !c.node.outputs[1].isEmpty { throw c.unsupported("the Indices output") }
        if c.int("storage_order", default: 0) != 0 { throw c.unsupported("storage_order 1") }
        guard let kernel = c.ints("kernel_shape"), kernel.count == 2 else { throw c.invalid("kernel_shape must have 2 values") }
        let strides = c.ints("strides") ?? [1, 1]
        let dilations = c.ints("dilations") ?? [1, 1]
        guard strides.count == 2, dilations.count == 2, strides.allSatisfy({ $0 > 0 }), dilations.allSatisfy({ $0 > 0 }) else {
            throw c.invalid("strides \(strides), dilations \(dilations)")
        }
        let pads = try pads2D(c, input: [x.shape[2], x.shape[3]], kernel: kernel, strides: strides, dilations: dilations)
        var g = Pool2DGeometry(planes: x.shape[0] * x.shape[1], inHeight: x.shape[2], inWidth: x.shape[3],
                               kernelHeight: kernel[0], kernelWidth: kernel[1])
        g.strideY = strides[0]; g.strideX = strides[1]
        g.dilationY = dilations[0]; g.dilationX = dilations[1]
        g.padTop = pads[0]; g.padLeft = pads[1]; g.padBottom = pads[2]; g.padRight = pads[3]
        g.ceilMode = c.int("ceil_mode", default: 0) == 1
        guard g.outHeight > 0, g.outWidth > 0 else { throw c.invalid("output would be empty for input \(x.shape)") }
        let geometry = g
        return .runtime(outputs: [([x.shape[0], x.shape[1], g.outHeight, g.outWidth], .float32)],
                        op: PlannedOp("MaxPool") { MaxPoolKernel(geometry) })
    }
}

/// "3x3", "3x3 d2", "1x1 s2": a convolution's window as profiles group it.
func windowDescription(_ g: Conv2DGeometry) -> String {
    var s = "\(g.kernelHeight)x\(g.kernelWidth)"
    if g.dilationY > 1 || g.dilationX > 1 { s += " d\(max(g.dilationY, g.dilationX))" }
    if g.strideY > 1 || g.strideX > 1 { s += " s\(max(g.strideY, g.strideX))" }
    if g.groups > 1 { s += " g\(g.groups)" }
    return s
}

final class ConvKernel: ResidualKernel {
    let conv: Conv2DIm2col
    let residualSlot: Int?
    init(_ conv: Conv2DIm2col, residualSlot: Int?) {
        self.conv = conv
        self.residualSlot = residualSlot
    }
    var algorithm: String { "im2col " + windowDescription(conv.geometry) }
    func scratchFloats(threads: Int) -> Int { conv.scratchFloatsPerThread * threads }
    func run(_ io: KernelIO) {
        conv.run(input: io.input(0), output: io.output(0), scratch: io.scratch, threads: io.threads, residual: residual(io))
    }
}

/// Depthwise 3 × 3 convolution (``DepthwiseConv3x3``).
final class DepthwiseKernel: Kernel {
    let conv: DepthwiseConv3x3
    init(_ conv: DepthwiseConv3x3) { self.conv = conv }
    var algorithm: String { "depthwise " + windowDescription(conv.geometry) }
    func scratchFloats(threads: Int) -> Int { conv.scratchFloats(threads: threads) }
    func run(_ io: KernelIO) { conv.run(input: io.input(0), output: io.output(0), scratch: io.scratch, threads: io.threads) }
}

/// Runs any of the scratch-using convolutions (direct, Winograd).
final class ScratchConvKernel: ResidualKernel {
    let conv: any ScratchConvolution
    let residualSlot: Int?
    /// Each input segment's channels and resize (step inputs 0…) when the input is a Concat read in
    /// place or a Resize read row by row.
    let segments: [InputSegment]?
    init(_ conv: any ScratchConvolution, residualSlot: Int?, segments: [InputSegment]?) {
        self.conv = conv
        self.residualSlot = residualSlot
        self.segments = segments
    }
    var algorithm: String {
        let name: String
        switch conv {
        case is WinogradF43: name = "winograd F(4x4,3x3)"
        case is WinogradF23: name = "winograd F(2x2,3x3)"
        default: name = "direct"
        }
        return name + " " + windowDescription(conv.geometry)
    }
    func scratchFloats(threads: Int) -> Int { conv.scratchFloats(threads: threads) }
    func run(_ io: KernelIO) {
        let planeSize = conv.geometry.inHeight * conv.geometry.inWidth
        let input: ChannelPlanes
        if let segments {
            input = ChannelPlanes(planeSize: planeSize, count: segments.count) {
                ChannelPlanes.Segment(tensor: io.input($0), channels: segments[$0].channels, resize: segments[$0].resize)
            }
        } else {
            input = ChannelPlanes(io.input(0), planeSize: planeSize)
        }
        conv.run(input: input, output: io.output(0), scratch: io.scratch, threads: io.threads, residual: residual(io))
    }
}

final class MaxPoolKernel: Kernel {
    let geometry: Pool2DGeometry
    init(_ g: Pool2DGeometry) { geometry = g }
    func run(_ io: KernelIO) {
        Pool2D.max(geometry, input: io.input(0), output: io.output(0), threads: io.threads)
    }
}
