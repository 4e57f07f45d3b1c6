import NNTensor

/// Add(x, y) where x is written by an op that accepts a residual and is read by nothing else, y is computed
/// before that op runs, and both have the Add's shape: the op adds y as it stores, and the Add disappears.
/// Returns the Adds fused.
package struct ResidualFusion: PlanPass {
    package init() {}

    package func run(on graph: PlanGraph) throws -> Int {
        let reads = graph.nodeReadCounts()
        let outputs = Set(graph.outputNames)
        var producers = graph.producers()
        var positions = graph.positions()
        var fused = 0
        for (i, add) in graph.steps.enumerated() where add.op.opType == "Add" {
            let ins = add.node.inputs
            guard ins.count == 2, ins[0] != ins[1], let out = add.outputs.first, let shape = graph.states[out]?.shape,
                  ins.allSatisfy({ graph.isRunTime($0) && graph.states[$0]?.shape == shape }) else { continue }
            for k in 0..<2 {
                let x = ins[k], y = ins[1 - k]
                guard let source = producers[x], source.op is AcceptsResidual, source.residual == nil,
                      reads[x] == 1, !outputs.contains(x), let at = positions[x], at < i,
                      (positions[y] ?? -1) < at else { continue }
                source.residual = y
                source.outputs[0] = out
                producers[out] = source
                positions[out] = at
                add.removed = true
                fused += 1
                break
            }
        }
        graph.compact()
        return fused
    }
}
