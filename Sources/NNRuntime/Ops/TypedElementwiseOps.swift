import Foundation
import NNTensor

/// Element-wise ops on values of any stored type: integer arithmetic (Add, Sub, Mul, Div, Mod, Min, Max,
/// Neg, Abs, Relu, Clip, Sign), comparisons giving bool (Equal, Less, Greater, LessOrEqual,
/// GreaterOrEqual), logic on bool (And, Or, Xor, Not) and Where. Integers wrap on overflow; integer
/// division truncates toward zero, and a division or Mod by zero gives 0 (ONNX leaves it undefined).
/// Float arithmetic stays with ``ElementwiseOps``. Constant operands live in the kernel (``Operands``);
/// a node whose operands are all known is run once when planning (constant folding).
enum TypedElementwiseOps {
    enum Arithmetic { case add, sub, mul, div, mod, fmod, min, max }
    enum Comparison { case equal, less, greater, lessOrEqual, greaterOrEqual }
    enum Logic { case and, or, xor }
    enum Unary { case neg, abs, relu, sign, clip(Int64, Int64) }

    // MARK: Planning

    /// Integer Add / Sub / Mul / Div / Min / Max / Mod (int64 or int32 operands of one type).
    static func integerBinary(_ c: NodeContext, _ kind: Arithmetic) throws -> NodeResult {
        let a = try c.input(0), b = try c.input(1)
        guard a.dtype == b.dtype, a.dtype == .int64 || a.dtype == .int32 else {
            throw c.unsupported("\(c.op) of \(a.dtype) and \(b.dtype) tensors")
        }
        guard let shape = Elementwise.broadcastShape(a.shape, b.shape) else { throw c.invalid("shapes \(a.shape) and \(b.shape) do not broadcast") }
        let walk = BroadcastWalk([a.shape, b.shape], to: shape), states = c.inputs, wide = a.dtype == .int64
        let op = PlannedOp(c.op) { IntegerBinaryKernel(kind, walk: walk, operands: Operands(states), wide: wide) }
        return .runtime(outputs: [(shape, a.dtype)], op: op)
    }

    /// Mod: integers (fmod 0: the remainder takes the divisor's sign; fmod 1: the dividend's) and floats (fmod 1).
    static func mod(_ c: NodeContext) throws -> NodeResult {
        let a = try c.input(0), b = try c.input(1)
        let fmod = c.int("fmod", default: 0) == 1
        if a.dtype.arenaElement == .float {
            guard fmod else { throw c.invalid("Mod of floating-point values needs fmod=1") }
            guard let shape = Elementwise.broadcastShape(a.shape, b.shape), b.dtype.arenaElement == .float else {
                throw c.invalid("operands \(a.dtype)\(a.shape) and \(b.dtype)\(b.shape)")
            }
            let walk = BroadcastWalk([a.shape, b.shape], to: shape), states = c.inputs
            return .runtime(outputs: [(shape, a.dtype)], op: PlannedOp("Mod") { FloatModKernel(walk: walk, operands: Operands(states)) })
        }
        return try integerBinary(c, fmod ? .fmod : .mod)
    }

    /// Neg / Abs / Relu / Sign / Clip of an integer tensor (Clip's bounds must be known when planning).
    static func integerUnary(_ c: NodeContext) throws -> NodeResult {
        let x = try c.input(0)
        if c.op == "Sign" && x.dtype.isFloatingPoint { return try MathOps.map { $0 > 0 ? 1 : $0 < 0 ? -1 : 0 }.plan(c) }
        guard x.dtype == .int64 || x.dtype == .int32 else { throw c.unsupported("\(c.op) of a run-time \(x.dtype) tensor") }
        let kind: Unary
        switch c.op {
        case "Neg": kind = .neg
        case "Abs": kind = .abs
        case "Relu": kind = .relu
        case "Sign": kind = .sign
        case "Clip":
            var lo = Int64.min, hi = Int64.max
            if c.optionalInput(1) != nil { lo = try c.constantInput(1).integers.first ?? lo }
            if c.optionalInput(2) != nil { hi = try c.constantInput(2).integers.first ?? hi }
            kind = .clip(lo, hi)
        default: throw c.unsupported("\(c.op) of integer tensors")
        }
        let n = x.shape.reduce(1, *), wide = x.dtype == .int64
        return .runtime(outputs: [(x.shape, x.dtype)], op: PlannedOp(c.op) { IntegerUnaryKernel(kind, count: n, wide: wide) })
    }

    static func compare(_ c: NodeContext) throws -> NodeResult {
        let kind: Comparison
        switch c.op {
        case "Equal": kind = .equal
        case "Less": kind = .less
        case "Greater": kind = .greater
        case "LessOrEqual": kind = .lessOrEqual
        case "GreaterOrEqual": kind = .greaterOrEqual
        default: throw c.unsupported("no comparison")
        }
        let a = try c.input(0), b = try c.input(1)
        guard let element = a.dtype.arenaElement, a.dtype == b.dtype else { throw c.unsupported("\(c.op) of \(a.dtype) and \(b.dtype) tensors") }
        guard let shape = Elementwise.broadcastShape(a.shape, b.shape) else { throw c.invalid("shapes \(a.shape) and \(b.shape) do not broadcast") }
        let walk = BroadcastWalk([a.shape, b.shape], to: shape), states = c.inputs
        return .runtime(outputs: [(shape, .bool)],
                        op: PlannedOp(c.op) { ComparisonKernel(kind, element: element, walk: walk, operands: Operands(states)) })
    }

    static func logic(_ c: NodeContext) throws -> NodeResult {
        let a = try c.input(0)
        guard a.dtype == .bool else { throw c.invalid("\(c.op) of a \(a.dtype) tensor (bool expected)") }
        if c.op == "Not" {
            let n = a.shape.reduce(1, *)
            return .runtime(outputs: [(a.shape, .bool)], op: PlannedOp("Not") { NotKernel(count: n) })
        }
        let b = try c.input(1)
        guard b.dtype == .bool else { throw c.invalid("\(c.op) of a \(b.dtype) tensor (bool expected)") }
        let kind: Logic = c.op == "And" ? .and : c.op == "Or" ? .or : .xor
        guard let shape = Elementwise.broadcastShape(a.shape, b.shape) else { throw c.invalid("shapes \(a.shape) and \(b.shape) do not broadcast") }
        let walk = BroadcastWalk([a.shape, b.shape], to: shape), states = c.inputs
        return .runtime(outputs: [(shape, .bool)], op: PlannedOp(c.op) { LogicKernel(kind, walk: walk, operands: Operands(states)) })
    }

    /// Where(condition, X, Y) with three-way broadcasting, for X and Y of any one stored type.
    static func whereOp(_ c: NodeContext) throws -> NodeResult {
        let cond = try c.input(0), x = try c.input(1), y = try c.input(2)
        guard cond.dtype == .bool else { throw c.invalid("condition of type \(cond.dtype)") }
        guard let element = x.dtype.arenaElement, x.dtype == y.dtype else { throw c.unsupported("Where of \(x.dtype) and \(y.dtype) tensors") }
        guard let shape = MathOps.broadcast([cond.shape, x.shape, y.shape]) else { throw c.invalid("shapes do not broadcast") }
        let walk = BroadcastWalk([cond.shape, x.shape, y.shape], to: shape), states = c.inputs
        return .runtime(outputs: [(shape, x.dtype)], op: PlannedOp("Where") { WhereKernel(element: element, walk: walk, operands: Operands(states)) })
    }
}

// MARK: Kernels

final class IntegerBinaryKernel: Kernel {
    let kind: TypedElementwiseOps.Arithmetic, walk: BroadcastWalk, operands: Operands, wide: Bool
    init(_ kind: TypedElementwiseOps.Arithmetic, walk: BroadcastWalk, operands: Operands, wide: Bool) {
        self.kind = kind; self.walk = walk; self.operands = operands; self.wide = wide
    }

    func run(_ io: KernelIO) {
        if wide { apply(Int64.self, io) } else { apply(Int32.self, io) }
    }

    private func apply<T: FixedWidthInteger & SignedInteger>(_: T.Type, _ io: KernelIO) {
        let a = operands.pointer(0, io, as: T.self), b = operands.pointer(1, io, as: T.self), y = io.output(0, as: T.self)
        let t = io.threads
        switch kind {
        case .add: walk.map2(a, b, y, threads: t) { $0 &+ $1 }
        case .sub: walk.map2(a, b, y, threads: t) { $0 &- $1 }
        case .mul: walk.map2(a, b, y, threads: t) { $0 &* $1 }
        case .div: walk.map2(a, b, y, threads: t) { $1 == 0 ? 0 : $0.dividedReportingOverflow(by: $1).partialValue }
        case .fmod: walk.map2(a, b, y, threads: t) { $1 == 0 ? 0 : $0.remainderReportingOverflow(dividingBy: $1).partialValue }
        case .mod:
            walk.map2(a, b, y, threads: t) { x, d in
                guard d != 0 else { return 0 }
                let r = x.remainderReportingOverflow(dividingBy: d).partialValue
                return r != 0 && (r < 0) != (d < 0) ? r &+ d : r
            }
        case .min: walk.map2(a, b, y, threads: t) { Swift.min($0, $1) }
        case .max: walk.map2(a, b, y, threads: t) { Swift.max($0, $1) }
        }
    }
}

final class IntegerUnaryKernel: Kernel {
    let kind: TypedElementwiseOps.Unary, count: Int, wide: Bool
    init(_ kind: TypedElementwiseOps.Unary, count: Int, wide: Bool) { self.kind = kind; self.count = count; self.wide = wide }

    func run(_ io: KernelIO) {
        if wide { apply(Int64.self, io) } else { apply(Int32.self, io) }
    }

    private func apply<T: FixedWidthInteger & SignedInteger>(_: T.Type, _ io: KernelIO) {
        let x = io.input(0, as: T.self), y = io.output(0, as: T.self), n = count
        switch kind {
        case .neg: Cast.map(x, y, count: n) { 0 &- $0 }
        case .abs: Cast.map(x, y, count: n) { $0 < 0 ? 0 &- $0 : $0 }
        case .relu: Cast.map(x, y, count: n) { Swift.max($0, 0) }
        case .sign: Cast.map(x, y, count: n) { $0 > 0 ? 1 : $0 < 0 ? -1 : 0 }
        case let .clip(lo64, hi64):
            let lo = T(clamping: lo64), hi = T(clamping: hi64)
            Cast.map(x, y, count: n) { Swift.min(Swift.max($0, lo), hi) }
        }
    }
}

final class FloatModKernel: Kernel {
    let walk: BroadcastWalk, operands: Operands
    init(walk: BroadcastWalk, operands: Operands) { self.walk = walk; self.operands = operands }
    func run(_ io: KernelIO) {
        walk.map2(operands.pointer(0, io, as: Float.self), operands.pointer(1, io, as: Float.self), io.output(0), threads: io.threads) {
            $0.truncatingRemainder(dividingBy: $1)
        }
    }
}

final class ComparisonKernel: ElementTypedKernel {
    let kind: TypedElementwiseOps.Comparison, element: ArenaElement, walk: BroadcastWalk, operands: Operands
    init(_ kind: TypedElementwiseOps.Comparison, element: ArenaElement, walk: BroadcastWalk, operands: Operands) {
        self.kind = kind; self.element = element; self.walk = walk; self.operands = operands
    }

    func run<T: ArenaScalar>(_: T.Type, _ io: KernelIO) {
        let a = operands.pointer(0, io, as: T.self), b = operands.pointer(1, io, as: T.self)
        let y = io.output(0, as: UInt8.self), t = io.threads
        switch kind {
        case .equal: walk.map2(a, b, y, threads: t) { $0 == $1 ? 1 : 0 }
        case .less: walk.map2(a, b, y, threads: t) { $0 < $1 ? 1 : 0 }
        case .greater: walk.map2(a, b, y, threads: t) { $0 > $1 ? 1 : 0 }
        case .lessOrEqual: walk.map2(a, b, y, threads: t) { $0 <= $1 ? 1 : 0 }
        case .greaterOrEqual: walk.map2(a, b, y, threads: t) { $0 >= $1 ? 1 : 0 }
        }
    }
}

final class LogicKernel: Kernel {
    let kind: TypedElementwiseOps.Logic, walk: BroadcastWalk, operands: Operands
    init(_ kind: TypedElementwiseOps.Logic, walk: BroadcastWalk, operands: Operands) {
        self.kind = kind; self.walk = walk; self.operands = operands
    }
    func run(_ io: KernelIO) {
        let a = operands.pointer(0, io, as: UInt8.self), b = operands.pointer(1, io, as: UInt8.self)
        let y = io.output(0, as: UInt8.self), t = io.threads
        switch kind {
        case .and: walk.map2(a, b, y, threads: t) { $0 != 0 && $1 != 0 ? 1 : 0 }
        case .or: walk.map2(a, b, y, threads: t) { $0 != 0 || $1 != 0 ? 1 : 0 }
        case .xor: walk.map2(a, b, y, threads: t) { ($0 != 0) != ($1 != 0) ? 1 : 0 }
        }
    }
}

final class NotKernel: Kernel {
    let count: Int
    init(count: Int) { self.count = count }
    func run(_ io: KernelIO) { Cast.map(io.input(0, as: UInt8.self), io.output(0, as: UInt8.self), count: count) { $0 != 0 ? 0 : 1 } }
}

/// Where for elements of any stored type.
final class WhereKernel: ElementTypedKernel {
    let element: ArenaElement, walk: BroadcastWalk, operands: Operands
    init(element: ArenaElement, walk: BroadcastWalk, operands: Operands) { self.element = element; self.walk = walk; self.operands = operands }

    func run<T: ArenaScalar>(_: T.Type, _ io: KernelIO) {
        walk.map3(operands.pointer(0, io, as: UInt8.self), operands.pointer(1, io, as: T.self), operands.pointer(2, io, as: T.self),
                  io.output(0, as: T.self), threads: io.threads) { $0 != 0 ? $1 : $2 }
    }
}
