import NNTensor

/// A run-time Reshape, Squeeze, Unsqueeze, Flatten, Identity, Dropout or float-to-float Cast copies nothing:
/// its output is its input's memory under another shape (``PlanGraph/homes``), which stays allocated until the
/// output's last read. Runs after every pass that matches on these steps. Returns the steps removed.
package struct ReshapeAliasing: PlanPass {
    package init() {}

    static let viewOps: Set<String> = ["Reshape", "Squeeze", "Unsqueeze", "Flatten", "Identity", "Dropout", "Cast"]

    package func run(on graph: PlanGraph) throws -> Int {
        let feeds = Set(graph.feedNames)
        var aliased = 0
        for step in graph.steps where Self.viewOps.contains(step.op.opType) {
            guard step.node.outputs.count == 1, step.residual == nil, step.inputSegments == nil,
                  let x = step.node.inputs.first, graph.isRunTime(x), graph.states[x]?.dtype == .float32,
                  let y = step.outputs.first, !y.isEmpty, graph.states[y]?.dtype == .float32,
                  graph.homes[y] == nil, !feeds.contains(y), graph.elementCount(x) == graph.elementCount(y) else { continue }
            let home = graph.homes[x] ?? (x, 0)
            graph.homes[y] = home
            step.removed = true
            aliased += 1
        }
        graph.compact()
        return aliased
    }
}

/// Every run-time float Transpose runs as one strided copy (``PermutedCopy``): dimensions merged where the
/// permutation keeps them together, contiguous rows when the last axis stays last, 16-wide tiles otherwise.
/// With ``ReshapeAliasing`` a window partition or reverse (Reshape → Transpose → Reshape) is this one copy.
/// Returns the steps changed.
package struct PermutedCopySelection: PlanPass {
    package init() {}

    package func run(on graph: PlanGraph) throws -> Int {
        var changed = 0
        for step in graph.steps where step.op.opType == "Transpose" {
            guard let x = step.node.inputs.first, graph.isRunTime(x), let s = graph.states[x], s.dtype == .float32 else { continue }
            guard let perm = step.transposePermutation(rank: s.shape.count) else { continue }
            let copy = PermutedCopy(shape: s.shape, perm: perm)
            graph.replace(step, with: step.reading(step.node.inputs, op: PlannedOp("Transpose") { PermutedCopyKernel(copy) }))
            changed += 1
        }
        return changed
    }
}
