import NNTensor

/// Ops that read or write elements at computed indices: GatherND (batch_dims), GatherElements, ScatterND
/// (reduction none / add / mul / max / min), and Range (folded). Indices may be known when planning or
/// computed at run time; negative ones count from the end of their axis. An index out of range, which
/// ONNX Runtime reports as an error, cannot fail a run here: it gives zeros (gathers) or is skipped (scatter).
enum IndexOps {
    /// The element type of `s`, which the arena must store.
    static func element(_ c: NodeContext, _ s: ValueState) throws -> ArenaElement {
        guard let e = s.dtype.arenaElement else { throw c.unsupported("\(s.dtype) data") }
        return e
    }

    static func indexType(_ c: NodeContext, _ s: ValueState) throws -> Bool {
        guard s.dtype == .int64 || s.dtype == .int32 else { throw c.invalid("indices of type \(s.dtype)") }
        return s.dtype == .int64
    }

    static func gatherND(_ c: NodeContext) throws -> NodeResult {
        let data = try c.input(0), indices = try c.input(1)
        let b = c.int("batch_dims", default: 0)
        let r = data.shape.count, q = indices.shape.count
        guard q >= 1, let k = indices.shape.last, b >= 0, b < min(r, q), k >= 1, k <= r - b,
              Array(data.shape[..<b]) == Array(indices.shape[..<b]) else {
            throw c.invalid("data \(data.shape), indices \(indices.shape), batch_dims \(b)")
        }
        let element = try element(c, data), wide = try indexType(c, indices)
        let outShape = Array(indices.shape.dropLast()) + Array(data.shape[(b + k)...])
        let geometry = GatherNDKernel.Geometry(
            batches: data.shape[..<b].reduce(1, *), tuplesPerBatch: indices.shape[b..<(q - 1)].reduce(1, *), depth: k,
            axes: Array(data.shape[b..<(b + k)]), axisStrides: Array(Tensor.contiguousStrides(data.shape)[b..<(b + k)]),
            batchStride: data.shape[b...].reduce(1, *), slice: data.shape[(b + k)...].reduce(1, *))
        let states = c.inputs
        return .runtime(outputs: [(outShape, data.dtype)], op: PlannedOp("GatherND") {
            GatherNDKernel(geometry, width: element.byteWidth, wideIndices: wide, operands: Operands(states))
        })
    }

    static func scatterND(_ c: NodeContext) throws -> NodeResult {
        let data = try c.input(0), indices = try c.input(1), updates = try c.input(2)
        let r = data.shape.count, q = indices.shape.count
        guard q >= 1, let k = indices.shape.last, k >= 1, k <= r,
              updates.shape == Array(indices.shape.dropLast()) + Array(data.shape[k...]), updates.dtype == data.dtype else {
            throw c.invalid("data \(data.shape), indices \(indices.shape), updates \(updates.shape)")
        }
        let reduction: ScatterNDKernel.Reduction
        switch c.string("reduction") ?? "none" {
        case "none": reduction = .none
        case "add": reduction = .add
        case "mul": reduction = .mul
        case "max": reduction = .max
        case "min": reduction = .min
        case let other: throw c.unsupported("reduction '\(other)'")
        }
        let element = try element(c, data), wide = try indexType(c, indices)
        if element == .bool && reduction != .none { throw c.unsupported("reduction of bool data") }
        let geometry = GatherNDKernel.Geometry(
            batches: 1, tuplesPerBatch: indices.shape.dropLast().reduce(1, *), depth: k, axes: Array(data.shape[..<k]),
            axisStrides: Array(Tensor.contiguousStrides(data.shape)[..<k]), batchStride: 0, slice: data.shape[k...].reduce(1, *))
        let states = c.inputs, count = data.shape.reduce(1, *)
        return .runtime(outputs: [(data.shape, data.dtype)], op: PlannedOp("ScatterND") {
            ScatterNDKernel(geometry, count: count, element: element, wideIndices: wide, reduction: reduction, operands: Operands(states))
        })
    }

    static func gatherElements(_ c: NodeContext) throws -> NodeResult {
        let data = try c.input(0), indices = try c.input(1)
        let r = data.shape.count
        let axis = try c.axis(c.int("axis", default: 0), rank: r)
        guard indices.shape.count == r, (0..<r).allSatisfy({ $0 == axis || indices.shape[$0] <= data.shape[$0] }) else {
            throw c.invalid("data \(data.shape), indices \(indices.shape), axis \(axis)")
        }
        let element = try element(c, data), wide = try indexType(c, indices)
        var strides = Tensor.contiguousStrides(data.shape)
        let axisStride = strides[axis], axisLength = data.shape[axis]
        strides[axis] = 0
        let walk = StridedCopy(shape: indices.shape, strides: strides), states = c.inputs
        return .runtime(outputs: [(indices.shape, data.dtype)], op: PlannedOp("GatherElements") {
            GatherElementsKernel(shape: indices.shape, strides: strides, axisStride: axisStride, axisLength: axisLength,
                                 element: element, wideIndices: wide, operands: Operands(states), count: walk.count)
        })
    }

    /// Range: its length depends on its inputs' values, so they must be known when planning.
    static func range(_ c: NodeContext) throws -> NodeResult {
        let start = try c.constantInput(0), limit = try c.constantInput(1), delta = try c.constantInput(2)
        if start.dtype.isFloatingPoint {
            let s = start.floats.first ?? 0, l = limit.floats.first ?? 0, d = delta.floats.first ?? 0
            let steps = ((l - s) / d).rounded(.up)
            guard d != 0, steps.isFinite, steps <= Float(1 << 28) else { throw c.invalid("start \(s), limit \(l), delta \(d)") }
            let n = max(Int(steps), 0)
            guard n <= 1 << 28 else { throw c.invalid("\(n) elements") }
            return .constants([Tensor(shape: [n], values: (0..<n).map { s + Float($0) * d }, dtype: start.dtype)])
        }
        let s = start.integers.first ?? 0, l = limit.integers.first ?? 0, d = delta.integers.first ?? 0
        guard d != 0 else { throw c.invalid("delta 0") }
        let span = l - s
        let n = max(Int(span / d + (span % d != 0 && (span < 0) == (d < 0) ? 1 : 0)), 0)
        guard n <= 1 << 28 else { throw c.invalid("\(n) elements") }
        return .constants([Tensor(shape: [n], integers: (0..<n).map { s + Int64($0) * d }, dtype: start.dtype)])
    }
}

/// The index arithmetic of one index tuple, shared by the ND gather and scatter.
@inline(__always)
private func tupleOffset(_ idx: (Int) -> Int64, depth: Int, axes: UnsafePointer<Int>, strides: UnsafePointer<Int>) -> Int? {
    var offset = 0
    for m in 0..<depth {
        var i = Int(truncatingIfNeeded: idx(m))
        if i < 0 { i += axes[m] }
        guard i >= 0 && i < axes[m] else { return nil }
        offset += i * strides[m]
    }
    return offset
}

/// GatherND: for each index tuple, a slice of `slice` elements copied from the addressed place.
final class GatherNDKernel: Kernel {
    struct Geometry {
        var batches: Int, tuplesPerBatch: Int, depth: Int
        var axes: [Int], axisStrides: [Int]
        /// Elements of data per batch, and per gathered slice.
        var batchStride: Int, slice: Int
    }

    let g: Geometry, width: Int, wideIndices: Bool, operands: Operands
    init(_ g: Geometry, width: Int, wideIndices: Bool, operands: Operands) {
        self.g = g; self.width = width; self.wideIndices = wideIndices; self.operands = operands
    }

    func run(_ io: KernelIO) {
        let src = operands.bytes(0, io), dst = io.outputBytes(0)
        let i64 = wideIndices ? operands.pointer(1, io, as: Int64.self) : nil
        let i32 = wideIndices ? nil : operands.pointer(1, io, as: Int32.self)
        let g = self.g, bytes = g.slice * width, width = self.width
        let tuples = g.batches * g.tuplesPerBatch
        g.axes.withUnsafeBufferPointer { axes in g.axisStrides.withUnsafeBufferPointer { strides in
            let axes = axes.baseAddress!, strides = strides.baseAddress!
            Parallel.forEach(tuples, threads: tuples * g.slice >= 1 << 14 ? io.threads : 1) { t in
                let base = t * g.depth
                let offset = i64 != nil
                    ? tupleOffset({ i64![base + $0] }, depth: g.depth, axes: axes, strides: strides)
                    : tupleOffset({ Int64(i32![base + $0]) }, depth: g.depth, axes: axes, strides: strides)
                let out = dst + t * bytes
                if let offset {
                    out.copyMemory(from: src + ((t / g.tuplesPerBatch) * g.batchStride + offset) * width, byteCount: bytes)
                } else {
                    out.initializeMemory(as: UInt8.self, repeating: 0, count: bytes)
                }
            }
        } }
    }
}

/// ScatterND: the data copied, then each update slice written (or combined) at its index tuple, in order.
final class ScatterNDKernel: ElementTypedKernel {
    enum Reduction { case none, add, mul, max, min }
    let g: GatherNDKernel.Geometry, count: Int, element: ArenaElement, wideIndices: Bool, reduction: Reduction
    let operands: Operands

    init(_ g: GatherNDKernel.Geometry, count: Int, element: ArenaElement, wideIndices: Bool, reduction: Reduction,
         operands: Operands) {
        self.g = g; self.count = count; self.element = element; self.wideIndices = wideIndices
        self.reduction = reduction; self.operands = operands
    }

    func run<T: ArenaScalar>(_: T.Type, _ io: KernelIO) {
        let data = operands.pointer(0, io, as: T.self), updates = operands.pointer(2, io, as: T.self)
        let out = io.output(0, as: T.self)
        if UnsafePointer(out) != data { out.update(from: data, count: count) }
        let i64 = wideIndices ? operands.pointer(1, io, as: Int64.self) : nil
        let i32 = wideIndices ? nil : operands.pointer(1, io, as: Int32.self)
        let g = self.g, n = g.slice
        g.axes.withUnsafeBufferPointer { axes in g.axisStrides.withUnsafeBufferPointer { strides in
            for t in 0..<g.tuplesPerBatch {
                let base = t * g.depth
                let offset = i64 != nil
                    ? tupleOffset({ i64![base + $0] }, depth: g.depth, axes: axes.baseAddress!, strides: strides.baseAddress!)
                    : tupleOffset({ Int64(i32![base + $0]) }, depth: g.depth, axes: axes.baseAddress!, strides: strides.baseAddress!)
                guard let offset else { continue }
                let y = out + offset, u = updates + t * n
                switch reduction {
                case .none: y.update(from: u, count: n)
                case .add: for i in 0..<n { y[i] += u[i] }
                case .mul: for i in 0..<n { y[i] *= u[i] }
                case .max: for i in 0..<n { y[i] = Swift.max(y[i], u[i]) }
                case .min: for i in 0..<n { y[i] = Swift.min(y[i], u[i]) }
                }
            }
        } }
    }
}

/// GatherElements: each output element reads data at its own coordinates, the axis coordinate replaced by its index.
final class GatherElementsKernel: ElementTypedKernel {
    let shape: [Int], strides: [Int], axisStride: Int, axisLength: Int, element: ArenaElement, wideIndices: Bool
    let operands: Operands, count: Int

    init(shape: [Int], strides: [Int], axisStride: Int, axisLength: Int, element: ArenaElement, wideIndices: Bool,
         operands: Operands, count: Int) {
        self.shape = shape; self.strides = strides; self.axisStride = axisStride; self.axisLength = axisLength
        self.element = element; self.wideIndices = wideIndices; self.operands = operands; self.count = count
    }

    func run<T: ArenaScalar>(_: T.Type, _ io: KernelIO) {
        let x = operands.pointer(0, io, as: T.self), y = io.output(0, as: T.self)
        let i64 = wideIndices ? operands.pointer(1, io, as: Int64.self) : nil
        let i32 = wideIndices ? nil : operands.pointer(1, io, as: Int32.self)
        var counter = [Int](repeating: 0, count: shape.count)
        var offset = 0
        for e in 0..<count {
            var k = Int(truncatingIfNeeded: i64?[e] ?? Int64(i32![e]))
            if k < 0 { k += axisLength }
            y[e] = k >= 0 && k < axisLength ? x[offset + k * axisStride] : 0
            var d = shape.count - 1
            while d >= 0 {
                counter[d] += 1
                offset += strides[d]
                if counter[d] < shape[d] { break }
                offset -= counter[d] * strides[d]
                counter[d] = 0
                d -= 1
            }
        }
    }
}
