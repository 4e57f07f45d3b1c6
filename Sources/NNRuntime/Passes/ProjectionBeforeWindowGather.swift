import NNTensor
import ONNXFormat

/// Swin's qkv Linear reads the windows — a row gather of the normalised tokens that pads them to whole windows
/// with zero rows and cycles them for the shifted blocks — and its output is read only by one attention step,
/// through the head split's tables (Reshapes between them are views). The product then runs on the tokens
/// themselves, before the gather, and the attention reads through the composed table: a padding row, whose
/// product is the bias alone, reads the bias. The windows are never stored, and the padding's rows (a fifth of
/// a stage whose side is not a multiple of the window) are never multiplied. Runs after ``AttentionFusion``.
/// Returns the products moved.
package struct ProjectionBeforeWindowGather: PlanPass {
    package init() {}

    package func run(on graph: PlanGraph) throws -> Int {
        let reads = graph.nodeReadCounts()
        let producers = graph.producers()
        var moved = 0
        for attention in graph.steps where !attention.removed {
            guard let op = attention.op as? AttentionOp, let qkv = attention.node.inputs.first,
                  attention.node.inputs.allSatisfy({ $0 == qkv }), reads[qkv] == 3, !graph.outputNames.contains(qkv),
                  var fused = Optional(op.attention), let q = fused.qRows, let k = fused.kRows, let v = fused.vRows,
                  fused.qFill.isEmpty && fused.kFill.isEmpty && fused.vFill.isEmpty else { continue }
            // Through the Reshapes between the product and the head split (views: the same rows in the same order).
            var views: [PlanStep] = [], value = qkv
            while let step = producers[value], SoftmaxAddFusion.reshapes.contains(step.op.opType), let x = step.node.inputs.first,
                  graph.readOnceInside(x, reads) {
                views.append(step)
                value = x
            }
            guard let product = producers[value], let mm = product.op as? MatMulOp, mm.runsOnPanels, mm.activation == .none,
                  product.residual == nil, let windows = product.node.inputs.first, graph.readOnceInside(windows, reads),
                  let gatherStep = producers[windows], let gather = gatherStep.op as? RowGatherOp, gather.epilogue == .none,
                  gatherStep.residual == nil, let tokens = gatherStep.node.inputs.first, let tokenState = graph.states[tokens],
                  tokenState.dtype == .float32 else { continue }
            let g = mm.geometry, depth = g.k, width = g.n
            guard gather.gather.rowLength == depth, gather.gather.sources.count == g.aOffsets.count * g.m,
                  [q, k, v].allSatisfy({ width % $0.rowLength == 0 && $0.rowLength == q.rowLength }) else { continue }
            let tokenRows = tokenState.shape.reduce(1, *) / depth
            let parts = width / q.rowLength
            // Row s of the product viewed as rows of the head width: window row s / parts, part s % parts.
            func composed(_ table: RowGather) -> RowGather? {
                var sources = [Int32](repeating: -1, count: table.sources.count)
                for (e, s) in table.sources.enumerated() {
                    guard s >= 0 else { return nil }
                    let windowRow = Int(s) / parts, part = Int(s) % parts
                    let token = gather.gather.sources[windowRow]
                    sources[e] = token >= 0 ? Int32(Int(token) * parts + part) : Int32(-2 - part)
                }
                return RowGather(rowLength: table.rowLength, sources: sources)
            }
            guard let q2 = composed(q), let k2 = composed(k), let v2 = composed(v) else { continue }
            let bias = mm.bias ?? [Float](repeating: 0, count: width)
            fused.qRows = q2; fused.kRows = k2; fused.vRows = v2
            fused.qFill = bias; fused.kFill = bias; fused.vFill = bias
            let tokenProduct = MatMulOp(BatchedMatMul(m: tokenRows, n: width, k: depth, aOffsets: [0], bOffsets: [0], transB: g.transB),
                                        a: nil, b: mm.b, multiplyAdds: tokenRows * width * depth, opType: mm.opType)
            tokenProduct.bias = mm.bias
            let projected = "\(product.name):tokens"
            graph.states[projected] = ValueState(shape: [tokenRows, width], dtype: .float32, constant: nil)
            let productNode = ONNXNode(name: product.name, opType: product.node.opType, inputs: [tokens] + product.node.inputs.dropFirst(),
                                       outputs: [projected], attributes: product.node.attributes)
            let attentionNode = ONNXNode(name: attention.name, opType: attention.node.opType, inputs: [projected, projected, projected],
                                         outputs: attention.outputs, attributes: [:])
            gatherStep.removed = true
            for view in views { view.removed = true; graph.states[view.outputs[0]] = nil }
            graph.states[value] = nil
            graph.states[windows] = nil
            graph.replace(product, with: PlanStep(node: productNode, op: tokenProduct))
            graph.replace(attention, with: PlanStep(node: attentionNode,
                                                    op: AttentionOp(fused, addends: op.addends, multiplyAdds: op.multiplyAdds)))
            moved += 1
        }
        graph.compact()
        return moved
    }
}
