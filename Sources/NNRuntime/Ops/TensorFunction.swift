import NNTensor

/// An op given by its shape rule and its whole-tensor semantics: folded when its inputs are known, run by a
/// ``TensorFunctionKernel`` otherwise. The form for ops whose cost is small next to the convolutions
/// (normalisations, reductions, layout changes, the less common activations).
struct TensorFunction {
    /// Output shapes and types from the inputs' states (constant inputs' values are there); throws for
    /// anything `evaluate` could not do, so `evaluate` never fails at run time.
    let infer: ([ValueState?]) throws -> [(shape: [Int], dtype: DType)]
    /// Outputs from inputs (nil for omitted optional inputs).
    let evaluate: ([Tensor?]) -> [Tensor]

    /// The planning handler: fold or schedule.
    func plan(_ c: NodeContext) throws -> NodeResult {
        let outputs = try infer(c.inputs)
        for o in outputs where o.shape.contains(where: { $0 < 0 }) { throw c.invalid("negative output dimension \(o.shape)") }
        if c.allInputsConstant {
            return .constants(evaluate(c.inputs.map { $0?.constant }))
        }
        for s in c.inputs { if let s, s.constant == nil, s.dtype.arenaElement == nil {
            throw c.unsupported("run-time \(s.dtype) tensors")
        } }
        for o in outputs where o.dtype.arenaElement == nil { throw c.unsupported("run-time \(o.dtype) results") }
        let states = c.inputs
        let evaluate = self.evaluate
        let op = PlannedOp(c.op) { TensorFunctionKernel(inputs: states, outputs: outputs, evaluate: evaluate) }
        return .runtime(outputs: outputs, op: op)
    }
}

/// Runs a ``TensorFunction`` on arena buffers: run-time inputs are read into tensors of their own type,
/// constants were captured when planning, results are stored as their declared types.
final class TensorFunctionKernel: Kernel {
    let inputs: [ValueState?]
    let outputs: [(shape: [Int], dtype: DType)]
    let evaluate: ([Tensor?]) -> [Tensor]

    init(inputs: [ValueState?], outputs: [(shape: [Int], dtype: DType)], evaluate: @escaping ([Tensor?]) -> [Tensor]) {
        self.inputs = inputs
        self.outputs = outputs
        self.evaluate = evaluate
    }

    func run(_ io: KernelIO) {
        var args: [Tensor?] = []
        for (i, s) in inputs.enumerated() {
            guard let s else { args.append(nil); continue }
            if let c = s.constant { args.append(c); continue }
            args.append(io.arena.read(slot: io.inputs[i], shape: s.shape, dtype: s.dtype))
        }
        let results = evaluate(args)
        for (k, r) in results.enumerated() where k < io.outputs.count && io.outputs[k] >= 0 {
            io.arena.write(r, slot: io.outputs[k], as: outputs[k].dtype)
        }
    }
}

/// Index arithmetic shared by the tensor functions.
enum TensorIndex {
    /// `axis` normalised against `rank`, or nil when out of range.
    static func axis(_ a: Int, rank: Int) -> Int? {
        let r = a < 0 ? a + rank : a
        return r >= 0 && r < rank ? r : (rank == 0 && (a == 0 || a == -1) ? 0 : nil)
    }

    /// For each element of `shape` (row-major), the offset `Σ coordinate[d] · strides[d]`: with broadcast strides
    /// the source element under broadcasting, with zero strides on some axes the slot they collapse into.
    static func offsets(_ shape: [Int], strides: [Int]) -> [Int] {
        let n = shape.reduce(1, *)
        var idx = [Int](repeating: 0, count: n)
        var counter = [Int](repeating: 0, count: shape.count)
        var offset = 0
        for i in 0..<n {
            idx[i] = offset
            var d = shape.count - 1
            while d >= 0 {
                counter[d] += 1
                offset += strides[d]
                if counter[d] < shape[d] { break }
                offset -= strides[d] * counter[d]
                counter[d] = 0
                d -= 1
            }
        }
        return idx
    }

    /// For each output element, the input element it reads under broadcasting.
    static func broadcastIndices(_ shape: [Int], to out: [Int]) -> [Int] {
        offsets(out, strides: Elementwise.broadcastStrides(shape, to: out))
    }

    /// A tensor of the same type as `like` from doubles (rounded toward zero for integer types).
    static func make(_ shape: [Int], _ values: [Double], like dtype: DType) -> Tensor {
        if dtype.isFloatingPoint { return Tensor(shape: shape, values: values.map { Float($0) }, dtype: dtype) }
        if dtype == .bool { return Tensor(shape: shape, integers: values.map { $0 != 0 ? 1 : 0 }, dtype: .bool) }
        return Tensor(shape: shape, integers: values.map { Int64($0) }, dtype: dtype)
    }

    /// Values as doubles, whatever the type.
    static func doubles(_ t: Tensor) -> [Double] {
        switch t.storage {
        case .float(let v): return v.map(Double.init)
        case .int(let v): return v.map(Double.init)
        }
    }
}
