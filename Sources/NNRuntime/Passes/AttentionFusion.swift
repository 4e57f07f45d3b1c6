import NNTensor
import ONNXFormat

/// Attention as exporters write it, `MatMul(Softmax(MatMul(Q, Kᵀ) + addends), V)` over a batch of windows and
/// heads, becomes one ``SoftmaxAttention`` step: the scores and their softmax (one `queries × keys` tile per
/// window and head, tens of megabytes in all for a Swin stage) are never written to the arena.
///
/// Matches, after ``MatMulTransposeFolding`` and ``SoftmaxAddFusion``: a MatMul of two run-time operands with
/// nothing fused into it, whose output only a Softmax (not LogSoftmax) over its last axis reads; whose output
/// in turn only a second such MatMul reads, as its left operand, with the same batch and row count and the
/// scores' width as its depth. Both depths must fit one ``PanelPackedMatrix/depthBlock``. Anything else runs
/// as the three steps it was. Returns the attentions fused.
///
/// Then an operand written by a ``RowGatherOp`` that nothing else reads (the head split of a qkv product)
/// is read through the gather's table instead, and the gather disappears; so does a Mul of the queries by a
/// scalar constant, applied as they are read.
package struct AttentionFusion: PlanPass {
    package init() {}

    package func run(on graph: PlanGraph) throws -> Int {
        let reads = graph.nodeReadCounts()
        let readers = graph.nodeReaders()
        func soleReader(_ name: String) -> PlanStep? { graph.soleReader(name, reads, readers) }
        /// A product of run-time operands with nothing fused into it.
        func plainProduct(_ step: PlanStep) -> MatMulOp? {
            guard let op = step.op as? MatMulOp, op.a == nil, op.b == nil, op.bias == nil, op.activation == .none,
                  step.residual == nil, step.node.inputs.count == 2, !op.geometry.transA else { return nil }
            return op
        }
        let producers = graph.producers()
        /// The run-time operand and the factor of a Mul by a scalar float constant writing `name`, read once.
        func scaled(_ name: String) -> (String, Float)? {
            guard graph.readOnceInside(name, reads), let mul = producers[name], !mul.removed, mul.op.opType == "Mul",
                  mul.node.inputs.count == 2, mul.residual == nil else { return nil }
            for (x, c) in [(mul.node.inputs[0], mul.node.inputs[1]), (mul.node.inputs[1], mul.node.inputs[0])] {
                guard graph.isRunTime(x), graph.states[x]?.shape == graph.states[name]?.shape, graph.states[x]?.dtype == .float32,
                      let constant = graph.states[c]?.constant, constant.dtype == .float32, constant.shape.reduce(1, *) == 1 else { continue }
                mul.removed = true
                return (x, constant.floats[0])
            }
            return nil
        }
        /// The input and table of a row gather of rows of `rowLength` writing `name`, read once.
        func gathered(_ name: String, rowLength: Int) -> (String, RowGather)? {
            guard graph.readOnceInside(name, reads), let step = producers[name], !step.removed, let op = step.op as? RowGatherOp,
                  op.gather.rowLength == rowLength, op.epilogue == .none, step.residual == nil,
                  let source = step.node.inputs.first, graph.states[source]?.dtype == .float32 else { return nil }
            step.removed = true
            return (source, op.gather)
        }
        var fused = 0
        for first in graph.steps where !first.removed {
            guard let scoresOp = plainProduct(first), let softmax = soleReader(first.outputs[0]),
                  let softmaxOp = softmax.op as? SoftmaxOp, !softmaxOp.log, softmax.node.inputs == [first.outputs[0]],
                  let second = soleReader(softmax.outputs[0]), let outputOp = plainProduct(second),
                  second.node.inputs[0] == softmax.outputs[0], second.node.inputs[1] != softmax.outputs[0] else { continue }
            let g1 = scoresOp.geometry, g2 = outputOp.geometry
            let batches = g1.aOffsets.count
            guard g2.aOffsets.count == batches, g2.m == g1.m, g2.k == g1.n, softmaxOp.length == g1.n,
                  softmaxOp.rows == batches * g1.m, g1.k <= PanelPackedMatrix.depthBlock, g1.n <= PanelPackedMatrix.depthBlock,
                  g2.aOffsets.enumerated().allSatisfy({ $0.element == $0.offset * g2.m * g2.k }),
                  [first.node.inputs[0], first.node.inputs[1], second.node.inputs[1]].allSatisfy({ graph.states[$0]?.dtype == .float32 })
            else { continue }
            var attention = SoftmaxAttention(queries: g1.m, keys: g1.n, depth: g1.k, width: g2.n, qOffsets: g1.aOffsets,
                                             kOffsets: g1.bOffsets, vOffsets: g2.bOffsets, keysTransposed: g1.transB,
                                             valuesTransposed: g2.transB)
            var inputs = [first.node.inputs[0], first.node.inputs[1], second.node.inputs[1]]
            if inputs[0] != inputs[1] && inputs[0] != inputs[2] && inputs[1] != inputs[2] {
                let lengths = attention.storedRowLengths
                if let (x, scale) = scaled(inputs[0]) {
                    attention.qScale = scale
                    inputs[0] = x
                }
                for (slot, length) in [(0, lengths.q), (1, lengths.k), (2, lengths.v)] {
                    guard let (source, gather) = gathered(inputs[slot], rowLength: length) else { continue }
                    switch slot {
                    case 0: attention.qRows = gather
                    case 1: attention.kRows = gather
                    default: attention.vRows = gather
                    }
                    inputs[slot] = source
                }
            }
            let node = ONNXNode(name: second.name, opType: "Attention", inputs: inputs, outputs: second.outputs, attributes: [:])
            let step = PlanStep(node: node, op: AttentionOp(attention, addends: softmaxOp.addends,
                                                            multiplyAdds: scoresOp.multiplyAdds + outputOp.multiplyAdds))
            first.removed = true
            softmax.removed = true
            graph.replace(second, with: step)
            fused += 1
        }
        graph.compact()
        return fused
    }
}
