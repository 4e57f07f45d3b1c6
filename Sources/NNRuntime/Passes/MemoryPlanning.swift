import NNTensor

/// Gives every run-time value its place in one arena. An allocation (a value, or a Concat's output with its
/// inputs written into it, see ``PlanGraph/homes``) holds its space from its first definition to its last
/// read; ``ArenaPlacement`` packs the lifetimes.
package struct MemoryPlanning {
    /// Where every run-time value lies, and the 4-byte slots the values need in all.
    package struct Layout {
        /// Offset in slots of each allocation.
        let allocations: [String: Int]
        let homes: [String: (root: String, offset: Int)]
        package let valueFloats: Int

        /// Offset in floats of a run-time value: its allocation's, plus its place within it.
        package func offset(_ name: String) -> Int {
            guard let home = homes[name] else { return allocations[name]! }
            return allocations[home.root]! + home.offset
        }
    }

    package init() {}

    package func layout(_ graph: PlanGraph) -> Layout {
        let lastRead = graph.lastReads()
        func unit(_ n: String) -> String { graph.homes[n]?.root ?? n }
        var first: [String: Int] = [:], last: [String: Int] = [:]
        func define(_ n: String, at i: Int) {
            let u = unit(n)
            first[u] = min(first[u] ?? i, i)
            last[u] = max(last[u] ?? i, lastRead[n] ?? i, lastRead[u] ?? i)
        }
        for name in graph.feedNames { define(name, at: -1) }
        for (i, step) in graph.steps.enumerated() { for o in step.outputs where !o.isEmpty { define(o, at: i) } }
        // Values no step writes that live in another's memory (views of a Reshape) keep it until their last read.
        for (name, home) in graph.homes where first[home.root] != nil {
            if let r = lastRead[name] { last[home.root] = max(last[home.root]!, r) }
        }
        var arena = ArenaPlacement()
        let unitOffsets = arena.place(first.keys.sorted().map {
            ArenaPlacement.Lifetime(name: $0, first: first[$0]!, last: last[$0]!, count: graph.slotCount($0))
        })
        return Layout(allocations: unitOffsets, homes: graph.homes, valueFloats: arena.size)
    }
}
