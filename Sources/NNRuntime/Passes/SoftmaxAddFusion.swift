import NNTensor
import ONNXFormat

/// Softmax over the last axis of `x + c₁ (+ c₂ …)`, where each `c` is a constant added to a run-time operand
/// of the Add's own shape (an attention mask, a relative-position bias), possibly through Reshapes that keep
/// the last axis (Swin's 5-D view for the shift mask), every intermediate read once: the Softmax adds the
/// constants row by row as it reads, without storing them broadcast, and the Adds and Reshapes disappear.
/// Returns the Adds folded.
package struct SoftmaxAddFusion: PlanPass {
    package init() {}

    static let reshapes: Set<String> = ["Reshape", "Squeeze", "Unsqueeze", "Flatten", "Identity"]

    package func run(on graph: PlanGraph) throws -> Int {
        let reads = graph.nodeReadCounts()
        let producers = graph.producers()
        var folded = 0
        for softmax in graph.steps {
            guard let op = softmax.op as? SoftmaxOp, let input = softmax.node.inputs.first else { continue }
            var current = input
            var walked: [PlanStep] = []
            var consumed: [PlanStep] = [], source: String?
            while graph.readOnceInside(current, reads), let p = producers[current], let shape = graph.states[current]?.shape,
                  shape.last == op.length {
                if Self.reshapes.contains(p.op.opType), p.node.outputs.count == 1, let x = p.node.inputs.first, graph.isRunTime(x) {
                    walked.append(p)
                    current = x
                    continue
                }
                guard p.op.opType == "Add", p.node.inputs.count == 2 else { break }
                let (a, b) = (p.node.inputs[0], p.node.inputs[1])
                let (x, c) = graph.isRunTime(a) ? (a, b) : (b, a)
                guard graph.isRunTime(x), let constant = graph.states[c]?.constant, constant.dtype.isFloatingPoint,
                      graph.states[x]?.shape == shape,
                      Elementwise.broadcastShape(constant.shape, shape) == shape else { break }
                let strides = Elementwise.broadcastStrides(constant.shape, to: shape)
                op.addends.append((constant.floats, Array(shape.dropLast()), Array(strides.dropLast()), strides.last ?? 0))
                walked.append(p)
                consumed += walked
                walked = []
                source = x
                current = x
            }
            guard let source else { continue }
            for s in consumed { s.removed = true }
            graph.replace(softmax, with: softmax.reading([source] + softmax.node.inputs.dropFirst()))
            folded += consumed.filter { $0.op.opType == "Add" }.count
        }
        graph.compact()
        return folded
    }
}
