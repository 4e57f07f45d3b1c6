import NNTensor

/// The row-wise ops of transformer layers as arena kernels: LayerNormalization, Softmax / LogSoftmax on the
/// last axis, Erf and GELU. The handlers in ``ReduceOps`` and ``MathOps`` choose them for run-time float
/// inputs; the fusion passes build them too (``LayerNormFusion``, ``GeluFusion``, ``SoftmaxAddFusion``).
enum TransformerOps {
    /// LayerNormalization of rows of `length` with `gamma` (and `beta`) expanded to `length`.
    static func layerNormOp(rows: Int, length: Int, gamma: [Float], beta: [Float]?, epsilon: Float) -> PlannedOp {
        PlannedOp("LayerNormalization") { LayerNormKernel(rows: rows, length: length, gamma: gamma, beta: beta, epsilon: epsilon) }
    }

    /// `values` of `shape` broadcast to `target`'s trailing `length` values (nil when they do not broadcast).
    static func expanded(_ values: [Float], shape: [Int], toRow normalized: [Int]) -> [Float]? {
        guard shape.count <= normalized.count || shape.dropLast(normalized.count).allSatisfy({ $0 == 1 }) else { return nil }
        let trimmed = Array(shape.suffix(normalized.count))
        guard Elementwise.broadcastShape(trimmed, normalized) == normalized else { return nil }
        return TensorIndex.broadcastIndices(trimmed, to: normalized).map { values[$0] }
    }
}

/// Softmax or LogSoftmax over the last axis, with constant addends folded in by ``SoftmaxAddFusion``.
package final class SoftmaxOp: PlannedOp {
    let rows: Int, length: Int, log: Bool
    /// Constants added before normalising: values, and how they broadcast over the rows.
    package var addends: [(values: [Float], rowShape: [Int], strides: [Int], lastStride: Int)] = []

    init(_ opType: String, rows: Int, length: Int) {
        self.rows = rows
        self.length = length
        log = opType == "LogSoftmax"
        super.init(opType) { fatalError("unreachable: makeKernel is overridden") }
    }

    package override func makeKernel() -> Kernel { SoftmaxKernel(rows: rows, length: length, log: log, addends: addends) }
}

/// An element-wise Erf or GELU, or a GELU chain recognised by ``GeluFusion``.
package final class GeluOp: PlannedOp {
    init(_ opType: String, count: Int, erfOnly: Bool) {
        super.init(opType) { ErfKernel(count: count, gelu: !erfOnly) }
    }
}

final class LayerNormKernel: Kernel {
    let rows: Int, length: Int, epsilon: Float
    let gamma: [Float], beta: [Float]?
    init(rows: Int, length: Int, gamma: [Float], beta: [Float]?, epsilon: Float) {
        self.rows = rows; self.length = length; self.gamma = gamma; self.beta = beta; self.epsilon = epsilon
    }
    var algorithm: String { "rows of \(length)" }
    func run(_ io: KernelIO) {
        gamma.withUnsafeBufferPointer { g in
            if let beta {
                beta.withUnsafeBufferPointer { b in
                    RowNorm.layerNorm(io.input(0), io.output(0), rows: rows, length: length, gamma: g.baseAddress!,
                                      beta: b.baseAddress!, epsilon: epsilon, threads: io.threads)
                }
            } else {
                RowNorm.layerNorm(io.input(0), io.output(0), rows: rows, length: length, gamma: g.baseAddress!,
                                  beta: nil, epsilon: epsilon, threads: io.threads)
            }
        }
    }
}

/// A Softmax's constant addends, copied into buffers the kernel owns, and their row views.
final class SoftmaxAddends {
    let storage: [UnsafeMutableBufferPointer<Float>]
    let views: [RowNorm.Addend]

    init(_ addends: [(values: [Float], rowShape: [Int], strides: [Int], lastStride: Int)]) {
        let buffers = addends.map { a in
            let p = UnsafeMutableBufferPointer<Float>.allocate(capacity: max(a.values.count, 1))
            _ = p.initialize(from: a.values)
            return p
        }
        storage = buffers
        views = zip(buffers, addends).map { p, a in
            RowNorm.Addend(values: UnsafePointer(p.baseAddress!), rowShape: a.rowShape, strides: a.strides, lastStride: a.lastStride)
        }
    }

    deinit { for p in storage { p.deallocate() } }

    var label: String { views.isEmpty ? "" : " +\(views.count) addend" + (views.count > 1 ? "s" : "") }
}

final class SoftmaxKernel: Kernel {
    let rows: Int, length: Int, log: Bool
    let addends: SoftmaxAddends

    init(rows: Int, length: Int, log: Bool, addends: [(values: [Float], rowShape: [Int], strides: [Int], lastStride: Int)]) {
        self.rows = rows; self.length = length; self.log = log
        self.addends = SoftmaxAddends(addends)
    }

    var algorithm: String { "rows of \(length)" + addends.label }
    func run(_ io: KernelIO) {
        RowNorm.softmax(io.input(0), io.output(0), rows: rows, length: length, addends: addends.views, log: log,
                        threads: io.threads)
    }
}

/// `softmax(Q·Kᵀ + addends)·V` as one step (``AttentionFusion``): inputs Q, K, V; output O.
package final class AttentionOp: PlannedOp {
    let attention: SoftmaxAttention
    let addends: [(values: [Float], rowShape: [Int], strides: [Int], lastStride: Int)]

    init(_ attention: SoftmaxAttention, addends: [(values: [Float], rowShape: [Int], strides: [Int], lastStride: Int)], multiplyAdds: Int) {
        self.attention = attention
        self.addends = addends
        super.init("Attention", multiplyAdds: multiplyAdds) { fatalError("unreachable: makeKernel is overridden") }
    }

    package override func makeKernel() -> Kernel { AttentionKernel(attention, addends: addends) }
}

final class AttentionKernel: Kernel {
    let attention: SoftmaxAttention
    let addends: SoftmaxAddends

    init(_ attention: SoftmaxAttention, addends: [(values: [Float], rowShape: [Int], strides: [Int], lastStride: Int)]) {
        self.attention = attention
        self.addends = SoftmaxAddends(addends)
    }

    var algorithm: String {
        "\(attention.qOffsets.count) × (\(attention.queries)×\(attention.depth) · \(attention.keys)) softmax" + addends.label
    }
    func scratchFloats(threads: Int) -> Int { attention.floats(threads: threads) }
    func run(_ io: KernelIO) {
        attention.run(q: io.input(0), k: io.input(1), v: io.input(2), out: io.output(0), addends: addends.views,
                      scratch: ScratchRegion(io.scratch, count: scratchFloats(threads: io.threads)), threads: io.threads)
    }
}

final class ErfKernel: Kernel {
    let count: Int, gelu: Bool
    init(count: Int, gelu: Bool) { self.count = count; self.gelu = gelu }
    func run(_ io: KernelIO) {
        let x = io.input(0), y = io.output(0)
        let chunk = 1 << 14
        let gelu = self.gelu, count = self.count
        Parallel.forEach((count + chunk - 1) / chunk, threads: io.threads) { p in
            let lo = p * chunk, hi = min(count, lo + chunk)
            var i = lo
            while i + 8 <= hi {
                let v = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)
                UnsafeMutableRawPointer(y + i).storeBytes(of: gelu ? SIMDMath.gelu(v) : SIMDMath.erf(v), as: SIMD8<Float>.self)
                i += 8
            }
            if i < hi {
                var v = SIMD8<Float>()
                for j in 0..<(hi - i) { v[j] = x[i + j] }
                let r = gelu ? SIMDMath.gelu(v) : SIMDMath.erf(v)
                for j in 0..<(hi - i) { y[i + j] = r[j] }
            }
        }
    }
}

/// A Transpose of a float tensor as one strided copy (``PermutedCopy``), chosen by ``PermutedCopySelection``.
final class PermutedCopyKernel: Kernel {
    let copy: PermutedCopy
    init(_ copy: PermutedCopy) { self.copy = copy }
    var algorithm: String { "permuted copy \(copy.sizes)" }
    func run(_ io: KernelIO) { copy.run(io.input(0), io.output(0), threads: io.threads) }
}

/// A fused chain of moves as one ``RowGather`` (``RowGatherFusion``), which a later pass can fold into its
/// reader (``AttentionFusion``).
/// It also takes a Relu / Clip and a residual Add (``ActivationFusion``, ``ResidualFusion``): a Swin block's
/// window reverse and its shortcut are then one pass.
package final class RowGatherOp: PlannedOp, AcceptsResidual {
    package let gather: RowGather
    package var epilogue: ConvEpilogue = .none
    package var residualSlot: Int?

    init(_ gather: RowGather) {
        self.gather = gather
        super.init("RowGather") { fatalError("unreachable: makeKernel is overridden") }
    }

    package override func makeKernel() -> Kernel { RowGatherKernel(gather, epilogue: epilogue, residualSlot: residualSlot) }
}

/// Rows gathered through a plan-time table (``RowGather``): a fused chain of moves.
final class RowGatherKernel: ResidualKernel {
    let gather: RowGather
    let epilogue: ConvEpilogue
    let residualSlot: Int?
    init(_ gather: RowGather, epilogue: ConvEpilogue = .none, residualSlot: Int? = nil) {
        self.gather = gather
        self.epilogue = epilogue
        self.residualSlot = residualSlot
    }
    var algorithm: String {
        "row gather \(gather.sources.count)×\(gather.rowLength)" + (epilogue == .none ? "" : " \(epilogue)") + (residualSlot == nil ? "" : " +residual")
    }
    func run(_ io: KernelIO) {
        gather.run(io.input(0), io.output(0), epilogue: epilogue, residual: residual(io), threads: io.threads)
    }
}
