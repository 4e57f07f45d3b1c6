import NNTensor

/// When every run-time input of a Concat whose leading dimensions are 1 is written by a step of its own
/// and feeds no other Concat, those steps write straight into their slice of the Concat's output
/// (``PlanGraph/homes``) and the Concat disappears: no copy, and no separate buffers for its inputs.
/// Returns the Concats elided.
package struct ConcatElision: PlanPass {
    package init() {}

    package func run(on graph: PlanGraph) throws -> Int {
        let feeds = Set(graph.feedNames), outputs = Set(graph.outputNames)
        let producers = graph.producers()
        var elided = 0
        for concat in graph.steps where concat.op.opType == "Concat" {
            let names = concat.node.inputs.filter { !$0.isEmpty }
            guard let out = concat.outputs.first, let shape = graph.states[out]?.shape, !shape.isEmpty else { continue }
            var axis = 0
            if case .int(let a)? = concat.node.attributes["axis"] { axis = Int(a) < 0 ? Int(a) + shape.count : Int(a) }
            // Float values only: their slots are their elements, so an input's place in the output is its element offset.
            guard shape[..<axis].reduce(1, *) == 1, Set(names).count == names.count,
                  graph.states[out]?.dtype.arenaElement == .float else { continue }
            let eligible = names.allSatisfy { n in
                graph.isRunTime(n) && !feeds.contains(n) && !outputs.contains(n) && graph.homes[n] == nil
                    && producers[n] != nil && producers[n]!.op.opType != "Concat"
            }
            guard eligible else { continue }
            var offset = 0
            for n in names {
                graph.homes[n] = (out, offset)
                offset += graph.elementCount(n)
            }
            concat.removed = true
            elided += 1
        }
        graph.compact()
        return elided
    }
}
