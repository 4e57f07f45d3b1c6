import NNTensor
import ONNXFormat

extension PlanGraph {
    /// Puts `new` in `old`'s place in ``steps``.
    func replace(_ old: PlanStep, with new: PlanStep) {
        if let k = steps.firstIndex(where: { $0 === old }) { steps[k] = new }
    }

    /// Whether `name` is a run-time value read by exactly one node input and not a graph output.
    func readOnceInside(_ name: String, _ reads: [String: Int]) -> Bool {
        reads[name] == 1 && !outputNames.contains(name) && isRunTime(name)
    }
}

extension PlanStep {
    /// A Transpose's permutation of `rank` axes: its `perm` attribute, or reversed axes without one; nil when
    /// the attribute is not a permutation of `0..<rank`.
    func transposePermutation(rank: Int) -> [Int]? {
        var perm = Array((0..<rank).reversed())
        if case .ints(let p)? = node.attributes["perm"] { perm = p.map { Int($0) } }
        return perm.count == rank && Set(perm) == Set(0..<rank) ? perm : nil
    }

    /// A copy reading `inputs` instead of the node's inputs, with the same outputs and fused residual.
    func reading(_ inputs: [String], op: PlannedOp? = nil) -> PlanStep {
        var node = self.node
        node.inputs = inputs
        let step = PlanStep(node: node, op: op ?? self.op)
        step.outputs = outputs
        step.residual = residual
        step.inputSegments = inputSegments
        return step
    }
}

/// Add(MatMul(x, W), b) where the MatMul's output is read by nothing else and `b` is a constant that varies
/// only along the last axis (a Linear layer's bias): the MatMul adds `b` as it stores each row. Returns the
/// Adds fused.
package struct MatMulBiasFusion: PlanPass {
    package init() {}

    package func run(on graph: PlanGraph) throws -> Int {
        let reads = graph.nodeReadCounts()
        var producers = graph.producers()
        var fused = 0
        for add in graph.steps where add.op.opType == "Add" && add.node.inputs.count == 2 {
            for k in 0..<2 {
                let x = add.node.inputs[k], b = add.node.inputs[1 - k]
                guard let source = producers[x], let mm = source.op as? MatMulOp, mm.bias == nil, mm.activation == .none,
                      source.residual == nil, graph.readOnceInside(x, reads),
                      let c = graph.states[b]?.constant, c.dtype.isFloatingPoint,
                      let out = add.outputs.first, let shape = graph.states[out]?.shape, graph.states[x]?.shape == shape,
                      let n = shape.last, c.shape.count <= shape.count, c.shape.dropLast().allSatisfy({ $0 == 1 }),
                      c.shape.last == n || c.shape.last == 1 || c.shape.isEmpty else { continue }
                let v = c.floats
                mm.bias = v.count == n ? v : [Float](repeating: v[0], count: n)
                source.outputs[0] = out
                producers[out] = source
                add.removed = true
                fused += 1
                break
            }
        }
        graph.compact()
        return fused
    }
}

/// MatMul(x, Transpose(y)) where the Transpose swaps the last two axes only and is read by nothing else:
/// the MatMul reads `y` as a transposed operand (sgemm's transB / transA), and the copy disappears. Returns
/// the Transposes folded.
package struct MatMulTransposeFolding: PlanPass {
    package init() {}

    package func run(on graph: PlanGraph) throws -> Int {
        let reads = graph.nodeReadCounts()
        let producers = graph.producers()
        var folded = 0
        for step in graph.steps {
            guard let mm = step.op as? MatMulOp, step.op.opType == "MatMul" else { continue }
            var inputs = step.node.inputs
            for slot in 0..<2 {
                let name = inputs[slot]
                guard let t = producers[name], t.op.opType == "Transpose", graph.readOnceInside(name, reads),
                      let src = t.node.inputs.first, let srcShape = graph.states[src]?.shape, srcShape.count >= 2,
                      graph.states[name]?.shape.count == srcShape.count else { continue }
                let rank = srcShape.count
                var swap = Array(0..<rank)
                swap.swapAt(rank - 1, rank - 2)
                guard t.transposePermutation(rank: rank) == swap else { continue }
                let g = mm.geometry
                if slot == 1, !g.transB {
                    mm.geometry = BatchedMatMul(m: g.m, n: g.n, k: g.k, aOffsets: g.aOffsets, bOffsets: g.bOffsets, transA: g.transA, transB: true)
                } else if slot == 0, !g.transA {
                    mm.geometry = BatchedMatMul(m: g.m, n: g.n, k: g.k, aOffsets: g.aOffsets, bOffsets: g.bOffsets, transA: true, transB: g.transB)
                } else { continue }
                inputs[slot] = src
                t.removed = true
                folded += 1
            }
            if inputs != step.node.inputs { graph.replace(step, with: step.reading(inputs)) }
        }
        graph.compact()
        return folded
    }
}
