import NNTensor
import ONNXFormat

/// The exact GELU as exporters write it, `x · ½ · (1 + erf(x / √2))`: Div(x, √2) or Mul(x, 1/√2), Erf, Add 1,
/// and the two Muls by x and ½ in any of the orders PyTorch writes (`(x·(1+e))·½`, `(x·½)·(1+e)`,
/// `((1+e)·½)·x`), every intermediate read once. The chain becomes one GELU, applied by the MatMul that writes
/// x when x is read by nothing else (the MLP's first Linear), else one element-wise step. A chain that
/// differs in any op or constant is left alone. Returns the chains fused.
package struct GeluFusion: PlanPass {
    package init() {}

    package func run(on graph: PlanGraph) throws -> Int {
        let reads = graph.nodeReadCounts()
        var producers = graph.producers()
        let readers = graph.nodeReaders()
        func scalar(_ name: String) -> Float? {
            guard let c = graph.states[name]?.constant, c.dtype.isFloatingPoint, c.shape.reduce(1, *) == 1 else { return nil }
            return c.floats[0]
        }
        func near(_ v: Float?, _ target: Float) -> Bool { v.map { abs($0 - target) <= 1e-6 * max(1, abs(target)) } ?? false }
        /// The run-time operand of a binary step whose other operand is the constant `value`.
        func operand(_ step: PlanStep, _ op: String, _ value: Float, divisorOnly: Bool = false) -> String? {
            guard step.op.opType == op, step.node.inputs.count == 2 else { return nil }
            let (a, b) = (step.node.inputs[0], step.node.inputs[1])
            if near(scalar(b), value), graph.isRunTime(a) { return a }
            if !divisorOnly, near(scalar(a), value), graph.isRunTime(b) { return b }
            return nil
        }
        func soleReader(_ name: String) -> PlanStep? { graph.soleReader(name, reads, readers) }
        var fused = 0
        for erf in graph.steps where erf.op.opType == "Erf" && !erf.removed {
            guard let t = erf.node.inputs.first, graph.readOnceInside(t, reads), let scale = producers[t] else { continue }
            guard let x = operand(scale, "Div", Float(2).squareRoot(), divisorOnly: true)
                    ?? operand(scale, "Mul", Float(0.5).squareRoot()) else { continue }
            guard let add = soleReader(erf.outputs[0]), operand(add, "Add", 1) == erf.outputs[0],
                  let m1 = soleReader(add.outputs[0]), m1.op.opType == "Mul", m1.node.inputs.count == 2 else { continue }
            let other = m1.node.inputs[0] == add.outputs[0] ? m1.node.inputs[1] : m1.node.inputs[0]
            var chain = [scale, erf, add, m1]
            let final: PlanStep
            if other == x, let m2 = soleReader(m1.outputs[0]), operand(m2, "Mul", 0.5) == m1.outputs[0] {
                chain.append(m2); final = m2                                  // (x · (1 + e)) · ½
            } else if let h = producers[other], operand(h, "Mul", 0.5) == x, graph.readOnceInside(other, reads) {
                chain.append(h); final = m1                                   // (x · ½) · (1 + e)
            } else if near(scalar(other), 0.5), let m2 = soleReader(m1.outputs[0]), m2.op.opType == "Mul",
                      Set(m2.node.inputs) == [m1.outputs[0], x] {
                chain.append(m2); final = m2                                  // ((1 + e) · ½) · x
            } else { continue }
            guard let shape = graph.states[x]?.shape, graph.states[final.outputs[0]]?.shape == shape,
                  graph.states[x]?.dtype == .float32 else { continue }
            let out = final.outputs[0]
            if let source = producers[x], let mm = source.op as? MatMulOp, mm.activation == .none,
               source.residual == nil, reads[x] == 2, !graph.outputNames.contains(x) {
                mm.activation = .gelu
                source.outputs[0] = out
                producers[out] = source
                for s in chain { s.removed = true }
            } else {
                let gelu = PlanStep(node: .init(name: erf.name, opType: "Gelu", inputs: [x], outputs: [out], attributes: [:]),
                                    op: GeluOp("Gelu", count: shape.reduce(1, *), erfOnly: false))
                for s in chain where s !== final { s.removed = true }
                graph.replace(final, with: gelu)
            }
            fused += 1
        }
        graph.compact()
        return fused
    }
}
