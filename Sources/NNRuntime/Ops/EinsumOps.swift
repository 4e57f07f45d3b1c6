import NNTensor

/// Einsum in the forms attention exports use: two operands whose every index is either shared by both
/// and the output (a batch index), shared by both only (contracted), or in one operand and the output
/// (a free index), e.g. "bhwc,hkc->bhwk" or "bmhk,bnhk->bmhn"; and one operand permuted ("ij->ji").
/// Such an equation is a batched matrix product: the operands are laid out as [batch, free, contracted]
/// and [batch, contracted, free], multiplied by sgemm, and the product permuted into the output's order.
/// Any other equation (repeated indices, ellipses, indices summed out of one operand) is refused.
enum EinsumOps {
    static func einsum(_ c: NodeContext) throws -> NodeResult {
        guard let equation = c.string("equation") else { throw c.invalid("no equation") }
        let refuse = { (why: String) in c.unsupported("equation '\(equation)': \(why)") }
        let compact = equation.filter { !$0.isWhitespace }
        let sides = compact.components(separatedBy: "->")
        guard sides.count == 2 else { throw refuse("an explicit output ('->') is required") }
        let terms = sides[0].split(separator: ",", omittingEmptySubsequences: false).map { Array($0) }
        let out = Array(sides[1])
        guard terms.count == c.inputs.count, terms.count == 1 || terms.count == 2 else { throw refuse("\(terms.count) operands") }
        for t in terms + [out] {
            guard t.allSatisfy({ $0.isLetter }), Set(t).count == t.count else { throw refuse("only distinct letters per operand") }
        }
        let states = try (0..<terms.count).map { try c.input($0) }
        var size: [Character: Int] = [:]
        for (t, s) in zip(terms, states) {
            try ShapeOps.requireFloat(c, s)
            guard t.count == s.shape.count else { throw c.invalid("'\(String(t))' for an operand of shape \(s.shape)") }
            for (l, d) in zip(t, s.shape) {
                if let known = size[l], known != d { throw c.invalid("index '\(l)' is \(known) and \(d)") }
                size[l] = d
            }
        }
        guard out.allSatisfy({ size[$0] != nil }) else { throw c.invalid("an output index appears in no operand") }
        let outShape = out.map { size[$0]! }
        func strides(_ term: [Character], _ order: [Character]) -> [Int] {
            let own = Tensor.contiguousStrides(term.map { size[$0]! })
            return order.map { own[term.firstIndex(of: $0)!] }
        }
        if terms.count == 1 {
            guard Set(out) == Set(terms[0]) else { throw refuse("one operand: a permutation only") }
            let copy = StridedCopy(shape: outShape, strides: strides(terms[0], out))
            return .runtime(outputs: [(outShape, states[0].dtype)], op: PlannedOp("Einsum") { StridedCopyKernel(copy, element: .float) })
        }
        let a = terms[0], b = terms[1]
        let batch = out.filter { a.contains($0) && b.contains($0) }
        let freeA = out.filter { a.contains($0) && !b.contains($0) }
        let freeB = out.filter { b.contains($0) && !a.contains($0) }
        let contracted = a.filter { b.contains($0) && !out.contains($0) }
        guard a.allSatisfy({ out.contains($0) || b.contains($0) }), b.allSatisfy({ out.contains($0) || a.contains($0) }) else {
            throw refuse("an index summed out of one operand alone")
        }
        let dims = { (letters: [Character]) in letters.map { size[$0]! } }
        let plan = EinsumKernel.Plan(
            batches: dims(batch).reduce(1, *), m: dims(freeA).reduce(1, *), n: dims(freeB).reduce(1, *),
            k: dims(contracted).reduce(1, *),
            left: StridedCopy(shape: dims(batch + freeA + contracted), strides: strides(a, batch + freeA + contracted)),
            right: StridedCopy(shape: dims(batch + contracted + freeB), strides: strides(b, batch + contracted + freeB)),
            result: StridedCopy(shape: outShape, strides: strides(batch + freeA + freeB, out)))
        let operandStates = c.inputs
        let multiplyAdds = plan.batches * plan.m * plan.n * plan.k
        return .runtime(outputs: [(outShape, states[0].dtype)], op: PlannedOp("Einsum", multiplyAdds: multiplyAdds) {
            EinsumKernel(plan, operands: Operands(operandStates))
        })
    }
}

/// A two-operand Einsum as a batched matrix product: operands copied into [batch, m, k] and [batch, k, n]
/// in scratch, one sgemm per batch into a [batch, m, n] product, permuted into the output.
final class EinsumKernel: Kernel {
    struct Plan {
        let batches: Int, m: Int, n: Int, k: Int
        let left: StridedCopy, right: StridedCopy, result: StridedCopy
    }

    let plan: Plan, operands: Operands
    init(_ plan: Plan, operands: Operands) { self.plan = plan; self.operands = operands }

    func scratchFloats(threads: Int) -> Int { plan.left.count + plan.right.count + plan.batches * plan.m * plan.n }
    var algorithm: String { "batched sgemm \(plan.batches)×[\(plan.m)×\(plan.k)]·[\(plan.k)×\(plan.n)]" }

    func run(_ io: KernelIO) {
        let p = plan
        var region = ScratchRegion(io.scratch, count: scratchFloats(threads: io.threads))
        let a = region.carve(p.left.count), b = region.carve(p.right.count), product = region.carve(p.batches * p.m * p.n)
        let pa = a.pointer(at: 0, count: a.count), pb = b.pointer(at: 0, count: b.count)
        let pc = product.pointer(at: 0, count: product.count)
        p.left.run(operands.pointer(0, io, as: Float.self), pa, threads: io.threads)
        p.right.run(operands.pointer(1, io, as: Float.self), pb, threads: io.threads)
        Parallel.forEach(p.batches, threads: io.threads) { i in
            MatMul.sgemm(pa + i * p.m * p.k, pb + i * p.k * p.n, pc + i * p.m * p.n, m: p.m, n: p.n, k: p.k)
        }
        p.result.run(UnsafePointer(pc), io.output(0), threads: io.threads)
    }
}
