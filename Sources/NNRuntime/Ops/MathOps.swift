import Foundation
import NNTensor

/// The less common element-wise ops, as tensor functions: activations, PRelu, and the variadic
/// Sum / Mean / Max / Min.
enum MathOps {
    static func same(_ inputs: [ValueState?]) throws -> [(shape: [Int], dtype: DType)] {
        guard let x = inputs.first ?? nil else { throw RuntimeError.invalidGraph("missing input") }
        return [(x.shape, x.dtype)]
    }

    /// An element-wise function of one float tensor.
    static func map(_ f: @escaping (Double) -> Double) -> TensorFunction {
        TensorFunction(infer: same) { args in
            let x = args[0]!
            return [TensorIndex.make(x.shape, TensorIndex.doubles(x).map(f), like: x.dtype)]
        }
    }

    static func activation(_ c: NodeContext) throws -> NodeResult {
        let alpha = c.float("alpha").map(Double.init), beta = c.float("beta").map(Double.init)
        let f: (Double) -> Double
        switch c.op {
        case "Log": f = { Foundation.log($0) }
        case "Erf": f = { Foundation.erf($0) }
        case "Elu":
            let a = alpha ?? 1
            f = { $0 >= 0 ? $0 : a * (Foundation.exp($0) - 1) }
        case "Selu":
            let a = alpha ?? 1.67326319217681884765625, g = c.float("gamma").map(Double.init) ?? 1.05070102214813232421875
            f = { $0 > 0 ? g * $0 : g * (a * Foundation.exp($0) - a) }
        case "Softplus": f = { $0 > 30 ? $0 : Foundation.log1p(Foundation.exp($0)) }
        case "HardSigmoid":
            let a = alpha ?? 0.2, b = beta ?? 0.5
            f = { Swift.max(0, Swift.min(1, a * $0 + b)) }
        case "HardSwish": f = { $0 * Swift.max(0, Swift.min(1, $0 / 6 + 0.5)) }
        case "Gelu":
            if c.string("approximate") == "tanh" {
                f = { 0.5 * $0 * (1 + Foundation.tanh((2 / Double.pi).squareRoot() * ($0 + 0.044715 * $0 * $0 * $0))) }
            } else {
                f = { 0.5 * $0 * (1 + Foundation.erf($0 / 2.0.squareRoot())) }
            }
        case "Sin": f = { Foundation.sin($0) }
        case "Cos": f = { Foundation.cos($0) }
        default: throw c.unsupported("no element-wise function")
        }
        guard let x = c.inputs.first ?? nil, x.dtype.isFloatingPoint else { throw c.unsupported("non-float input") }
        if x.constant == nil, x.dtype == .float32, c.op == "Erf" || (c.op == "Gelu" && c.string("approximate") != "tanh") {
            return .runtime(outputs: [(x.shape, x.dtype)], op: GeluOp(c.op, count: x.shape.reduce(1, *), erfOnly: c.op == "Erf"))
        }
        return try map(f).plan(c)
    }

    /// PRelu: `x < 0 ? slope · x : x`, the slope broadcast to x's shape.
    static func prelu(_ c: NodeContext) throws -> NodeResult {
        let x = try c.input(0), s = try c.input(1)
        guard Elementwise.broadcastShape(x.shape, s.shape) == x.shape else {
            throw c.invalid("slope \(s.shape) does not broadcast to \(x.shape)")
        }
        return try TensorFunction(infer: same) { args in
            let x = args[0]!, s = args[1]!
            let xv = x.floats, sv = s.floats
            let idx = TensorIndex.broadcastIndices(s.shape, to: x.shape)
            return [Tensor(shape: x.shape, values: (0..<xv.count).map { xv[$0] < 0 ? sv[idx[$0]] * xv[$0] : xv[$0] }, dtype: x.dtype)]
        }.plan(c)
    }

    /// The broadcast shape of several shapes, or nil.
    static func broadcast(_ shapes: [[Int]]) -> [Int]? {
        var out: [Int] = []
        for s in shapes {
            guard let b = Elementwise.broadcastShape(out, s) else { return nil }
            out = b
        }
        return out
    }

    /// Sum, Mean, Max, Min over any number of broadcast operands (two-operand Sum / Max / Min run as
    /// binary kernels).
    static func variadic(_ c: NodeContext) throws -> NodeResult {
        if c.op != "Mean" && c.inputs.count == 2 { return try ElementwiseOps.binary(c) }
        let states = try (0..<c.inputs.count).map { try c.input($0) }
        guard !states.isEmpty, let shape = broadcast(states.map(\.shape)) else { throw c.invalid("shapes do not broadcast") }
        let op = c.op, dtype = states[0].dtype
        return try TensorFunction(infer: { _ in [(shape, dtype)] }) { args in
            let n = shape.reduce(1, *)
            var acc = [Double](repeating: op == "Max" ? -.infinity : op == "Min" ? .infinity : 0, count: n)
            for a in args {
                let v = TensorIndex.doubles(a!), idx = TensorIndex.broadcastIndices(a!.shape, to: shape)
                for i in 0..<n {
                    let x = v[idx[i]]
                    switch op {
                    case "Max": acc[i] = x.isNaN || acc[i].isNaN ? .nan : Swift.max(acc[i], x)
                    case "Min": acc[i] = x.isNaN || acc[i].isNaN ? .nan : Swift.min(acc[i], x)
                    default: acc[i] += x
                    }
                }
            }
            if op == "Mean" { acc = acc.map { $0 / Double(args.count) } }
            return [TensorIndex.make(shape, acc, like: dtype)]
        }.plan(c)
    }
}
