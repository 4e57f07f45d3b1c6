import Foundation
import NNTensor

/// Unary activations and broadcasting binary arithmetic.
enum ElementwiseOps {
    static func unaryKind(_ c: NodeContext) throws -> Elementwise.Unary {
        switch c.op {
        case "Relu": return .relu
        case "Sigmoid": return .sigmoid
        case "Tanh": return .tanh
        case "Neg": return .neg
        case "Abs": return .abs
        case "Sqrt": return .sqrt
        case "Exp": return .exp
        case "Reciprocal": return .reciprocal
        case "Floor": return .floor
        case "Ceil": return .ceil
        case "Round": return .round
        case "LeakyRelu": return .leakyRelu(alpha: c.float("alpha") ?? 0.01)
        case "Clip":
            var lo = -Float.greatestFiniteMagnitude, hi = Float.greatestFiniteMagnitude
            if c.opset >= 11 {
                if c.optionalInput(1) != nil { lo = try c.constantInput(1).floats.first ?? lo }
                if c.optionalInput(2) != nil { hi = try c.constantInput(2).floats.first ?? hi }
            } else {
                lo = c.float("min") ?? lo
                hi = c.float("max") ?? hi
            }
            return .clip(min: lo, max: hi)
        default: throw c.unsupported("no unary kernel")
        }
    }

    static func unary(_ c: NodeContext) throws -> NodeResult {
        let x = try c.input(0)
        if x.dtype == .int64 || x.dtype == .int32 { return try TypedElementwiseOps.integerUnary(c) }
        let kind = try unaryKind(c)
        if let t = x.constant {
            if case .int(let v) = t.storage, c.op == "Neg" || c.op == "Abs" || c.op == "Relu" {
                let r: [Int64] = c.op == "Neg" ? v.map { -$0 } : c.op == "Abs" ? v.map { Swift.abs($0) } : v.map { Swift.max($0, 0) }
                return .constants([Tensor(shape: t.shape, integers: r, dtype: t.dtype)])
            }
            var out = t.floats
            out.withUnsafeMutableBufferPointer { o in
                Elementwise.apply(kind, UnsafePointer(o.baseAddress!), o.baseAddress!, count: o.count)
            }
            return .constants([Tensor(shape: t.shape, values: out, dtype: t.dtype.isFloatingPoint ? t.dtype : .float32)])
        }
        try ShapeOps.requireFloat(c, x)
        let n = x.shape.reduce(1, *)
        let make = { () -> Kernel in UnaryKernel(kind, count: n) }
        let op: PlannedOp
        switch kind {
        case .relu: op = ActivationOp(c.op, epilogue: .relu, make: make)
        case let .clip(lo, hi): op = ActivationOp(c.op, epilogue: .clip(min: lo, max: hi), make: make)
        default: op = PlannedOp(c.op, make: make)
        }
        return .runtime(outputs: [(x.shape, x.dtype)], op: op)
    }

    static func binaryKind(_ op: String) -> Elementwise.Binary? {
        switch op {
        case "Add", "Sum": return .add
        case "Sub": return .sub
        case "Mul": return .mul
        case "Div": return .div
        case "Pow": return .pow
        case "Min": return .min
        case "Max": return .max
        default: return nil
        }
    }

    static func binary(_ c: NodeContext) throws -> NodeResult {
        guard let kind = binaryKind(c.op) else { throw c.unsupported("no binary kernel") }
        guard c.inputs.count == 2 else { throw c.unsupported("\(c.inputs.count) operands (2 are supported)") }
        let a = try c.input(0), b = try c.input(1)
        guard let outShape = Elementwise.broadcastShape(a.shape, b.shape) else {
            throw c.invalid("shapes \(a.shape) and \(b.shape) do not broadcast")
        }
        if let ta = a.constant, let tb = b.constant {
            return .constants([fold(kind, ta, tb, outShape)])
        }
        if (a.dtype == .int64 || a.dtype == .int32) && kind != .pow {
            let integer: TypedElementwiseOps.Arithmetic
            switch kind {
            case .add: integer = .add
            case .sub: integer = .sub
            case .mul: integer = .mul
            case .div: integer = .div
            case .min: integer = .min
            case .max: integer = .max
            case .pow: throw c.unsupported("Pow of a run-time integer tensor")
            }
            return try TypedElementwiseOps.integerBinary(c, integer)
        }
        for s in [a, b] where s.constant == nil { try ShapeOps.requireFloat(c, s) }
        let op = PlannedOp(c.op) {
            BinaryKernel(kind, aShape: a.shape, bShape: b.shape, aConstant: a.constant?.floats, bConstant: b.constant?.floats)
        }
        // Pow keeps its base's type (an integer base with a float exponent gives integers, truncated).
        let dtype: DType = kind == .pow && !a.dtype.isFloatingPoint ? a.dtype : a.dtype.isFloatingPoint ? a.dtype : .float32
        return .runtime(outputs: [(outShape, dtype)], op: op)
    }

    /// Constant folding of a binary op, for float and integer tensors.
    static func fold(_ kind: Elementwise.Binary, _ a: Tensor, _ b: Tensor, _ outShape: [Int]) -> Tensor {
        let n = outShape.reduce(1, *)
        if case .int(let va) = a.storage, case .int(let vb) = b.storage {
            let sa = Elementwise.broadcastStrides(a.shape, to: outShape), sb = Elementwise.broadcastStrides(b.shape, to: outShape)
            let outStrides = Tensor.contiguousStrides(outShape)
            var out = [Int64](repeating: 0, count: n)
            for i in 0..<n {
                var rem = i, ia = 0, ib = 0
                for d in 0..<outShape.count {
                    let k = rem / outStrides[d]
                    rem %= outStrides[d]
                    ia += k * sa[d]; ib += k * sb[d]
                }
                let x = va[ia], y = vb[ib]
                switch kind {
                case .add: out[i] = x &+ y
                case .sub: out[i] = x &- y
                case .mul: out[i] = x &* y
                case .div: out[i] = y == 0 ? 0 : x.dividedReportingOverflow(by: y).partialValue
                case .min: out[i] = Swift.min(x, y)
                case .max: out[i] = Swift.max(x, y)
                case .pow: out[i] = Int64(Foundation.pow(Double(x), Double(y)))
                }
            }
            return Tensor(shape: outShape, integers: out, dtype: a.dtype)
        }
        var out = [Float](repeating: 0, count: n)
        let fa = a.floats, fb = b.floats
        fa.withUnsafeBufferPointer { pa in fb.withUnsafeBufferPointer { pb in out.withUnsafeMutableBufferPointer { po in
            Elementwise.binary(kind, pa.baseAddress!, a.shape, pb.baseAddress!, b.shape, po.baseAddress!)
        }}}
        return Tensor(shape: outShape, values: out, dtype: a.dtype.isFloatingPoint ? a.dtype : .float32)
    }
}

final class UnaryKernel: Kernel {
    let kind: Elementwise.Unary, count: Int
    init(_ kind: Elementwise.Unary, count: Int) { self.kind = kind; self.count = count }
    func run(_ io: KernelIO) {
        let x = io.input(0), y = io.output(0)
        let kind = self.kind
        let chunk = 1 << 15
        let pieces = (count + chunk - 1) / chunk
        Parallel.forEach(pieces, threads: io.threads) { p in
            let lo = p * chunk, n = min(chunk, self.count - lo)
            Elementwise.apply(kind, x + lo, y + lo, count: n)
        }
    }
}

final class BinaryKernel: Kernel {
    let kind: Elementwise.Binary
    let aShape: [Int], bShape: [Int]
    let aConstant: UnsafeMutablePointer<Float>?, bConstant: UnsafeMutablePointer<Float>?

    init(_ kind: Elementwise.Binary, aShape: [Int], bShape: [Int], aConstant: [Float]?, bConstant: [Float]?) {
        self.kind = kind
        self.aShape = aShape
        self.bShape = bShape
        self.aConstant = aConstant.map { v in
            let p = UnsafeMutablePointer<Float>.allocate(capacity: max(v.count, 1)); p.initialize(from: v, count: v.count); return p
        }
        self.bConstant = bConstant.map { v in
            let p = UnsafeMutablePointer<Float>.allocate(capacity: max(v.count, 1)); p.initialize(from: v, count: v.count); return p
        }
    }

    deinit {
        aConstant?.deallocate()
        bConstant?.deallocate()
    }

    func run(_ io: KernelIO) {
        let a = aConstant.map { UnsafePointer($0) } ?? io.input(0)
        let b = bConstant.map { UnsafePointer($0) } ?? io.input(1)
        Elementwise.binary(kind, a, aShape, b, bShape, io.output(0), threads: io.threads)
    }
}

