import NNTensor

/// MatMul (NumPy semantics: 1-D promotion, broadcast batch dimensions) and Gemm, through sgemm.
enum MatMulOps {
    static func matMul(_ c: NodeContext) throws -> NodeResult {
        let a = try c.input(0), b = try c.input(1)
        guard !a.shape.isEmpty, !b.shape.isEmpty else { throw c.invalid("scalar operands") }
        let aShape = a.shape.count == 1 ? [1, a.shape[0]] : a.shape
        let bShape = b.shape.count == 1 ? [b.shape[0], 1] : b.shape
        let (m, k) = (aShape[aShape.count - 2], aShape[aShape.count - 1])
        let (k2, n) = (bShape[bShape.count - 2], bShape[bShape.count - 1])
        guard k == k2 else { throw c.invalid("inner dimensions \(k) and \(k2) differ") }
        guard let batch = Elementwise.broadcastShape(Array(aShape.dropLast(2)), Array(bShape.dropLast(2))) else {
            throw c.invalid("batch dimensions of \(a.shape) and \(b.shape) do not broadcast")
        }
        var outShape = batch + [m, n]
        if a.shape.count == 1 { outShape.remove(at: outShape.count - 2) }
        if b.shape.count == 1 { outShape.removeLast() }
        guard a.dtype.isFloatingPoint && b.dtype.isFloatingPoint else {
            // Integer MatMul: plain loops.
            return try TensorFunction(infer: { _ in [(outShape, a.dtype)] }) { args in
                let x = TensorIndex.doubles(args[0]!), y = TensorIndex.doubles(args[1]!)
                let out = product(x, aShape, y, bShape, batch: batch, m: m, n: n, k: k)
                return [TensorIndex.make(outShape, out, like: a.dtype)]
            }.plan(c)
        }
        let batches = batch.reduce(1, *)
        let ai = TensorIndex.broadcastIndices(Array(aShape.dropLast(2)), to: batch)
        let bi = TensorIndex.broadcastIndices(Array(bShape.dropLast(2)), to: batch)
        let geometry = BatchedMatMul(m: m, n: n, k: k, aOffsets: (0..<batches).map { ai[$0] * m * k },
                                     bOffsets: (0..<batches).map { bi[$0] * k * n })
        let op = MatMulOp(geometry, a: a.constant?.floats, b: b.constant?.floats, multiplyAdds: batches * m * n * k)
        return .runtime(outputs: [(outShape, a.dtype)], op: op)
    }

    /// Batched product in double precision (integer operands).
    static func product(_ x: [Double], _ aShape: [Int], _ y: [Double], _ bShape: [Int], batch: [Int], m: Int, n: Int, k: Int) -> [Double] {
        let batches = batch.reduce(1, *)
        let ai = TensorIndex.broadcastIndices(Array(aShape.dropLast(2)), to: batch)
        let bi = TensorIndex.broadcastIndices(Array(bShape.dropLast(2)), to: batch)
        var out = [Double](repeating: 0, count: batches * m * n)
        for t in 0..<batches {
            for i in 0..<m { for j in 0..<n {
                var s = 0.0
                for p in 0..<k { s += x[ai[t] * m * k + i * k + p] * y[bi[t] * k * n + p * n + j] }
                out[t * m * n + i * n + j] = s
            } }
        }
        return out
    }

    /// Gemm: `alpha · A' · B' + beta · C`, A' and B' optionally transposed, C broadcast to M × N.
    static func gemm(_ c: NodeContext) throws -> NodeResult {
        let a = try c.input(0), b = try c.input(1)
        guard a.shape.count == 2, b.shape.count == 2 else { throw c.invalid("A and B must be matrices") }
        let transA = c.int("transA", default: 0) != 0, transB = c.int("transB", default: 0) != 0
        let alpha = c.float("alpha") ?? 1, beta = c.float("beta") ?? 1
        let (m, k) = transA ? (a.shape[1], a.shape[0]) : (a.shape[0], a.shape[1])
        let (k2, n) = transB ? (b.shape[1], b.shape[0]) : (b.shape[0], b.shape[1])
        guard k == k2 else { throw c.invalid("inner dimensions \(k) and \(k2) differ") }
        let bias = c.optionalInput(2)
        if let bias, Elementwise.broadcastShape(bias.shape, [m, n]) != [m, n] { throw c.invalid("C \(bias.shape) does not broadcast to [\(m), \(n)]") }
        // A bias along rows (C of shape [n] or [1, n]) and alpha folded into constant weights: one sgemm and
        // its epilogue.
        if a.dtype == .float32, b.dtype == .float32, let bw = b.constant,
           bias.map({ $0.constant != nil && $0.shape.reduce(1, *) == n && ($0.shape.last ?? 1) == n }) ?? true {
            var weights = bw.floats
            if alpha != 1 { weights = weights.map { $0 * alpha } }
            let op = MatMulOp(BatchedMatMul(m: m, n: n, k: k, aOffsets: [0], bOffsets: [0], transA: transA, transB: transB),
                              a: a.constant?.floats, b: weights, multiplyAdds: m * n * k, opType: "Gemm")
            if let c = bias?.constant {
                op.bias = beta == 1 ? c.floats : c.floats.map { $0 * beta }
            }
            return .runtime(outputs: [([m, n], .float32)], op: op)
        }
        return try TensorFunction(infer: { _ in [([m, n], a.dtype)] }) { args in
            var out = [Float](repeating: 0, count: m * n)
            if let cT = args.count > 2 ? args[2] : nil {
                let cv = cT.floats
                let idx = TensorIndex.broadcastIndices(cT.shape, to: [m, n])
                for i in 0..<m * n { out[i] = cv[idx[i]] }
            }
            let x = args[0]!.floats, y = args[1]!.floats
            x.withUnsafeBufferPointer { xp in y.withUnsafeBufferPointer { yp in out.withUnsafeMutableBufferPointer { op in
                MatMul.sgemm(xp.baseAddress!, yp.baseAddress!, op.baseAddress!, m: m, n: n, k: k, transA: transA, transB: transB,
                      alpha: alpha, beta: args.count > 2 && args[2] != nil ? beta : 0)
            }}}
            return [Tensor(shape: [m, n], values: out, dtype: a.dtype)]
        }.plan(c)
    }
}

/// A MatMul or Gemm through ``BatchedMatMul``, with what the passes fuse into it: a bias along rows
/// (``MatMulBiasFusion``), an activation (Relu / Clip by ``ActivationFusion``, GELU by ``GeluFusion``), a
/// residual Add (``ResidualFusion``), and transposed operands read in place (``MatMulTransposeFolding``).
package final class MatMulOp: PlannedOp, AcceptsResidual {
    package var geometry: BatchedMatMul
    /// Operands known when planning, packed once (nil: read from the arena).
    let a: [Float]?, b: [Float]?
    /// `n` values added along every output row, or nil.
    package var bias: [Float]?
    package var activation: MatMulActivation = .none
    package var residualSlot: Int?

    init(_ geometry: BatchedMatMul, a: [Float]?, b: [Float]?, multiplyAdds: Int, opType: String = "MatMul") {
        self.geometry = geometry
        self.a = a
        self.b = b
        super.init(opType, multiplyAdds: multiplyAdds) { fatalError("unreachable: makeKernel is overridden") }
    }

    /// Relu and Clip as ``ConvEpilogue``s for ``ActivationFusion``; GELU reads as an unbounded clip, so that
    /// nothing else is fused on top of it.
    package var epilogue: ConvEpilogue {
        get {
            switch activation {
            case .none: return .none
            case .relu: return .relu
            case let .clip(lo, hi): return .clip(min: lo, max: hi)
            case .gelu: return .clip(min: -.infinity, max: .infinity)
            }
        }
        set {
            switch newValue {
            case .none: activation = .none
            case .relu: activation = .relu
            case let .clip(lo, hi): activation = .clip(min: lo, max: hi)
            }
        }
    }

    package override func makeKernel() -> Kernel {
        MatMulKernel(geometry, a: a, b: b, bias: bias, activation: activation, residualSlot: residualSlot)
    }

    /// Whether the product runs on packed panels: a constant B shared by every row of a run-time,
    /// non-transposed A (``MatMulKernel``'s choice).
    var runsOnPanels: Bool { a == nil && b != nil && geometry.suitsPanels }
}

/// Runs a ``MatMulOp``: constant operands live in buffers of the kernel's own.
final class MatMulKernel: ResidualKernel {
    let geometry: BatchedMatMul
    let a: UnsafeMutableBufferPointer<Float>?, b: UnsafeMutableBufferPointer<Float>?, bias: UnsafeMutableBufferPointer<Float>?
    let activation: MatMulActivation
    let residualSlot: Int?
    /// B in column panels when it is a constant shared by every row of a non-transposed A: the product then
    /// runs on ``PanelMatMul``'s register tiles instead of sgemm.
    let panels: PanelPackedMatrix?

    init(_ geometry: BatchedMatMul, a: [Float]?, b: [Float]?, bias: [Float]?, activation: MatMulActivation, residualSlot: Int?) {
        self.geometry = geometry
        if let b, geometry.suitsPanels {
            panels = b.withUnsafeBufferPointer {
                PanelPackedMatrix($0.baseAddress! + geometry.bOffsets[0], k: geometry.k, n: geometry.n, transposed: geometry.transB)
            }
        } else {
            panels = nil
        }
        func copy(_ v: [Float]?) -> UnsafeMutableBufferPointer<Float>? {
            v.map { v in
                let p = UnsafeMutableBufferPointer<Float>.allocate(capacity: max(v.count, 1))
                _ = p.initialize(from: v)
                return p
            }
        }
        self.a = copy(a)
        self.b = panels == nil ? copy(b) : nil
        self.bias = copy(bias)
        self.activation = activation
        self.residualSlot = residualSlot
    }

    deinit {
        a?.deallocate()
        b?.deallocate()
        bias?.deallocate()
    }

    var algorithm: String {
        var s = panels != nil ? "panels 6x16" : geometry.rowsShareB ? "sgemm rows" : "sgemm batched \(geometry.aOffsets.count)"
        if geometry.transA { s += " tA" }
        if geometry.transB { s += " tB" }
        if bias != nil { s += " +bias" }
        if activation != .none { s += " \(activation)" }
        return s
    }

    func run(_ io: KernelIO) {
        let pa = a.map { UnsafePointer($0.baseAddress!) } ?? io.input(0)
        if let panels {
            PanelMatMul.run(a: pa, packed: panels, c: io.output(0), m: geometry.aOffsets.count * geometry.m,
                            bias: bias.map { UnsafePointer($0.baseAddress!) }, activation: activation, residual: residual(io),
                            threads: io.threads)
            return
        }
        let pb = b.map { UnsafePointer($0.baseAddress!) } ?? io.input(1)
        geometry.run(a: pa, b: pb, c: io.output(0), bias: bias.map { UnsafePointer($0.baseAddress!) },
                     activation: activation, residual: residual(io), threads: io.threads)
    }
}
