import Foundation
import NNTensor

/// Reductions, Softmax and the normalisations, as tensor functions (double-precision accumulation).
enum ReduceOps {
    /// For each element of `shape`, the index of its slot when the `reduced` axes collapse.
    static func slots(_ shape: [Int], reduced: Set<Int>) -> (slots: [Int], count: Int) {
        let outShape = shape.enumerated().map { reduced.contains($0.offset) ? 1 : $0.element }
        let strides = Tensor.contiguousStrides(outShape).enumerated().map { reduced.contains($0.offset) ? 0 : $0.element }
        return (TensorIndex.offsets(shape, strides: strides), outShape.reduce(1, *))
    }

    /// ReduceSum / ReduceMean / ReduceMax / ReduceMin / ReduceProd: axes as an attribute or (ReduceSum from
    /// opset 13, the others from 18) as input 1; keepdims; noop_with_empty_axes.
    static func reduce(_ c: NodeContext) throws -> NodeResult {
        let x = try c.input(0)
        let rank = x.shape.count
        var axes: [Int]
        let axesAsInput = c.op == "ReduceSum" ? c.opset >= 13 : c.opset >= 18
        if axesAsInput {
            axes = c.optionalInput(1) == nil ? [] : try c.constantInput(1).integers.map { Int($0) }
        } else {
            axes = c.ints("axes") ?? []
        }
        let keep = c.int("keepdims", default: 1) != 0
        let noop = c.int("noop_with_empty_axes", default: 0) != 0
        if axes.isEmpty && noop {
            return try TensorFunction(infer: MathOps.same) { [$0[0]!] }.plan(c)
        }
        if axes.isEmpty { axes = Array(0..<rank) }
        var reduced = Set<Int>()
        for a in axes {
            guard let r = TensorIndex.axis(a, rank: rank) else { throw c.invalid("axis \(a) out of range for rank \(rank)") }
            reduced.insert(r)
        }
        let outShape = keep ? x.shape.enumerated().map { reduced.contains($0.offset) ? 1 : $0.element }
                            : x.shape.enumerated().filter { !reduced.contains($0.offset) }.map(\.element)
        let op = c.op
        guard ["ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd"].contains(op) else { throw c.unsupported("no reduction") }
        return try TensorFunction(infer: { _ in [(outShape, x.dtype)] }) { args in
            let t = args[0]!
            let v = TensorIndex.doubles(t)
            let (slots, count) = slots(t.shape, reduced: reduced)
            let start: Double = op == "ReduceMax" ? -.infinity : op == "ReduceMin" ? .infinity : op == "ReduceProd" ? 1 : 0
            var acc = [Double](repeating: start, count: count)
            for i in 0..<v.count {
                let s = slots[i]
                switch op {
                case "ReduceMax": acc[s] = v[i].isNaN || acc[s].isNaN ? .nan : Swift.max(acc[s], v[i])
                case "ReduceMin": acc[s] = v[i].isNaN || acc[s].isNaN ? .nan : Swift.min(acc[s], v[i])
                case "ReduceProd": acc[s] *= v[i]
                default: acc[s] += v[i]
                }
            }
            // An empty set reduces to the type's lowest (max) or highest (min) value.
            if !t.dtype.isFloatingPoint && (op == "ReduceMax" || op == "ReduceMin") {
                let low: Double = t.dtype == .bool || t.dtype.rawValue.hasPrefix("u") ? 0 : t.dtype == .int32 ? Double(Int32.min) : -9.223372036854775808e18
                let high: Double = t.dtype == .bool ? 1 : t.dtype == .int32 ? Double(Int32.max) : 9.223372036854775807e18
                acc = acc.map { $0 == -.infinity ? low : $0 == .infinity ? high : $0 }
            }
            if op == "ReduceMean" {
                let per = Double(v.count / Swift.max(count, 1))
                acc = acc.map { $0 / per }
            }
            return [TensorIndex.make(outShape, acc, like: t.dtype)]
        }.plan(c)
    }

    /// Softmax: before opset 13 over the flattened dimensions from `axis` (default 1); from 13 along `axis`
    /// (default −1).
    static func softmax(_ c: NodeContext) throws -> NodeResult {
        let x = try c.input(0)
        let rank = x.shape.count
        let modern = c.opset >= 13
        guard let axis = TensorIndex.axis(c.int("axis", default: modern ? -1 : 1), rank: rank) else {
            throw c.invalid("axis out of range")
        }
        let op = c.op
        if x.constant == nil, x.dtype == .float32, axis == rank - 1, let length = x.shape.last, length > 0 {
            return .runtime(outputs: [(x.shape, x.dtype)], op: SoftmaxOp(op, rows: x.shape.reduce(1, *) / length, length: length))
        }
        return try TensorFunction(infer: MathOps.same) { args in
            let t = args[0]!
            let v = TensorIndex.doubles(t)
            let reduced = Set(modern ? [axis] : Array(axis..<rank))
            let (slots, count) = slots(t.shape, reduced: reduced)
            var peak = [Double](repeating: -.infinity, count: count), sum = [Double](repeating: 0, count: count)
            for i in 0..<v.count { peak[slots[i]] = Swift.max(peak[slots[i]], v[i]) }
            var out = [Double](repeating: 0, count: v.count)
            for i in 0..<v.count { out[i] = Foundation.exp(v[i] - peak[slots[i]]); sum[slots[i]] += out[i] }
            if op == "LogSoftmax" {
                for i in 0..<v.count { out[i] = v[i] - peak[slots[i]] - Foundation.log(sum[slots[i]]) }
            } else {
                for i in 0..<v.count { out[i] /= sum[slots[i]] }
            }
            return [TensorIndex.make(t.shape, out, like: t.dtype)]
        }.plan(c)
    }

    /// LayerNormalization over the dimensions from `axis`; optional Mean and InvStdDev outputs.
    static func layerNorm(_ c: NodeContext) throws -> NodeResult {
        let x = try c.input(0)
        let rank = x.shape.count
        guard let axis = TensorIndex.axis(c.int("axis", default: -1), rank: rank) else { throw c.invalid("axis out of range") }
        let eps = Double(c.float("epsilon") ?? 1e-5)
        let statShape = x.shape.enumerated().map { $0.offset >= axis ? 1 : $0.element }
        let outputs = c.node.outputs.count
        let normalized = Array(x.shape[axis...]), length = normalized.reduce(1, *)
        // Run-time x with known scale and bias: the row kernel.
        let beta = c.optionalInput(2).map { b in b.constant.flatMap { TransformerOps.expanded($0.floats, shape: $0.shape, toRow: normalized) } }
        if x.constant == nil, x.dtype == .float32, c.node.outputs.dropFirst().allSatisfy(\.isEmpty), length > 0,
           let g = try? c.constantInput(1), let gamma = TransformerOps.expanded(g.floats, shape: g.shape, toRow: normalized),
           beta.map({ $0 != nil }) ?? true {
            return .runtime(outputs: [(x.shape, x.dtype)],
                            op: TransformerOps.layerNormOp(rows: x.shape.reduce(1, *) / length, length: length, gamma: gamma,
                                                           beta: beta ?? nil, epsilon: Float(eps)))
        }
        return try TensorFunction(infer: { _ in [(x.shape, x.dtype), (statShape, .float32), (statShape, .float32)].prefix(outputs).map { $0 } }) { args in
            let t = args[0]!
            let v = TensorIndex.doubles(t)
            let (slots, count) = slots(t.shape, reduced: Set(axis..<rank))
            let per = Double(v.count / Swift.max(count, 1))
            var mean = [Double](repeating: 0, count: count), variance = [Double](repeating: 0, count: count)
            for i in 0..<v.count { mean[slots[i]] += v[i] }
            mean = mean.map { $0 / per }
            for i in 0..<v.count { let d = v[i] - mean[slots[i]]; variance[slots[i]] += d * d }
            let inv = variance.map { 1 / ($0 / per + eps).squareRoot() }
            let scale = TensorIndex.doubles(args[1]!), si = TensorIndex.broadcastIndices(args[1]!.shape, to: t.shape)
            let bias = args.count > 2 ? args[2].map(TensorIndex.doubles) : nil
            let bi = args.count > 2 ? args[2].map { TensorIndex.broadcastIndices($0.shape, to: t.shape) } : nil
            var y = [Double](repeating: 0, count: v.count)
            for i in 0..<v.count {
                y[i] = (v[i] - mean[slots[i]]) * inv[slots[i]] * scale[si[i]] + (bias.map { $0[bi![i]] } ?? 0)
            }
            return [TensorIndex.make(t.shape, y, like: t.dtype), TensorIndex.make(statShape, mean, like: .float32),
                    TensorIndex.make(statShape, inv, like: .float32)].prefix(outputs).map { $0 }
        }.plan(c)
    }

    /// BatchNormalization in inference mode: per channel (axis 1), `scale · (x − mean) / √(var + ε) + B`.
    static func batchNorm(_ c: NodeContext) throws -> NodeResult {
        let x = try c.input(0)
        guard x.shape.count >= 2 else { throw c.invalid("input of rank \(x.shape.count)") }
        let eps = Double(c.float("epsilon") ?? 1e-5)
        if c.int("training_mode", default: 0) != 0 { return try batchNormTraining(c, x, eps: eps) }
        if c.node.outputs.filter({ !$0.isEmpty }).count > 1 { throw c.unsupported("running statistics outside training mode") }
        // Known statistics and a float input at run time: an affine map per channel.
        if x.constant == nil, x.dtype == .float32, (1...4).allSatisfy({ (try? c.constantInput($0)) != nil }) {
            let s = try c.constantInput(1).floats, b = try c.constantInput(2).floats
            let m = try c.constantInput(3).floats, v = try c.constantInput(4).floats
            let channels = x.shape[1]
            guard [s, b, m, v].allSatisfy({ $0.count == channels }) else { throw c.invalid("statistics for \(channels) channels") }
            var scale = [Float](repeating: 0, count: channels), shift = scale
            for k in 0..<channels {
                let a = Double(s[k]) / (Double(v[k]) + eps).squareRoot()
                scale[k] = Float(a)
                shift[k] = Float(Double(b[k]) - Double(m[k]) * a)
            }
            let planes = x.shape[0] * channels, size = x.shape.dropFirst(2).reduce(1, *)
            return .runtime(outputs: [(x.shape, .float32)],
                            op: PlannedOp(c.op) { ChannelNormKernel(planes: planes, size: size, channels: channels, scale: scale, shift: shift, epsilon: nil) })
        }
        return try TensorFunction(infer: { _ in [(x.shape, x.dtype)] }) { args in
            let t = args[0]!
            let v = TensorIndex.doubles(t)
            let s = TensorIndex.doubles(args[1]!), b = TensorIndex.doubles(args[2]!)
            let m = TensorIndex.doubles(args[3]!), va = TensorIndex.doubles(args[4]!)
            let channels = t.shape[1], inner = t.shape.dropFirst(2).reduce(1, *)
            var y = [Double](repeating: 0, count: v.count)
            for i in 0..<v.count {
                let ch = (i / inner) % channels
                y[i] = s[ch] * (v[i] - m[ch]) / (va[ch] + eps).squareRoot() + b[ch]
            }
            return [TensorIndex.make(t.shape, y, like: t.dtype)]
        }.plan(c)
    }

    /// BatchNormalization in training mode: normalised with the batch's own statistics (population
    /// variance); the running mean and variance are updated with `momentum`.
    static func batchNormTraining(_ c: NodeContext, _ x: ValueState, eps: Double) throws -> NodeResult {
        let momentum = Double(c.float("momentum") ?? 0.9)
        let channels = x.shape[1]
        let outputs = c.node.outputs.count
        return try TensorFunction(infer: { _ in [(x.shape, x.dtype), ([channels], x.dtype), ([channels], x.dtype)].prefix(outputs).map { $0 } }) { args in
            let t = args[0]!
            let v = TensorIndex.doubles(t)
            let s = TensorIndex.doubles(args[1]!), b = TensorIndex.doubles(args[2]!)
            let runMean = TensorIndex.doubles(args[3]!), runVar = TensorIndex.doubles(args[4]!)
            let inner = t.shape.dropFirst(2).reduce(1, *), per = Double(v.count / channels)
            var mean = [Double](repeating: 0, count: channels), variance = mean
            for i in 0..<v.count { mean[(i / inner) % channels] += v[i] }
            mean = mean.map { $0 / per }
            for i in 0..<v.count { let ch = (i / inner) % channels; variance[ch] += (v[i] - mean[ch]) * (v[i] - mean[ch]) }
            variance = variance.map { $0 / per }
            var y = [Double](repeating: 0, count: v.count)
            for i in 0..<v.count {
                let ch = (i / inner) % channels
                y[i] = s[ch] * (v[i] - mean[ch]) / (variance[ch] + eps).squareRoot() + b[ch]
            }
            let newMean = (0..<channels).map { runMean[$0] * momentum + mean[$0] * (1 - momentum) }
            let newVar = (0..<channels).map { runVar[$0] * momentum + variance[$0] * (1 - momentum) }
            return [TensorIndex.make(t.shape, y, like: t.dtype), TensorIndex.make([channels], newMean, like: t.dtype),
                    TensorIndex.make([channels], newVar, like: t.dtype)].prefix(outputs).map { $0 }
        }.plan(c)
    }

    /// InstanceNormalization: each (sample, channel) normalised over its spatial extent, then scaled.
    static func instanceNorm(_ c: NodeContext) throws -> NodeResult {
        let x = try c.input(0)
        guard x.shape.count >= 3 else { throw c.invalid("input of rank \(x.shape.count)") }
        let eps = Double(c.float("epsilon") ?? 1e-5)
        if x.constant == nil, x.dtype == .float32, let s = try? c.constantInput(1).floats, let b = try? c.constantInput(2).floats,
           s.count == x.shape[1], b.count == x.shape[1] {
            let planes = x.shape[0] * x.shape[1], size = x.shape.dropFirst(2).reduce(1, *), channels = x.shape[1]
            return .runtime(outputs: [(x.shape, .float32)],
                            op: PlannedOp(c.op) { ChannelNormKernel(planes: planes, size: size, channels: channels, scale: s, shift: b, epsilon: Float(eps)) })
        }
        return try TensorFunction(infer: MathOps.same) { args in
            let t = args[0]!
            let v = TensorIndex.doubles(t)
            let s = TensorIndex.doubles(args[1]!), b = TensorIndex.doubles(args[2]!)
            let channels = t.shape[1], inner = t.shape.dropFirst(2).reduce(1, *)
            var y = [Double](repeating: 0, count: v.count)
            for g in 0..<(v.count / Swift.max(inner, 1)) {
                let base = g * inner, ch = g % channels
                var mean = 0.0
                for i in 0..<inner { mean += v[base + i] }
                mean /= Double(inner)
                var variance = 0.0
                for i in 0..<inner { variance += (v[base + i] - mean) * (v[base + i] - mean) }
                let inv = 1 / (variance / Double(inner) + eps).squareRoot()
                for i in 0..<inner { y[base + i] = (v[base + i] - mean) * inv * s[ch] + b[ch] }
            }
            return [TensorIndex.make(t.shape, y, like: t.dtype)]
        }.plan(c)
    }

    /// LRN across channels: `x / (bias + α/size · Σ x²)^β` over channels c − ⌊(size−1)/2⌋ … c + ⌈(size−1)/2⌉.
    static func lrn(_ c: NodeContext) throws -> NodeResult {
        let x = try c.input(0)
        guard x.shape.count >= 3, let size = c.int("size"), size > 0 else { throw c.invalid("needs rank ≥ 3 and a size") }
        let alpha = Double(c.float("alpha") ?? 1e-4), beta = Double(c.float("beta") ?? 0.75), bias = Double(c.float("bias") ?? 1)
        let below = (size - 1) / 2, above = size - 1 - below
        return try TensorFunction(infer: MathOps.same) { args in
            let t = args[0]!
            let v = TensorIndex.doubles(t)
            let channels = t.shape[1], inner = t.shape.dropFirst(2).reduce(1, *)
            var y = [Double](repeating: 0, count: v.count)
            for i in 0..<v.count {
                let ch = (i / inner) % channels, base = i - ch * inner
                var sum = 0.0
                for k in Swift.max(0, ch - below)...Swift.min(channels - 1, ch + above) { let q = v[base + k * inner]; sum += q * q }
                y[i] = v[i] / Foundation.pow(bias + alpha / Double(size) * sum, beta)
            }
            return [TensorIndex.make(t.shape, y, like: t.dtype)]
        }.plan(c)
    }
}

/// BatchNormalization (inference) or InstanceNormalization on NCHW float planes (``ChannelNorm``).
final class ChannelNormKernel: Kernel {
    let planes: Int, size: Int, channels: Int
    let scale: [Float], shift: [Float]
    /// nil: the affine map alone (BatchNormalization); else instance normalisation with this ε.
    let epsilon: Float?

    init(planes: Int, size: Int, channels: Int, scale: [Float], shift: [Float], epsilon: Float?) {
        self.planes = planes; self.size = size; self.channels = channels
        self.scale = scale; self.shift = shift; self.epsilon = epsilon
    }

    func run(_ io: KernelIO) {
        scale.withUnsafeBufferPointer { s in shift.withUnsafeBufferPointer { b in
            if let epsilon {
                ChannelNorm.instance(io.input(0), io.output(0), planes: planes, size: size, channels: channels,
                                     scale: s.baseAddress!, shift: b.baseAddress!, epsilon: epsilon, threads: io.threads)
            } else {
                ChannelNorm.affine(io.input(0), io.output(0), planes: planes, size: size, channels: channels,
                                   scale: s.baseAddress!, shift: b.baseAddress!, threads: io.threads)
            }
        }}
    }
}
