import NNTensor

/// Pooling of any spatial rank (AveragePool, MaxPool beyond 2-D) and the global pools, as tensor functions.
enum PoolOps {
    /// Output sizes and leading pads for a pooling or convolution window over `input` spatial sizes.
    static func windows(_ c: NodeContext, input: [Int], kernel: [Int], strides: [Int], dilations: [Int],
                        ceil: Bool) throws -> (out: [Int], before: [Int], after: [Int]) {
        let d = input.count
        let autoPad = c.string("auto_pad") ?? "NOTSET"
        var before = [Int](repeating: 0, count: d), after = before, out = before
        for i in 0..<d {
            let span = (kernel[i] - 1) * dilations[i] + 1
            switch autoPad {
            case "SAME_UPPER", "SAME_LOWER":
                out[i] = (input[i] + strides[i] - 1) / strides[i]
                let total = Swift.max((out[i] - 1) * strides[i] + span - input[i], 0)
                before[i] = autoPad == "SAME_UPPER" ? total / 2 : total - total / 2
                after[i] = total - before[i]
            case "VALID":
                out[i] = (input[i] - span) / strides[i] + 1
            default:
                let pads = c.ints("pads") ?? [Int](repeating: 0, count: 2 * d)
                guard pads.count == 2 * d else { throw c.invalid("pads \(pads)") }
                before[i] = pads[i]; after[i] = pads[i + d]
                let room = input[i] + before[i] + after[i] - span
                out[i] = (ceil ? (room + strides[i] - 1) / strides[i] : room / strides[i]) + 1
                // A window may not start in the trailing padding.
                if ceil && (out[i] - 1) * strides[i] >= input[i] + before[i] { out[i] -= 1 }
            }
            guard out[i] > 0 else { throw c.invalid("empty output for input \(input)") }
        }
        return (out, before, after)
    }

    static func pool(_ c: NodeContext) throws -> NodeResult {
        let x = try c.input(0)
        let wantsIndices = c.node.outputs.count > 1 && !c.node.outputs[1].isEmpty
        if c.op == "MaxPool" && x.shape.count == 4 && !wantsIndices { return try ConvOps.maxPool(c) }
        guard x.shape.count >= 3 else { throw c.invalid("input of rank \(x.shape.count)") }
        let columnMajor = c.int("storage_order", default: 0) != 0
        let d = x.shape.count - 2
        let spatial = Array(x.shape.dropFirst(2))
        guard let kernel = c.ints("kernel_shape"), kernel.count == d else { throw c.invalid("kernel_shape") }
        let strides = c.ints("strides") ?? [Int](repeating: 1, count: d)
        let dilations = c.ints("dilations") ?? [Int](repeating: 1, count: d)
        guard strides.count == d, dilations.count == d else { throw c.invalid("strides / dilations") }
        let (out, before, after) = try windows(c, input: spatial, kernel: kernel, strides: strides, dilations: dilations,
                                               ceil: c.int("ceil_mode", default: 0) != 0)
        let includePad = c.int("count_include_pad", default: 0) != 0
        let isMax = c.op == "MaxPool"
        let outShape = Array(x.shape.prefix(2)) + out
        let outputs: [(shape: [Int], dtype: DType)] = wantsIndices ? [(outShape, x.dtype), (outShape, .int64)] : [(outShape, x.dtype)]
        return try TensorFunction(infer: { _ in outputs }) { args in
            let v = TensorIndex.doubles(args[0]!)
            let planes = x.shape[0] * x.shape[1], inCount = spatial.reduce(1, *), outCount = out.reduce(1, *)
            let inStrides = Tensor.contiguousStrides(spatial)
            // Indices count over the whole input; storage_order 1 numbers the spatial axes column-major.
            let indexStrides = columnMajor ? (0..<d).map { i in spatial.prefix(i).reduce(1, *) } : inStrides
            var result = [Double](repeating: 0, count: planes * outCount)
            var argmax = [Int64](repeating: 0, count: planes * outCount)
            let windowPositions = kernel.reduce(1, *)
            for p in 0..<planes {
                for o in 0..<outCount {
                    var rem = o, start = [Int](repeating: 0, count: d)
                    for i in (0..<d).reversed() { start[i] = (rem % out[i]) * strides[i] - before[i]; rem /= out[i] }
                    var acc = isMax ? -Double.infinity : 0, valid = 0, padded = 0, best = 0
                    for w in 0..<windowPositions {
                        var r = w, offset = 0, index = 0, inside = true, inPadded = true
                        for i in (0..<d).reversed() {
                            let pos = start[i] + (r % kernel[i]) * dilations[i]
                            r /= kernel[i]
                            if pos < 0 || pos >= spatial[i] { inside = false }
                            if pos < -before[i] || pos >= spatial[i] + after[i] { inPadded = false }
                            offset += pos * inStrides[i]
                            index += pos * indexStrides[i]
                        }
                        if inPadded { padded += 1 }
                        guard inside else { continue }
                        valid += 1
                        let q = v[p * inCount + offset]
                        if isMax {
                            if q > acc || q.isNaN { acc = q; best = index }
                        } else {
                            acc += q
                        }
                    }
                    result[p * outCount + o] = isMax ? acc : acc / Double(Swift.max(includePad ? padded : valid, 1))
                    argmax[p * outCount + o] = Int64(p * inCount + best)
                }
            }
            let values = TensorIndex.make(outShape, result, like: x.dtype)
            return wantsIndices ? [values, Tensor(shape: outShape, integers: argmax, dtype: .int64)] : [values]
        }.plan(c)
    }

    /// GlobalAveragePool / GlobalMaxPool: each (sample, channel) plane to one value.
    static func global(_ c: NodeContext) throws -> NodeResult {
        let x = try c.input(0)
        guard x.shape.count >= 3 else { throw c.invalid("input of rank \(x.shape.count)") }
        let outShape = Array(x.shape.prefix(2)) + [Int](repeating: 1, count: x.shape.count - 2)
        let isMax = c.op == "GlobalMaxPool"
        return try TensorFunction(infer: { _ in [(outShape, x.dtype)] }) { args in
            let v = TensorIndex.doubles(args[0]!)
            let inner = x.shape.dropFirst(2).reduce(1, *), planes = x.shape[0] * x.shape[1]
            let result = (0..<planes).map { p -> Double in
                let slice = v[p * inner..<(p + 1) * inner]
                return isMax ? slice.max() ?? 0 : slice.reduce(0, +) / Double(Swift.max(inner, 1))
            }
            return [TensorIndex.make(outShape, result, like: x.dtype)]
        }.plan(c)
    }
}
