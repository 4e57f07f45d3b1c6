import NNTensor

/// Ops that only rearrange or describe data: Shape, Gather, Unsqueeze, Squeeze, Slice, Cast, Constant,
/// Reshape, Flatten, Identity, Dropout. They fold when their data is constant; the reshaping ones run as a copy.
enum ShapeOps {
    static func constant(_ c: NodeContext) throws -> NodeResult {
        if let t = c.tensor("value") { return .constants([Tensor(onnx: t)]) }
        if let f = c.float("value_float"), c.node.attributes["value_float"] != nil { return .constants([Tensor(shape: [], values: [f])]) }
        if let v = c.floats("value_floats") { return .constants([Tensor(shape: [v.count], values: v)]) }
        if let i = c.int("value_int") { return .constants([Tensor(shape: [], integers: [Int64(i)])]) }
        if let v = c.ints("value_ints") { return .constants([Tensor(shape: [v.count], integers: v.map(Int64.init))]) }
        throw c.unsupported("Constant without a tensor, float(s) or int(s) value")
    }

    static func shape(_ c: NodeContext) throws -> NodeResult {
        let s = try c.input(0).shape
        let r = s.count
        var start = c.int("start", default: 0), end = c.int("end", default: r)
        if start < 0 { start += r }
        if end < 0 { end += r }
        start = min(max(start, 0), r)
        end = min(max(end, start), r)
        let dims = s[start..<end].map { Int64($0) }
        return .constants([Tensor(shape: [dims.count], integers: dims)])
    }

    static func gather(_ c: NodeContext) throws -> NodeResult {
        let data = try c.input(0)
        let axis = try c.axis(c.int("axis", default: 0), rank: data.shape.count)
        let n = data.shape[axis]
        let outer = data.shape[..<axis].reduce(1, *)
        let inner = data.shape[(axis + 1)...].reduce(1, *)
        guard let indices = try c.input(1).constant else {
            // Indices computed at run time: read and checked by the kernel (out-of-range slices give zeros).
            let ind = try c.input(1)
            try requireStored(c, data)
            guard ind.dtype == .int64 || ind.dtype == .int32 else { throw c.invalid("indices of type \(ind.dtype)") }
            let outShape = Array(data.shape[..<axis]) + ind.shape + Array(data.shape[(axis + 1)...])
            let width = data.dtype.arenaElement!.byteWidth, wide = ind.dtype == .int64
            let count = ind.shape.reduce(1, *)
            let op = PlannedOp("Gather") {
                GatherKernel(outer: outer, axisLength: n, inner: inner, width: width, indices: nil, runTimeIndices: (count, wide))
            }
            return .runtime(outputs: [(outShape, data.dtype)], op: op)
        }
        let outShape = Array(data.shape[..<axis]) + indices.shape + Array(data.shape[(axis + 1)...])
        let idx = try indices.integers.map { i -> Int in
            let k = Int(i) < 0 ? Int(i) + n : Int(i)
            guard k >= 0 && k < n else { throw c.invalid("index \(i) is out of range for axis of size \(n)") }
            return k
        }
        if let t = data.constant {
            func pick<T>(_ v: [T]) -> [T] {
                var out: [T] = []
                out.reserveCapacity(outer * idx.count * inner)
                for o in 0..<outer { for k in idx { out.append(contentsOf: v[(o * n + k) * inner..<(o * n + k + 1) * inner]) } }
                return out
            }
            switch t.storage {
            case .float(let v): return .constants([Tensor(shape: outShape, values: pick(v), dtype: t.dtype)])
            case .int(let v): return .constants([Tensor(shape: outShape, integers: pick(v), dtype: t.dtype)])
            }
        }
        try requireStored(c, data)
        let width = data.dtype.arenaElement!.byteWidth
        let op = PlannedOp("Gather") {
            GatherKernel(outer: outer, axisLength: n, inner: inner, width: width, indices: idx, runTimeIndices: nil)
        }
        return .runtime(outputs: [(outShape, data.dtype)], op: op)
    }

    /// Axes from the attribute (older opsets) or the second input (opset 13 on).
    static func axesArgument(_ c: NodeContext, since: Int64) throws -> [Int]? {
        if c.opset >= since {
            guard let s = c.optionalInput(1) else { return nil }
            guard let t = s.constant else { throw c.unsupported("axes must be constant") }
            return t.integers.map { Int($0) }
        }
        return c.ints("axes")
    }

    static func unsqueeze(_ c: NodeContext) throws -> NodeResult {
        let data = try c.input(0)
        guard let axesRaw = try axesArgument(c, since: 13) else { throw c.invalid("no axes") }
        let rank = data.shape.count + axesRaw.count
        let axes = try Set(axesRaw.map { try c.axis($0, rank: rank) })
        guard axes.count == axesRaw.count else { throw c.invalid("repeated axes \(axesRaw)") }
        var shape: [Int] = []
        var it = data.shape.makeIterator()
        for i in 0..<rank { shape.append(axes.contains(i) ? 1 : it.next()!) }
        return reshape(c, data, to: shape)
    }

    static func squeeze(_ c: NodeContext) throws -> NodeResult {
        let data = try c.input(0)
        let shape: [Int]
        if let axesRaw = try axesArgument(c, since: 13) {
            let axes = try Set(axesRaw.map { try c.axis($0, rank: data.shape.count) })
            for a in axes where data.shape[a] != 1 { throw c.invalid("cannot squeeze axis \(a) of size \(data.shape[a])") }
            shape = data.shape.enumerated().filter { !axes.contains($0.offset) }.map(\.element)
        } else {
            shape = data.shape.filter { $0 != 1 }
        }
        return reshape(c, data, to: shape)
    }

    static func reshapeOp(_ c: NodeContext) throws -> NodeResult {
        let data = try c.input(0)
        let requested: [Int]
        if c.opset >= 5 {
            requested = try c.constantInput(1).integers.map { Int($0) }
        } else {
            guard let s = c.ints("shape") else { throw c.invalid("no shape") }
            requested = s
        }
        let allowZero = c.int("allowzero", default: 0) == 1
        var shape = requested
        var inferred: Int?
        for (i, d) in requested.enumerated() {
            if d == 0 && !allowZero {
                guard i < data.shape.count else { throw c.invalid("0 at axis \(i) beyond the input's rank") }
                shape[i] = data.shape[i]
            } else if d == -1 {
                guard inferred == nil else { throw c.invalid("more than one -1 in \(requested)") }
                inferred = i
            } else if d < 0 {
                throw c.invalid("negative dimension \(d)")
            }
        }
        let total = data.shape.reduce(1, *)
        if let k = inferred {
            let known = shape.enumerated().filter { $0.offset != k }.map(\.element).reduce(1, *)
            guard known > 0, total % known == 0 else { throw c.invalid("cannot reshape \(data.shape) to \(requested)") }
            shape[k] = total / known
        }
        guard shape.reduce(1, *) == total else { throw c.invalid("cannot reshape \(data.shape) to \(requested)") }
        return reshape(c, data, to: shape)
    }

    static func flatten(_ c: NodeContext) throws -> NodeResult {
        let data = try c.input(0)
        let r = data.shape.count
        var axis = c.int("axis", default: 1)
        if axis < 0 { axis += r }
        guard axis >= 0 && axis <= r else { throw c.invalid("axis out of range") }
        let shape = [data.shape[..<axis].reduce(1, *), data.shape[axis...].reduce(1, *)]
        return reshape(c, data, to: shape)
    }

    static func identity(_ c: NodeContext) throws -> NodeResult {
        let data = try c.input(0)
        if c.op == "Dropout", c.opset >= 12, c.optionalInput(2) != nil {
            let training = try c.constantInput(2).integers.first ?? 0
            let ratio = c.optionalInput(1) == nil ? 0.5 : TensorIndex.doubles(try c.constantInput(1)).first ?? 0.5
            if training != 0 && ratio != 0 { throw c.unsupported("training mode (random by definition)") }
        }
        let result = reshape(c, data, to: data.shape)
        guard c.op == "Dropout", c.node.outputs.count > 1 else { return result }
        // Dropout's optional mask output: all true at inference.
        switch result {
        case .constants(let t):
            return .constants(t + [Tensor(shape: data.shape, integers: .init(repeating: 1, count: data.shape.reduce(1, *)), dtype: .bool)])
        case .runtime:
            return try TensorFunction(infer: { _ in [(data.shape, data.dtype), (data.shape, .bool)] }) { args in
                [args[0]!, Tensor(shape: data.shape, integers: .init(repeating: 1, count: data.shape.reduce(1, *)), dtype: .bool)]
            }.plan(c)
        }
    }

    /// The data under a new shape: folded when constant, otherwise a copy at run time.
    static func reshape(_ c: NodeContext, _ data: ValueState, to shape: [Int]) -> NodeResult {
        if let t = data.constant { return .constants([t.reshaped(shape)]) }
        let bytes = ArenaMemory.slots(count: shape.reduce(1, *), dtype: data.dtype) * 4
        return .runtime(outputs: [(shape, data.dtype)], op: PlannedOp(c.op) { CopyKernel(bytes: bytes) })
    }

    static func cast(_ c: NodeContext) throws -> NodeResult {
        let data = try c.input(0)
        guard let code = c.int("to"), let onnxType = ONNXTypeCode(code) else { throw c.unsupported("Cast to type \(c.int("to") ?? -1)") }
        if let t = data.constant { return .constants([t.cast(to: onnxType)]) }
        guard let from = data.dtype.arenaElement, let to = onnxType.arenaElement else {
            throw c.unsupported("Cast of a run-time \(data.dtype) tensor to \(onnxType)")
        }
        let toHalf = onnxType == .float16 && data.dtype != .float16
        if from == to && !toHalf { return reshape(c, data, to: data.shape) }
        let n = data.shape.reduce(1, *)
        return .runtime(outputs: [(data.shape, onnxType)], op: PlannedOp("Cast") { CastKernel(from: from, to: to, toHalf: toHalf, count: n) })
    }

    static func slice(_ c: NodeContext) throws -> NodeResult {
        let data = try c.input(0)
        let r = data.shape.count
        var starts: [Int], ends: [Int], axes: [Int]?, steps: [Int]?
        if c.opset >= 10 {
            starts = try c.constantInput(1).integers.map { clampInt($0) }
            ends = try c.constantInput(2).integers.map { clampInt($0) }
            axes = try c.optionalInput(3).map { _ in try c.constantInput(3).integers.map { Int($0) } }
            steps = try c.optionalInput(4).map { _ in try c.constantInput(4).integers.map { Int($0) } }
        } else {
            guard let s = c.ints("starts"), let e = c.ints("ends") else { throw c.invalid("no starts/ends") }
            starts = s; ends = e; axes = c.ints("axes"); steps = nil
        }
        let ax = try (axes ?? Array(0..<starts.count)).map { try c.axis($0, rank: r) }
        let st = steps ?? [Int](repeating: 1, count: starts.count)
        guard ends.count == starts.count, ax.count == starts.count, st.count == starts.count else {
            throw c.invalid("starts, ends, axes and steps differ in length")
        }
        var begin = [Int](repeating: 0, count: r), step = [Int](repeating: 1, count: r), outShape = data.shape
        for (k, a) in ax.enumerated() {
            let n = data.shape[a], s = st[k]
            guard s != 0 else { throw c.invalid("step 0") }
            var b = starts[k], e = ends[k]
            if b < 0 { b += n }
            if e < 0 { e += n }
            if s > 0 {
                b = min(max(b, 0), n); e = min(max(e, 0), n)
                outShape[a] = max(0, (e - b + s - 1) / s)
            } else {
                b = min(max(b, -1), n - 1); e = min(max(e, -1), n - 1)
                outShape[a] = max(0, (b - e + (-s) - 1) / (-s))
            }
            begin[a] = b; step[a] = s
        }
        let inStrides = Tensor.contiguousStrides(data.shape)
        let total = outShape.reduce(1, *)
        // Source index of each output element.
        func sourceIndices() -> [Int] {
            var out = [Int](); out.reserveCapacity(total)
            var idx = [Int](repeating: 0, count: r)
            for _ in 0..<total {
                var off = 0
                for d in 0..<r { off += (begin[d] + idx[d] * step[d]) * inStrides[d] }
                out.append(off)
                var d = r - 1
                while d >= 0 { idx[d] += 1; if idx[d] < outShape[d] { break }; idx[d] = 0; d -= 1 }
            }
            return out
        }
        if let t = data.constant {
            let src = sourceIndices()
            switch t.storage {
            case .float(let v): return .constants([Tensor(shape: outShape, values: src.map { v[$0] }, dtype: t.dtype)])
            case .int(let v): return .constants([Tensor(shape: outShape, integers: src.map { v[$0] }, dtype: t.dtype)])
            }
        }
        try requireStored(c, data)
        // Copy whole rows: trailing dimensions taken in full, plus the innermost sliced one when its step is 1,
        // form contiguous runs (a channel slice of NCHW is a single run).
        var p = r - 1
        while p >= 0 && begin[p] == 0 && step[p] == 1 && outShape[p] == data.shape[p] { p -= 1 }
        let q = p >= 0 && step[p] == 1 ? p : p + 1
        let rowLength = outShape[max(q, 0)...].reduce(1, *)
        var rowStarts: [Int] = []
        let rows = outShape[..<max(q, 0)].reduce(1, *)
        rowStarts.reserveCapacity(rows)
        var idx = [Int](repeating: 0, count: max(q, 0))
        for _ in 0..<(rowLength == 0 ? 0 : rows) {
            var off = q >= 0 && q == p ? begin[p] * inStrides[p] : 0
            for d in 0..<max(q, 0) { off += (begin[d] + idx[d] * step[d]) * inStrides[d] }
            rowStarts.append(off)
            var d = q - 1
            while d >= 0 { idx[d] += 1; if idx[d] < outShape[d] { break }; idx[d] = 0; d -= 1 }
        }
        return .runtime(outputs: [(outShape, data.dtype)],
                        op: PlannedOp("Slice") {
                            RowCopyKernel(rowStarts: rowStarts, rowLength: rowLength, width: data.dtype.arenaElement!.byteWidth)
                        })
    }

    static func clampInt(_ v: Int64) -> Int { Int(max(min(v, Int64(Int32.max)), Int64(Int32.min))) }

    /// Floating-point values (stored as Float: float32, and float16 / float64 computed in float32).
    static func requireFloat(_ c: NodeContext, _ s: ValueState) throws {
        guard s.dtype.arenaElement == .float else { throw c.unsupported("run-time \(s.dtype) tensors (this op runs on floating-point values)") }
    }

    /// Values of a type the arena stores (float32/16/64, int64, int32, bool).
    static func requireStored(_ c: NodeContext, _ s: ValueState) throws {
        guard s.dtype.arenaElement != nil else { throw c.unsupported("run-time \(s.dtype) tensors (narrow integer types only fold)") }
    }
}

/// ONNX `TensorProto.DataType` code → our dtype.
func ONNXTypeCode(_ code: Int) -> DType? {
    switch code {
    case 1: return .float32
    case 2: return .uint8
    case 3: return .int8
    case 4: return .uint16
    case 5: return .int16
    case 6: return .int32
    case 7: return .int64
    case 9: return .bool
    case 10, 16: return .float16
    case 11: return .float64
    case 12: return .uint32
    case 13: return .uint64
    default: return nil
    }
}

/// Gathers slices along one axis, for elements of any width: indices fixed when planning, or read at run
/// time from input 1 (int64 or int32; negative ones count from the end, out-of-range ones give zeros).
final class GatherKernel: Kernel {
    let outer: Int, axisLength: Int, inner: Int, width: Int
    let indices: [Int]?
    let runTimeIndices: (count: Int, wide: Bool)?

    init(outer: Int, axisLength: Int, inner: Int, width: Int, indices: [Int]?, runTimeIndices: (count: Int, wide: Bool)?) {
        self.outer = outer; self.axisLength = axisLength; self.inner = inner; self.width = width
        self.indices = indices; self.runTimeIndices = runTimeIndices
    }

    func run(_ io: KernelIO) {
        let src = io.inputBytes(0)
        var dst = io.outputBytes(0)
        let slice = inner * width
        if let indices {
            for o in 0..<outer {
                for k in indices {
                    dst.copyMemory(from: src + (o * axisLength + k) * slice, byteCount: slice)
                    dst += slice
                }
            }
            return
        }
        guard let runTime = runTimeIndices else { return }
        let count = runTime.count, wide = runTime.wide
        let i64 = wide ? io.input(1, as: Int64.self) : nil, i32 = wide ? nil : io.input(1, as: Int32.self)
        for o in 0..<outer {
            for j in 0..<count {
                var k = Int(i64?[j] ?? Int64(i32![j]))
                if k < 0 { k += axisLength }
                if k >= 0 && k < axisLength {
                    dst.copyMemory(from: src + (o * axisLength + k) * slice, byteCount: slice)
                } else {
                    dst.initializeMemory(as: UInt8.self, repeating: 0, count: slice)
                }
                dst += slice
            }
        }
    }
}

/// Copies runs of `rowLength` elements of `width` bytes from precomputed source element offsets (run-time Slice).
final class RowCopyKernel: Kernel {
    let rowStarts: [Int], rowLength: Int, width: Int
    init(rowStarts: [Int], rowLength: Int, width: Int) { self.rowStarts = rowStarts; self.rowLength = rowLength; self.width = width }
    func run(_ io: KernelIO) {
        let src = io.inputBytes(0)
        var dst = io.outputBytes(0)
        let bytes = rowLength * width
        for start in rowStarts {
            dst.copyMemory(from: src + start * width, byteCount: bytes)
            dst += bytes
        }
    }
}

/// Converts between element types (``Cast``) at run time.
final class CastKernel: Kernel {
    let from: ArenaElement, to: ArenaElement, toHalf: Bool, count: Int
    init(from: ArenaElement, to: ArenaElement, toHalf: Bool, count: Int) {
        self.from = from; self.to = to; self.toHalf = toHalf; self.count = count
    }

    func run(_ io: KernelIO) {
        let n = count, half = toHalf
        switch (from, to) {
        case (.float, .float):
            let x = io.input(0), y = io.output(0)
            if half { Cast.map(x, y, count: n, Cast.half) } else if x != UnsafePointer(y) { y.update(from: x, count: n) }
        case (.float, .int64): Cast.map(io.input(0), io.output(0, as: Int64.self), count: n, Cast.int64)
        case (.float, .int32): Cast.map(io.input(0), io.output(0, as: Int32.self), count: n, Cast.int32)
        case (.float, .bool): Cast.map(io.input(0), io.output(0, as: UInt8.self), count: n) { $0 != 0 ? 1 : 0 }
        case (.int64, .float): Cast.map(io.input(0, as: Int64.self), io.output(0), count: n) { half ? Cast.half(Float($0)) : Float($0) }
        case (.int64, .int32): Cast.map(io.input(0, as: Int64.self), io.output(0, as: Int32.self), count: n) { Int32(truncatingIfNeeded: $0) }
        case (.int64, .bool): Cast.map(io.input(0, as: Int64.self), io.output(0, as: UInt8.self), count: n) { $0 != 0 ? 1 : 0 }
        case (.int32, .float): Cast.map(io.input(0, as: Int32.self), io.output(0), count: n) { half ? Cast.half(Float($0)) : Float($0) }
        case (.int32, .int64): Cast.map(io.input(0, as: Int32.self), io.output(0, as: Int64.self), count: n) { Int64($0) }
        case (.int32, .bool): Cast.map(io.input(0, as: Int32.self), io.output(0, as: UInt8.self), count: n) { $0 != 0 ? 1 : 0 }
        case (.bool, .float): Cast.map(io.input(0, as: UInt8.self), io.output(0), count: n) { $0 != 0 ? 1 : 0 }
        case (.bool, .int64): Cast.map(io.input(0, as: UInt8.self), io.output(0, as: Int64.self), count: n) { $0 != 0 ? 1 : 0 }
        case (.bool, .int32): Cast.map(io.input(0, as: UInt8.self), io.output(0, as: Int32.self), count: n) { $0 != 0 ? 1 : 0 }
        case (.int64, .int64), (.int32, .int32), (.bool, .bool):
            io.outputBytes(0).copyMemory(from: io.inputBytes(0), byteCount: n * from.byteWidth)
        }
    }
}
