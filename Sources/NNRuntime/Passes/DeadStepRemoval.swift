import NNTensor

/// Keeps only the steps the graph outputs need, walking back from the outputs. Returns the steps removed.
package struct DeadStepRemoval: PlanPass {
    package init() {}

    package func run(on graph: PlanGraph) throws -> Int {
        var needed = Set(graph.outputNames)
        var removed = 0
        for step in graph.steps.reversed() {
            if step.outputs.contains(where: needed.contains) {
                for i in step.node.inputs where graph.isRunTime(i) { needed.insert(i) }
            } else {
                step.removed = true
                removed += 1
            }
        }
        graph.compact()
        return removed
    }
}
