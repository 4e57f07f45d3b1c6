import NNTensor
import ONNXFormat

/// A Transpose whose input is, through Reshapes that only regroup axes, the output of the inverse Transpose:
/// the pair moves nothing (Swin's patch embedding transposes tokens to channels and straight back: two copies of
/// a 25 MB map at 1024²). The second becomes an Identity of the first's input, which ``ReshapeAliasing`` then
/// turns into a view; the first and the Reshapes are removed when nothing else reads them.
///
/// Matches: Transpose T1 (permutation p) → zero or more Reshape-like steps, each output read once → Transpose
/// T2 (permutation q) with `p[q[j]] == j` for every axis, where the shape T2 reads is T1's output shape (so the
/// Reshapes between them, whatever they did, undid themselves). Returns the pairs elided.
package struct InverseTransposeElision: PlanPass {
    package init() {}

    package func run(on graph: PlanGraph) throws -> Int {
        let reads = graph.nodeReadCounts()
        let producers = graph.producers()
        var elided = 0
        for second in graph.steps where !second.removed && second.op.opType == "Transpose" {
            guard second.residual == nil, second.inputSegments == nil, let y = second.node.inputs.first,
                  let yShape = graph.states[y]?.shape, graph.states[y]?.dtype == .float32,
                  let q = second.transposePermutation(rank: yShape.count) else { continue }
            var value = y, views: [PlanStep] = []
            while let step = producers[value], SoftmaxAddFusion.reshapes.contains(step.op.opType), !step.removed,
                  graph.readOnceInside(value, reads), let x = step.node.inputs.first {
                views.append(step)
                value = x
            }
            guard let first = producers[value], first !== second, !first.removed, first.op.opType == "Transpose",
                  first.residual == nil, first.inputSegments == nil, graph.states[value]?.shape == yShape,
                  let x = first.node.inputs.first, graph.isRunTime(x), graph.states[x]?.dtype == .float32,
                  let p = first.transposePermutation(rank: yShape.count), (0..<yShape.count).allSatisfy({ p[q[$0]] == $0 }),
                  graph.states[x]?.shape == second.outputs.first.flatMap({ graph.states[$0]?.shape }) else { continue }
            let bytes = graph.elementCount(x) * 4
            graph.replace(second, with: second.reading([x], op: PlannedOp("Identity") { CopyKernel(bytes: bytes) }))
            // The first Transpose and the Reshapes stay if something else reads them.
            if reads[value] == 1 && !graph.outputNames.contains(value) {
                first.removed = true
                for view in views { view.removed = true }
            }
            elided += 1
        }
        graph.compact()
        return elided
    }
}
