import NNTensor

/// Convolutions the fast 2-D kernels do not take — 1-D and 3-D Conv, Conv whose weights arrive at run time,
/// and ConvTranspose of any rank — as direct loops in double precision.
enum ConvReferenceOps {
    /// The window attributes both ops share, checked against the weight's shape.
    static func window(_ c: NodeContext, _ x: ValueState, _ w: ValueState) throws
        -> (d: Int, groups: Int, kernel: [Int], strides: [Int], dilations: [Int]) {
        let d = x.shape.count - 2
        guard d >= 1, w.shape.count == d + 2 else { throw c.invalid("input \(x.shape), weight \(w.shape)") }
        let groups = c.int("group", default: 1)
        let kernel = c.ints("kernel_shape") ?? Array(w.shape.dropFirst(2))
        let strides = c.ints("strides") ?? [Int](repeating: 1, count: d)
        let dilations = c.ints("dilations") ?? [Int](repeating: 1, count: d)
        guard kernel == Array(w.shape.dropFirst(2)), strides.count == d, dilations.count == d, groups > 0 else {
            throw c.invalid("kernel_shape \(kernel), strides \(strides), dilations \(dilations) for weight \(w.shape)")
        }
        return (d, groups, kernel, strides, dilations)
    }

    /// Conv of any spatial rank.
    static func conv(_ c: NodeContext) throws -> NodeResult {
        let x = try c.input(0), w = try c.input(1)
        let (d, groups, kernel, strides, dilations) = try window(c, x, w)
        guard x.shape[1] == w.shape[1] * groups, w.shape[0] % groups == 0 else {
            throw c.invalid("input \(x.shape), weight \(w.shape), group \(groups)")
        }
        let spatial = Array(x.shape.dropFirst(2))
        let (out, before, _) = try PoolOps.windows(c, input: spatial, kernel: kernel, strides: strides, dilations: dilations, ceil: false)
        let outShape = [x.shape[0], w.shape[0]] + out
        return try TensorFunction(infer: { _ in [(outShape, x.dtype)] }) { args in
            let xv = TensorIndex.doubles(args[0]!), wv = TensorIndex.doubles(args[1]!)
            let bias = args.count > 2 ? args[2].map(TensorIndex.doubles) : nil
            let (n, cin, cout) = (x.shape[0], x.shape[1], w.shape[0])
            let cinG = cin / groups, coutG = cout / groups
            let inCount = spatial.reduce(1, *), outCount = out.reduce(1, *), taps = kernel.reduce(1, *)
            let inStrides = Tensor.contiguousStrides(spatial)
            var y = [Double](repeating: 0, count: n * cout * outCount)
            for o in 0..<outCount {
                var rem = o, start = [Int](repeating: 0, count: d)
                for i in (0..<d).reversed() { start[i] = (rem % out[i]) * strides[i] - before[i]; rem /= out[i] }
                // Input offsets of the window's taps (−1 outside).
                var offsets = [Int](repeating: -1, count: taps)
                for t in 0..<taps {
                    var r = t, offset = 0, inside = true
                    for i in (0..<d).reversed() {
                        let pos = start[i] + (r % kernel[i]) * dilations[i]
                        r /= kernel[i]
                        if pos < 0 || pos >= spatial[i] { inside = false }
                        offset += pos * inStrides[i]
                    }
                    if inside { offsets[t] = offset }
                }
                for b in 0..<n {
                    for co in 0..<cout {
                        let g = co / coutG
                        var s = bias?[co] ?? 0
                        for ci in 0..<cinG {
                            let plane = (b * cin + g * cinG + ci) * inCount, wBase = (co * cinG + ci) * taps
                            for t in 0..<taps where offsets[t] >= 0 { s += xv[plane + offsets[t]] * wv[wBase + t] }
                        }
                        y[(b * cout + co) * outCount + o] = s
                    }
                }
            }
            return [TensorIndex.make(outShape, y, like: x.dtype)]
        }.plan(c)
    }

    /// ConvTranspose of any spatial rank: strides, dilations, pads, output_padding, output_shape, auto_pad, group.
    static func convTranspose(_ c: NodeContext) throws -> NodeResult {
        let x = try c.input(0), w = try c.input(1)
        let (d, groups, kernel, strides, dilations) = try window(c, x, w)
        let outputPadding = c.ints("output_padding") ?? [Int](repeating: 0, count: d)
        guard outputPadding.count == d, x.shape[1] == w.shape[0], w.shape[0] % groups == 0 else {
            throw c.invalid("input \(x.shape), weight \(w.shape), group \(groups)")
        }
        let spatial = Array(x.shape.dropFirst(2))
        let autoPad = c.string("auto_pad") ?? "NOTSET"
        var before = [Int](repeating: 0, count: d), out = before
        let explicitShape = c.ints("output_shape").map { Array($0.suffix(d)) }
        for i in 0..<d {
            let full = strides[i] * (spatial[i] - 1) + outputPadding[i] + (kernel[i] - 1) * dilations[i] + 1
            if let shape = explicitShape ?? (autoPad.hasPrefix("SAME") ? spatial.map { $0 * strides[i] } : nil) {
                out[i] = shape[i]
                let total = full - out[i]
                // Floor division, as ONNX writes it (the total is negative when output_shape asks for more).
                let half = Int((Double(total) / 2).rounded(.down))
                before[i] = autoPad == "SAME_UPPER" ? half : total - half
            } else {
                let pads = c.ints("pads") ?? [Int](repeating: 0, count: 2 * d)
                guard pads.count == 2 * d else { throw c.invalid("pads \(pads)") }
                before[i] = pads[i]
                out[i] = full - pads[i] - pads[i + d]
            }
            guard out[i] > 0 else { throw c.invalid("empty output") }
        }
        let cout = w.shape[1] * groups
        let outShape = [x.shape[0], cout] + out
        return try TensorFunction(infer: { _ in [(outShape, x.dtype)] }) { args in
            let xv = TensorIndex.doubles(args[0]!), wv = TensorIndex.doubles(args[1]!)
            let bias = args.count > 2 ? args[2].map(TensorIndex.doubles) : nil
            let (n, cin) = (x.shape[0], x.shape[1])
            let cinG = cin / groups, coutG = w.shape[1]
            let inCount = spatial.reduce(1, *), outCount = out.reduce(1, *), taps = kernel.reduce(1, *)
            let outStrides = Tensor.contiguousStrides(out)
            var y = [Double](repeating: 0, count: n * cout * outCount)
            for b in 0..<n {
                for co in 0..<cout { if let bias { for o in 0..<outCount { y[(b * cout + co) * outCount + o] = bias[co] } } }
                for p in 0..<inCount {
                    var rem = p, pos = [Int](repeating: 0, count: d)
                    for i in (0..<d).reversed() { pos[i] = rem % spatial[i]; rem /= spatial[i] }
                    for t in 0..<taps {
                        var r = t, offset = 0, inside = true
                        for i in (0..<d).reversed() {
                            let o = pos[i] * strides[i] + (r % kernel[i]) * dilations[i] - before[i]
                            r /= kernel[i]
                            if o < 0 || o >= out[i] { inside = false }
                            offset += o * outStrides[i]
                        }
                        guard inside else { continue }
                        for ci in 0..<cin {
                            let g = ci / cinG
                            let xval = xv[(b * cin + ci) * inCount + p]
                            for k in 0..<coutG {
                                y[(b * cout + g * coutG + k) * outCount + offset] += xval * wv[(ci * coutG + k) * taps + t]
                            }
                        }
                    }
                }
            }
            return [TensorIndex.make(outShape, y, like: x.dtype)]
        }.plan(c)
    }
}
