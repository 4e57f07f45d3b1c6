import NNTensor

/// A Relu or Clip whose input is written by an op that accepts an epilogue, and read by nothing else,
/// becomes that op's epilogue: one kernel stores the activated values. Returns the activations fused.
package struct ActivationFusion: PlanPass {
    package init() {}

    package func run(on graph: PlanGraph) throws -> Int {
        let reads = graph.nodeReadCounts()
        var producers = graph.producers()
        var fused = 0
        for step in graph.steps {
            guard let activation = step.op as? FusibleActivation, let source = producers[step.node.inputs[0]],
                  let target = source.op as? AcceptsEpilogue, target.epilogue == .none,
                  reads[step.node.inputs[0]] == 1 else { continue }
            target.epilogue = activation.asEpilogue
            source.outputs[0] = step.outputs[0]
            producers[step.outputs[0]] = source
            step.removed = true
            fused += 1
        }
        graph.compact()
        return fused
    }
}
