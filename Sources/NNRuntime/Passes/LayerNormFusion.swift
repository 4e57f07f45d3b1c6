import NNTensor
import ONNXFormat

/// LayerNormalization as older exports decompose it over the last axis: `m = ReduceMean(x)`, `d = Sub(x, m)`,
/// `Pow(d, 2)`, `ReduceMean`, `Add ε`, `Sqrt`, `Div(d, ·)`, then optionally `Mul γ` and `Add β` with constants
/// that vary along the last axis only; every intermediate read only inside the pattern. It becomes one
/// LayerNormalization step (``RowNorm/layerNorm(_:_:rows:length:gamma:beta:epsilon:threads:)``). A pattern that
/// differs anywhere (another exponent, axis, a run-time ε) runs as written. Returns the patterns fused.
package struct LayerNormFusion: PlanPass {
    package init() {}

    package func run(on graph: PlanGraph) throws -> Int {
        let reads = graph.nodeReadCounts()
        let readers = graph.nodeReaders()
        func constant(_ name: String) -> Tensor? {
            guard let c = graph.states[name]?.constant, c.dtype.isFloatingPoint else { return nil }
            return c
        }
        /// A ReduceMean over the last axis only, keeping dimensions.
        func isLastAxisMean(_ step: PlanStep) -> Bool {
            guard step.op.opType == "ReduceMean", let x = step.node.inputs.first, let rank = graph.states[x]?.shape.count else { return false }
            if case .int(let k)? = step.node.attributes["keepdims"], k == 0 { return false }
            var axes: [Int]
            if case .ints(let a)? = step.node.attributes["axes"] { axes = a.map { Int($0) } }
            else if step.node.inputs.count > 1, let c = graph.states[step.node.inputs[1]]?.constant { axes = c.integers.map { Int($0) } }
            else { return false }
            return axes.count == 1 && (axes[0] == -1 || axes[0] == rank - 1)
        }
        func only(_ name: String) -> PlanStep? { graph.soleReader(name, reads, readers) }
        func other(_ step: PlanStep, _ name: String) -> String? {
            guard step.node.inputs.count == 2 else { return nil }
            if step.node.inputs[0] == name { return step.node.inputs[1] }
            if step.node.inputs[1] == name { return step.node.inputs[0] }
            return nil
        }
        var fused = 0
        for mean in graph.steps where isLastAxisMean(mean) && !mean.removed {
            let x = mean.node.inputs[0]
            guard let shape = graph.states[x]?.shape, let n = shape.last, n > 0, graph.states[x]?.dtype == .float32,
                  let sub = only(mean.outputs[0]), sub.op.opType == "Sub", sub.node.inputs == [x, mean.outputs[0]] else { continue }
            let d = sub.outputs[0]
            guard reads[d] == 2, !graph.outputNames.contains(d), let dr = readers[d], dr.count == 2,
                  let pow = dr.first(where: { $0.op.opType == "Pow" }), let div = dr.first(where: { $0.op.opType == "Div" }),
                  pow.node.inputs.first == d, let two = pow.node.inputs.dropFirst().first.flatMap(constant),
                  two.shape.reduce(1, *) == 1, two.floats[0] == 2,
                  let mean2 = only(pow.outputs[0]), isLastAxisMean(mean2),
                  let addEps = only(mean2.outputs[0]), addEps.op.opType == "Add",
                  let epsName = other(addEps, mean2.outputs[0]), let eps = constant(epsName), eps.shape.reduce(1, *) == 1,
                  let sqrt = only(addEps.outputs[0]), sqrt.op.opType == "Sqrt",
                  let divisor = only(sqrt.outputs[0]), divisor === div, div.node.inputs == [d, sqrt.outputs[0]] else { continue }
            var chain = [mean, sub, pow, mean2, addEps, sqrt, div]
            var last = div
            var gamma = [Float](repeating: 1, count: n), beta: [Float]?
            func rowConstant(_ name: String?) -> [Float]? {
                guard let name, let c = constant(name) else { return nil }
                return TransformerOps.expanded(c.floats, shape: c.shape, toRow: [n])
            }
            if let mul = only(last.outputs[0]), mul.op.opType == "Mul", let g = rowConstant(other(mul, last.outputs[0])) {
                gamma = g
                chain.append(mul)
                last = mul
            }
            if let add = only(last.outputs[0]), add.op.opType == "Add", let b = rowConstant(other(add, last.outputs[0])) {
                beta = b
                chain.append(add)
                last = add
            }
            guard graph.states[last.outputs[0]]?.shape == shape else { continue }
            let op = TransformerOps.layerNormOp(rows: shape.reduce(1, *) / n, length: n, gamma: gamma, beta: beta, epsilon: eps.floats[0])
            let step = PlanStep(node: .init(name: mean.name, opType: "LayerNormalization", inputs: [x], outputs: [last.outputs[0]]), op: op)
            for s in chain where s !== last { s.removed = true }
            graph.replace(last, with: step)
            fused += 1
        }
        graph.compact()
        return fused
    }
}
