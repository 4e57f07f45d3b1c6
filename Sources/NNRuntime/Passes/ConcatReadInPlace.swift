import NNTensor

/// A channel Concat (batch 1, 2…``ChannelPlanes/maxSegments`` run-time inputs) whose only reader is an op
/// that reads its input as segments disappears: the reader reads each input where it lies. No buffer holds
/// the concatenation, so a long-lived input (an encoder's skip connection) keeps only its own size.
/// Returns the Concats removed.
package struct ConcatReadInPlace: PlanPass {
    package init() {}

    package func run(on graph: PlanGraph) throws -> Int {
        let readers = graph.readers()
        let outputs = Set(graph.outputNames)
        var removed = 0
        for concat in graph.steps where concat.op.opType == "Concat" {
            let names = concat.node.inputs.filter { !$0.isEmpty }
            guard let out = concat.outputs.first, let shape = graph.states[out]?.shape, shape.count == 4, shape[0] == 1,
                  !outputs.contains(out), (2...ChannelPlanes.maxSegments).contains(names.count),
                  names.allSatisfy({ graph.isRunTime($0) && graph.states[$0]?.shape.count == 4 }),
                  Self.axis(of: concat) == 1,
                  let reader = readers[out], reader.count == 1, let conv = reader.first,
                  let target = conv.op as? AcceptsSegmentedInput, conv.inputSegments == nil, conv.node.inputs.first == out,
                  !conv.node.inputs.dropFirst().contains(out), conv.residual != out else { continue }
            conv.inputSegments = names
            target.inputSegments = names.map { InputSegment(channels: graph.states[$0]!.shape[1], resize: nil) }
            concat.removed = true
            removed += 1
        }
        graph.compact()
        return removed
    }

    /// A rank-4 Concat's axis, normalised.
    static func axis(of step: PlanStep) -> Int {
        guard case .int(let a)? = step.node.attributes["axis"] else { return 0 }
        return Int(a) < 0 ? Int(a) + 4 : Int(a)
    }
}
