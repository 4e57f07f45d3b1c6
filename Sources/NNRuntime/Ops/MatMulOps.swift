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
        return try TensorFunction(infer: { _ in [(outShape, a.dtype)] }) { args in
            let x = args[0]!.floats, y = args[1]!.floats
            let batches = batch.reduce(1, *)
            let ai = TensorIndex.broadcastIndices(Array(aShape.dropLast(2)), to: batch)
            let bi = TensorIndex.broadcastIndices(Array(bShape.dropLast(2)), to: batch)
            var out = [Float](repeating: 0, count: batches * m * n)
            x.withUnsafeBufferPointer { xp in y.withUnsafeBufferPointer { yp in out.withUnsafeMutableBufferPointer { op in
                for t in 0..<batches {
                    MatMul.sgemm(xp.baseAddress! + ai[t] * m * k, yp.baseAddress! + bi[t] * k * n, op.baseAddress! + t * m * n, m: m, n: n, k: k)
                }
            }}}
            return [Tensor(shape: outShape, values: out, dtype: a.dtype)]
        }.plan(c)
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
