import NNTensor
import ONNXFormat

/// The graph as planning sees it: what is known of every value, and the steps still to run, in order.
/// Passes read and rewrite it; the indices they look values up by (producers, readers, positions) are
/// computed here and nowhere else.
package final class PlanGraph {
    /// Shape, type and (when known) contents of every value defined so far.
    package var states: [String: ValueState] = [:]
    /// Graph inputs fed at run time, in declaration order.
    package var feedNames: [String] = []
    /// Graph outputs, in declaration order.
    package let outputNames: [String]
    /// Steps that run, in a valid order. Passes mark steps removed; ``compact()`` drops them.
    package var steps: [PlanStep] = []
    /// Values written into a slice of another value's allocation (a Concat's inputs, written into its
    /// output): the allocation's value name and the element offset within it.
    package var homes: [String: (root: String, offset: Int)] = [:]
    /// Elements in the floating-point initializers.
    package var parameterCount = 0

    package init(outputNames: [String]) {
        self.outputNames = outputNames
    }

    /// Whether `name` is a value computed at run time (not omitted, not known at planning).
    package func isRunTime(_ name: String) -> Bool {
        guard !name.isEmpty, let s = states[name] else { return false }
        return s.constant == nil
    }

    /// Drops the steps marked removed.
    package func compact() {
        steps.removeAll { $0.removed }
    }

    /// How many times each value is read through the steps' node inputs, plus once per graph output.
    package func nodeReadCounts() -> [String: Int] {
        var counts: [String: Int] = [:]
        for step in steps { for i in step.node.inputs where !i.isEmpty { counts[i, default: 0] += 1 } }
        for o in outputNames { counts[o, default: 0] += 1 }
        return counts
    }

    /// The steps that read each value through their node inputs (what the pattern-matching passes follow).
    package func nodeReaders() -> [String: [PlanStep]] {
        var readers: [String: [PlanStep]] = [:]
        for step in steps { for i in step.node.inputs where !i.isEmpty { readers[i, default: []].append(step) } }
        return readers
    }

    /// The step that alone reads `name` through its node inputs, when `name` is a run-time value read once and
    /// not a graph output (`reads` from ``nodeReadCounts()``, `readers` from ``nodeReaders()``).
    package func soleReader(_ name: String, _ reads: [String: Int], _ readers: [String: [PlanStep]]) -> PlanStep? {
        guard readOnceInside(name, reads), let r = readers[name], r.count == 1 else { return nil }
        return r[0]
    }

    /// The steps that read each value through their step inputs (fused residuals and segments included).
    package func readers() -> [String: [PlanStep]] {
        var readers: [String: [PlanStep]] = [:]
        for step in steps { for i in step.stepInputs where !i.isEmpty { readers[i, default: []].append(step) } }
        return readers
    }

    /// The step that writes each value.
    package func producers() -> [String: PlanStep] {
        var producers: [String: PlanStep] = [:]
        for step in steps { for o in step.outputs where !o.isEmpty { producers[o] = step } }
        return producers
    }

    /// The index in ``steps`` of the step that writes each value.
    package func positions() -> [String: Int] {
        var positions: [String: Int] = [:]
        for (k, step) in steps.enumerated() { for o in step.outputs where !o.isEmpty { positions[o] = k } }
        return positions
    }

    /// The last step index reading each value (graph outputs: `Int.max`).
    package func lastReads() -> [String: Int] {
        var last: [String: Int] = [:]
        for (k, step) in steps.enumerated() { for n in step.stepInputs where !n.isEmpty { last[n] = k } }
        for o in outputNames { last[o] = Int.max }
        return last
    }

    /// Element count of a value.
    package func elementCount(_ name: String) -> Int { states[name]!.shape.reduce(1, *) }
    /// Arena slots the value needs (``ArenaMemory/slots(count:dtype:)``).
    package func slotCount(_ name: String) -> Int { ArenaMemory.slots(count: elementCount(name), dtype: states[name]!.dtype) }
}

/// A node that survived folding, as the passes rewrite it.
package final class PlanStep {
    package let node: ONNXNode
    package let op: PlannedOp
    /// The values the step writes (a fused activation or residual renames output 0).
    package var outputs: [String]
    /// A value the kernel adds to its output (a fused Add); read as the last step input.
    package var residual: String?
    /// The values read in place of input 0: the inputs of a removed Concat, or the inputs of removed
    /// Resizes the kernel interpolates as it reads.
    package var inputSegments: [String]?
    /// Set by a pass that folded the step into another; ``PlanGraph/compact()`` drops it.
    package var removed = false

    package init(node: ONNXNode, op: PlannedOp) {
        self.node = node
        self.op = op
        self.outputs = node.outputs
    }

    /// Input 0 (or its segments), the node's other inputs, then the fused residual if any.
    package var stepInputs: [String] {
        let first = inputSegments ?? Array(node.inputs.prefix(1))
        return first + node.inputs.dropFirst() + (residual.map { [$0] } ?? [])
    }

    /// The node's name, or its first output's when it has none.
    package var name: String { node.name.isEmpty ? node.outputs.first ?? "?" : node.name }
}

/// One rewrite of the plan graph, run once, in the planner's order.
package protocol PlanPass {
    /// Rewrites `graph`; returns how many rewrites it made (the pass's statistic).
    @discardableResult
    func run(on graph: PlanGraph) throws -> Int
}
