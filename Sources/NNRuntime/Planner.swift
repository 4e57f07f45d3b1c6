import NNTensor
import ONNXFormat

/// Turns a graph into a ``Plan``: shape inference with constant folding, dead-node removal,
/// activation fusion, then a liveness-based memory plan.
struct Planner {
    let model: ONNXModel
    let inputShapes: [String: [Int]]
    let threads: Int
    let options: PlanOptions

    struct Result {
        var inputs: [Plan.Input]
        var outputs: [Plan.Output]
        var steps: [Plan.Step]
        var valueFloats: Int
        var scratchFloats: Int
        var statistics: PlanStatistics
    }

    /// A node that survived folding.
    final class Pending {
        let node: ONNXNode
        let op: PlannedOp
        var outputs: [String]
        /// A tensor added to the output by the kernel (a fused Add); read as the last input.
        var residual: String?
        /// The inputs of a removed channel Concat that this step reads in place of its input 0.
        var inputSegments: [String]?
        var removed = false
        /// The step's input list: input 0 (or its segments), the node's other inputs, then the fused
        /// residual if any.
        var stepInputs: [String] {
            let first = inputSegments ?? Array(node.inputs.prefix(1))
            return first + node.inputs.dropFirst() + (residual.map { [$0] } ?? [])
        }
        init(node: ONNXNode, op: PlannedOp) {
            self.node = node
            self.op = op
            self.outputs = node.outputs
        }
        var name: String { node.name.isEmpty ? node.outputs.first ?? "?" : node.name }
    }

    /// Runs a planned op once on known inputs (its kernel on a private arena): generic constant folding.
    static func evaluate(_ op: PlannedOp, inputs: [ValueState?], outputs: [(shape: [Int], dtype: DType)]) -> [Tensor] {
        let kernel = op.build()
        var offsets: [Int] = [], total = 0
        for s in inputs {
            guard let s else { offsets.append(-1); continue }
            offsets.append(total)
            total += max(s.shape.reduce(1, *), 1)
        }
        var outOffsets: [Int] = []
        for o in outputs { outOffsets.append(total); total += max(o.shape.reduce(1, *), 1) }
        let scratchCount = kernel.scratchFloats(threads: 1)
        let arena = UnsafeMutablePointer<Float>.allocate(capacity: total + 16)
        arena.initialize(repeating: 0, count: total + 16)
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: scratchCount + 16)
        defer { arena.deallocate(); scratch.deallocate() }
        for (s, o) in zip(inputs, offsets) where o >= 0 {
            let v = s!.constant!.floats
            v.withUnsafeBufferPointer { (arena + o).update(from: $0.baseAddress!, count: $0.count) }
        }
        kernel.run(KernelIO(arena: arena, inputs: offsets, outputs: outOffsets, scratch: scratch, threads: 1))
        return zip(outputs, outOffsets).map { o, offset in
            let values = Array(UnsafeBufferPointer(start: arena + offset, count: o.shape.reduce(1, *)))
            return Tensor(arena: values, shape: o.shape, dtype: o.dtype)
        }
    }

    func plan() throws -> Result {
        let (graph, foldedBatchNorms) = GraphRewrites.foldBatchNorms(model.graph)
        let opset = model.opsetVersion
        var states: [String: ValueState] = [:]
        var parameters = 0
        for t in graph.initializers {
            let tensor = Tensor(onnx: t)
            states[t.name] = ValueState(shape: t.dims, dtype: tensor.dtype, constant: tensor)
            if tensor.dtype.isFloatingPoint { parameters += t.elementCount }
        }

        // Feed inputs: shapes from the caller or the declaration.
        var feedNames: [String] = []
        for info in graph.feedInputs {
            if let value = options.inputValues[info.name] {
                states[info.name] = ValueState(shape: value.shape, dtype: value.dtype, constant: value)
                continue
            }
            let shape: [Int]
            if let given = inputShapes[info.name] {
                if let declared = info.shape {
                    guard declared.count == given.count else {
                        throw RuntimeError.badInput(name: info.name, detail: "rank \(given.count) given, the model declares \(declared)")
                    }
                    for (d, g) in zip(declared, given) {
                        if case .fixed(let n) = d, n > 0, n != g, !isSpatialOverride(declared, given) {
                            throw RuntimeError.badInput(name: info.name, detail: "shape \(given) conflicts with the declared \(declared)")
                        }
                    }
                }
                shape = given
            } else if let declared = info.shape {
                shape = try declared.map { d -> Int in
                    guard case .fixed(let n) = d, n > 0 else {
                        throw RuntimeError.badInput(name: info.name, detail: "dimension '\(d)' is not fixed: give the input shape")
                    }
                    return n
                }
            } else {
                throw RuntimeError.badInput(name: info.name, detail: "no declared shape: give the input shape")
            }
            guard shape.allSatisfy({ $0 > 0 }), shape.reduce(1, *) <= 1 << 31 else {
                throw RuntimeError.badInput(name: info.name, detail: "invalid shape \(shape)")
            }
            if let type = info.elementType, type != .float {
                throw RuntimeError.badInput(name: info.name, detail: "inputs of type \(type) are not supported (float32 only)")
            }
            states[info.name] = ValueState(shape: shape, dtype: .float32, constant: nil)
            feedNames.append(info.name)
        }
        for name in inputShapes.keys where !feedNames.contains(name) && options.inputValues[name] == nil {
            throw RuntimeError.badInput(name: name, detail: "the model has no such input (inputs: \(feedNames.joined(separator: ", ")))")
        }

        // Shape inference and folding, in dependency order.
        var pending: [Pending] = []
        for node in try topologicalOrder(graph, defined: Set(states.keys)) {
            let inputs = node.inputs.map { $0.isEmpty ? nil : states[$0] }
            let context = NodeContext(node: node, opset: opset, inputs: inputs, options: options)
            switch try Operators.plan(context) {
            case .constants(let tensors):
                for (name, t) in zip(node.outputs, tensors) where !name.isEmpty {
                    states[name] = ValueState(shape: t.shape, dtype: t.dtype, constant: t)
                }
            case let .runtime(outputs, op) where !inputs.isEmpty && inputs.allSatisfy({ $0 == nil || $0!.constant != nil }):
                // Every input is known but the handler scheduled a kernel: run it now.
                for (name, t) in zip(node.outputs, Self.evaluate(op, inputs: inputs, outputs: outputs)) where !name.isEmpty {
                    states[name] = ValueState(shape: t.shape, dtype: t.dtype, constant: t)
                }
            case let .runtime(outputs, op):
                for (name, o) in zip(node.outputs, outputs) where !name.isEmpty {
                    states[name] = ValueState(shape: o.shape, dtype: o.dtype, constant: nil)
                }
                pending.append(Pending(node: node, op: op))
            }
        }
        let outputNames = graph.outputs.map(\.name)
        for name in outputNames where states[name] == nil {
            throw RuntimeError.invalidGraph("output '\(name)' is never produced")
        }

        // Dead-node removal: keep what the outputs need.
        var needed = Set(outputNames)
        for p in pending.reversed() {
            if p.outputs.contains(where: needed.contains) {
                for i in p.node.inputs where !i.isEmpty && states[i]?.constant == nil { needed.insert(i) }
            } else {
                p.removed = true
            }
        }
        var live = pending.filter { !$0.removed }
        let removedNodes = model.graph.nodes.count - live.count  // folded into constants or never needed

        // Activation fusion: Conv → Relu / Clip becomes one kernel when nothing else reads the Conv's output.
        var consumers: [String: Int] = [:]
        for p in live { for i in p.node.inputs where !i.isEmpty { consumers[i, default: 0] += 1 } }
        for o in outputNames { consumers[o, default: 0] += 1 }
        var producer: [String: Pending] = [:]
        var fused = 0
        for p in live {
            if let epilogue = p.op.asEpilogue, let source = producer[p.node.inputs[0]],
               source.op.acceptsActivation, source.op.epilogue == .none, consumers[p.node.inputs[0]] == 1 {
                source.op.epilogue = epilogue
                source.outputs[0] = p.outputs[0]
                producer[p.outputs[0]] = source
                p.removed = true
                fused += 1
                continue
            }
            for o in p.outputs where !o.isEmpty { producer[o] = p }
        }
        live = live.filter { !$0.removed }

        // Residual fusion: Add(x, y) where x comes from a convolution that nothing else reads, y is computed
        // before that convolution runs, and both have the Add's shape: the convolution adds y as it stores.
        var position: [String: Int] = [:]
        for (i, p) in live.enumerated() { for o in p.outputs where !o.isEmpty { position[o] = i } }
        var residuals = 0
        for (i, p) in live.enumerated() where p.op.opType == "Add" {
            let ins = p.node.inputs
            guard ins.count == 2, ins[0] != ins[1], let out = p.outputs.first, let shape = states[out]?.shape,
                  ins.allSatisfy({ !$0.isEmpty && states[$0]?.constant == nil && states[$0]?.shape == shape }) else { continue }
            for k in 0..<2 {
                let x = ins[k], y = ins[1 - k]
                guard let source = producer[x], source.op.acceptsResidual, source.residual == nil,
                      consumers[x] == 1, !outputNames.contains(x), let at = position[x], at < i,
                      (position[y] ?? -1) < at else { continue }
                source.residual = y
                source.outputs[0] = out
                producer[out] = source
                position[out] = at
                p.removed = true
                residuals += 1
                break
            }
        }
        live = live.filter { !$0.removed }

        // Concats read in place: a channel Concat (batch 1, 2…4 run-time inputs) whose only reader is a
        // convolution that reads its input plane by plane disappears, and the convolution reads each input
        // where it lies. No buffer holds the concatenation, so a long-lived input (an encoder's skip
        // connection) keeps only its own size.
        var readers: [String: [Pending]] = [:]
        for p in live { for i in p.stepInputs where !i.isEmpty { readers[i, default: []].append(p) } }
        var readInPlace = 0
        for p in live where p.op.opType == "Concat" {
            let names = p.node.inputs.filter { !$0.isEmpty }
            guard let out = p.outputs.first, let shape = states[out]?.shape, shape.count == 4, shape[0] == 1,
                  !outputNames.contains(out), (2...ChannelPlanes.maxSegments).contains(names.count),
                  names.allSatisfy({ states[$0]?.constant == nil && states[$0]?.shape.count == 4 }) else { continue }
            var axis = 0
            if case .int(let a)? = p.node.attributes["axis"] { axis = Int(a) < 0 ? Int(a) + 4 : Int(a) }
            guard axis == 1, let reader = readers[out], reader.count == 1, let conv = reader.first,
                  conv.op.acceptsSegmentedInput, conv.inputSegments == nil, conv.node.inputs.first == out,
                  !conv.node.inputs.dropFirst().contains(out), conv.residual != out else { continue }
            conv.inputSegments = names
            conv.op.inputSegments = names.map { (states[$0]!.shape[1], nil) }
            p.removed = true
            readInPlace += 1
        }
        live = live.filter { !$0.removed }

        // Resizes read row by row: a Resize (batch 1) whose only reader is such a convolution, as its input
        // or one of its segments, is not stored; the convolution resizes each row as it copies it.
        readers = [:]
        var made: [String: Pending] = [:]
        for p in live {
            for i in p.stepInputs where !i.isEmpty { readers[i, default: []].append(p) }
            for o in p.outputs where !o.isEmpty { made[o] = p }
        }
        var resizesReadInPlace = 0
        for conv in live where conv.op.acceptsSegmentedInput {
            guard let first = conv.node.inputs.first else { continue }
            var names = conv.inputSegments ?? [first]
            var segments = conv.op.inputSegments ?? [(states[first]!.shape[1], nil)]
            var changed = false
            for k in names.indices {
                let n = names[k]
                guard let resize = made[n], let taps = resize.op.resizeTaps, !outputNames.contains(n),
                      readers[n]?.count == 1, names.filter({ $0 == n }).count == 1,
                      !conv.node.inputs.dropFirst().contains(n), conv.residual != n else { continue }
                names[k] = resize.node.inputs[0]
                segments[k].resize = taps
                resize.removed = true
                changed = true
                resizesReadInPlace += 1
            }
            if changed {
                conv.inputSegments = names
                conv.op.inputSegments = segments
            }
        }
        live = live.filter { !$0.removed }

        // Concat elision: when every run-time input of a channel Concat (batch 1) is produced by a step
        // of its own and feeds no other Concat, those steps write straight into their slice of the
        // Concat's output and the Concat disappears: no copy, and no separate buffers for its inputs.
        let feeds = Set(feedNames), graphOutputs = Set(outputNames)
        var producerOp: [String: String] = [:]
        for p in live { for o in p.outputs where !o.isEmpty { producerOp[o] = p.op.opType } }
        var home: [String: (root: String, offset: Int)] = [:]
        var elided = 0
        for p in live where p.op.opType == "Concat" {
            let names = p.node.inputs.filter { !$0.isEmpty }
            guard let out = p.outputs.first, let shape = states[out]?.shape, !shape.isEmpty else { continue }
            var axis = 0
            if case .int(let a)? = p.node.attributes["axis"] { axis = Int(a) < 0 ? Int(a) + shape.count : Int(a) }
            guard shape[..<axis].reduce(1, *) == 1, Set(names).count == names.count else { continue }
            let eligible = names.allSatisfy { n in
                states[n]?.constant == nil && !feeds.contains(n) && !graphOutputs.contains(n) && home[n] == nil
                    && producerOp[n] != nil && producerOp[n] != "Concat"
            }
            guard eligible else { continue }
            var offset = 0
            for n in names {
                home[n] = (out, offset)
                offset += states[n]!.shape.reduce(1, *)
            }
            p.removed = true
            elided += 1
        }
        live = live.filter { !$0.removed }

        // Memory plan: each allocation (a value, or a Concat output with the inputs written into it)
        // holds its arena space from its first definition to its last use.
        var lastUse: [String: Int] = [:]
        for (i, p) in live.enumerated() { for n in p.stepInputs where !n.isEmpty { lastUse[n] = i } }
        for o in outputNames { lastUse[o] = Int.max }
        func unit(_ n: String) -> String { home[n]?.root ?? n }
        var first: [String: Int] = [:], last: [String: Int] = [:]
        func define(_ n: String, at i: Int) {
            let u = unit(n)
            first[u] = min(first[u] ?? i, i)
            last[u] = max(last[u] ?? i, lastUse[n] ?? i, lastUse[u] ?? i)
        }
        for name in feedNames { define(name, at: -1) }
        for (i, p) in live.enumerated() { for o in p.outputs where !o.isEmpty { define(o, at: i) } }
        var arena = ArenaPlacement()
        let unitOffsets = arena.place(first.keys.sorted().map {
            ArenaPlacement.Lifetime(name: $0, first: first[$0]!, last: last[$0]!, count: states[$0]!.shape.reduce(1, *))
        })
        func offset(_ n: String) -> Int { unitOffsets[unit(n)]! + (home[n]?.offset ?? 0) }
        var steps: [Plan.Step] = []
        var scratch = 0
        var convolutions = 0, multiplyAdds = 0
        for p in live {
            if p.residual != nil { p.op.residualSlot = p.stepInputs.count - 1 }
            let kernel = p.op.build()
            scratch = max(scratch, kernel.scratchFloats(threads: threads))
            let inOffsets = p.stepInputs.map { n -> Int in
                guard !n.isEmpty, states[n]?.constant == nil else { return -1 }
                return offset(n)
            }
            steps.append(Plan.Step(name: p.name, opType: p.op.opType, kernel: kernel, inputs: inOffsets,
                                   outputs: p.outputs.map { $0.isEmpty ? -1 : offset($0) }, multiplyAdds: p.op.multiplyAdds,
                                   outputShape: p.outputs.first.flatMap { states[$0]?.shape } ?? []))
            if p.op.opType == "Conv" { convolutions += 1; multiplyAdds += p.op.multiplyAdds }
        }
        let offsets = Dictionary(uniqueKeysWithValues: (feedNames + live.flatMap(\.outputs)).filter { !$0.isEmpty }.map { ($0, offset($0)) })

        let inputs = feedNames.map { Plan.Input(name: $0, shape: states[$0]!.shape, offset: offsets[$0]!) }
        let outputs = outputNames.map { name -> Plan.Output in
            let s = states[name]!
            return Plan.Output(name: name, shape: s.shape, dtype: s.dtype, offset: s.constant == nil ? offsets[name] : nil,
                               constant: s.constant)
        }
        var histogram: [String: Int] = [:]
        for n in model.graph.nodes { histogram[n.opType, default: 0] += 1 }
        let statistics = PlanStatistics(graphOpCounts: histogram, parameterCount: parameters,
                                        convolutionCount: convolutions, multiplyAdds: multiplyAdds,
                                        foldedNodes: removedNodes,
                                        fusedActivations: fused, elidedConcats: elided, fusedResiduals: residuals,
                                        concatsReadInPlace: readInPlace, resizesReadInPlace: resizesReadInPlace,
                                        foldedBatchNorms: foldedBatchNorms)
        return Result(inputs: inputs, outputs: outputs, steps: steps, valueFloats: arena.size,
                      scratchFloats: scratch, statistics: statistics)
    }

    /// An NCHW input whose batch and channels match and whose spatial size is overridden.
    private func isSpatialOverride(_ declared: [ONNXDimension], _ given: [Int]) -> Bool {
        guard declared.count == 4 else { return false }
        for i in 0..<2 {
            if case .fixed(let n) = declared[i], n != given[i] { return false }
        }
        return true
    }

    /// Nodes in an order where every input is defined first (Kahn's algorithm, stable).
    private func topologicalOrder(_ graph: ONNXGraph, defined: Set<String>) throws -> [ONNXNode] {
        var available = defined
        var remaining = graph.nodes
        var order: [ONNXNode] = []
        order.reserveCapacity(remaining.count)
        var produced = Set<String>()
        for n in graph.nodes { for o in n.outputs where !o.isEmpty {
            guard !produced.contains(o), !defined.contains(o) else {
                throw RuntimeError.invalidGraph("value '\(o)' is defined twice")
            }
            produced.insert(o)
        } }
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

/// Offline placement of values in one arena, every lifetime known in advance: largest first, each at the
/// lowest offset that no value alive at the same time occupies (64-byte aligned). This packs close to the
/// peak of simultaneously live bytes, where allocating in run order leaves holes.
struct ArenaPlacement {
    struct Lifetime {
        let name: String
        /// Steps that define and last read the value (inclusive; -1 for graph inputs, Int.max for outputs).
        let first: Int, last: Int
        let count: Int
    }

    private(set) var size = 0

    static func rounded(_ n: Int) -> Int { (max(n, 1) + 15) & ~15 }

    mutating func place(_ values: [Lifetime]) -> [String: Int] {
        let order = values.sorted { ($0.count, $1.first, $1.name) > ($1.count, $0.first, $0.name) }
        var placed: [(offset: Int, size: Int, first: Int, last: Int)] = []
        var offsets: [String: Int] = [:]
        for v in order {
            let n = Self.rounded(v.count)
            let busy = placed.filter { $0.first <= v.last && v.first <= $0.last }.sorted { $0.offset < $1.offset }
            var offset = 0
            for b in busy {
                if offset + n <= b.offset { break }
                offset = max(offset, b.offset + b.size)
            }
            placed.append((offset, n, v.first, v.last))
            offsets[v.name] = offset
            size = max(size, offset + n)
        }
        return offsets
    }
}
