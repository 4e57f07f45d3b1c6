import NNTensor
import ONNXFormat

/// Visits the nodes in dependency order and asks each op's handler for its outputs: a node whose outputs
/// are all known becomes constants (folding), any other becomes a step. A handler that schedules a kernel
/// although every input is known has the kernel run once now (``ConstantEvaluation``). Returns the number
/// of nodes folded.
package struct ShapeInference: PlanPass {
    package let nodes: [ONNXNode]
    package let opset: Int64
    package let options: PlanOptions

    package init(nodes: [ONNXNode], opset: Int64, options: PlanOptions) {
        self.nodes = nodes
        self.opset = opset
        self.options = options
    }

    package func run(on graph: PlanGraph) throws -> Int {
        var folded = 0
        for node in try GraphOrder.topological(nodes, defined: Set(graph.states.keys)) {
            let inputs = node.inputs.map { $0.isEmpty ? nil : graph.states[$0] }
            let context = NodeContext(node: node, opset: opset, inputs: inputs, options: options)
            switch try Operators.plan(context) {
            case .constants(let tensors):
                define(node.outputs, as: tensors, in: graph)
                folded += 1
            case let .runtime(outputs, op) where !inputs.isEmpty && inputs.allSatisfy({ $0 == nil || $0!.constant != nil }):
                define(node.outputs, as: ConstantEvaluation.run(op, inputs: inputs, outputs: outputs), in: graph)
                folded += 1
            case let .runtime(outputs, op):
                for (name, o) in zip(node.outputs, outputs) where !name.isEmpty {
                    graph.states[name] = ValueState(shape: o.shape, dtype: o.dtype, constant: nil)
                }
                graph.steps.append(PlanStep(node: node, op: op))
            }
        }
        for name in graph.outputNames where graph.states[name] == nil {
            throw RuntimeError.invalidGraph("output '\(name)' is never produced")
        }
        return folded
    }

    private func define(_ names: [String], as tensors: [Tensor], in graph: PlanGraph) {
        for (name, t) in zip(names, tensors) where !name.isEmpty {
            graph.states[name] = ValueState(shape: t.shape, dtype: t.dtype, constant: t)
        }
    }
}

/// Runs a planned op once on known inputs, its kernel on a private arena: generic constant folding.
package enum ConstantEvaluation {
    package static func run(_ op: PlannedOp, inputs: [ValueState?], outputs: [(shape: [Int], dtype: DType)]) -> [Tensor] {
        let kernel = op.makeKernel()
        var offsets: [Int] = [], total = 0
        func place(_ shape: [Int], _ dtype: DType) -> Int {
            let at = total
            total += ArenaPlacement.rounded(ArenaMemory.slots(count: shape.reduce(1, *), dtype: dtype))
            return at
        }
        for s in inputs { offsets.append(s.map { place($0.shape, $0.dtype) } ?? -1) }
        let outOffsets = outputs.map { place($0.shape, $0.dtype) }
        let arena = ArenaMemory.allocate(slots: total)
        let scratchFloats = kernel.scratchFloats(threads: 1) + 16
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: scratchFloats)
        scratch.initialize(repeating: 0, count: scratchFloats)
        defer { arena.deallocate(); scratch.deallocate() }
        for (s, o) in zip(inputs, offsets) where o >= 0 { arena.write(s!.constant!, slot: o, as: s!.dtype) }
        let counts = inputs.map { $0?.shape.reduce(1, *) ?? 0 }
        kernel.run(KernelIO(arena: arena, inputs: offsets, outputs: outOffsets, inputCounts: counts,
                            outputCounts: outputs.map { $0.shape.reduce(1, *) }, scratch: scratch, threads: 1))
        return zip(outputs, outOffsets).map { o, offset in arena.read(slot: offset, shape: o.shape, dtype: o.dtype) }
    }
}

/// Orders nodes so that every input is defined first (Kahn's algorithm, stable: ties keep file order).
package enum GraphOrder {
    package static func topological(_ nodes: [ONNXNode], defined: Set<String>) throws -> [ONNXNode] {
        var produced = Set<String>()
        for n in nodes { for o in n.outputs where !o.isEmpty {
            guard !produced.contains(o), !defined.contains(o) else {
                throw RuntimeError.invalidGraph("value '\(o)' is defined twice")
            }
            produced.insert(o)
        } }
        var available = defined
        var remaining = nodes
        var order: [ONNXNode] = []
        order.reserveCapacity(remaining.count)
        while !remaining.isEmpty {
            var next: [ONNXNode] = []
            let before = order.count
            for n in remaining {
                if n.inputs.allSatisfy({ $0.isEmpty || available.contains($0) }) {
                    order.append(n)
                    for o in n.outputs where !o.isEmpty { available.insert(o) }
                } else {
                    next.append(n)
                }
            }
            if order.count == before {
                let n = next[0]
                let missing = n.inputs.first { !$0.isEmpty && !available.contains($0) } ?? "?"
                let reason = produced.contains(missing) ? "a cycle" : "an undefined value"
                throw RuntimeError.invalidGraph("node '\(n.name)' (\(n.opType)) reads '\(missing)', \(reason)")
            }
            remaining = next
        }
        return order
    }
}
