import NNTensor

/// A batch-1 Resize whose only reader is an op that reads its input as segments (as its input 0 or one of
/// its segments) is not stored: the reader interpolates each row as it copies it. Returns the Resizes removed.
package struct ResizeReadInPlace: PlanPass {
    package init() {}

    package func run(on graph: PlanGraph) throws -> Int {
        let readers = graph.readers()
        let producers = graph.producers()
        let outputs = Set(graph.outputNames)
        var removed = 0
        for conv in graph.steps {
            guard let target = conv.op as? AcceptsSegmentedInput, let first = conv.node.inputs.first else { continue }
            var names = conv.inputSegments ?? [first]
            var segments = target.inputSegments ?? [InputSegment(channels: graph.states[first]!.shape[1], resize: nil)]
            var changed = false
            for k in names.indices {
                let n = names[k]
                guard let resize = producers[n], let resizable = resize.op as? RowResizable, !outputs.contains(n),
                      readers[n]?.count == 1, names.filter({ $0 == n }).count == 1,
                      !conv.node.inputs.dropFirst().contains(n), conv.residual != n else { continue }
                names[k] = resize.node.inputs[0]
                segments[k].resize = resizable.taps
                resize.removed = true
                changed = true
                removed += 1
            }
            if changed {
                conv.inputSegments = names
                target.inputSegments = segments
            }
        }
        graph.compact()
        return removed
    }
}
