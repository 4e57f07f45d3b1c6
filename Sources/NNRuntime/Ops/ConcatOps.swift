import NNTensor

enum ConcatOps {
    static func concat(_ c: NodeContext) throws -> NodeResult {
        let parts = c.inputs.compactMap { $0 }
        guard let first = parts.first else { throw c.invalid("no inputs") }
        let rank = first.shape.count
        let axis = try c.axis(c.int("axis") ?? 0, rank: rank)
        var outShape = first.shape
        outShape[axis] = 0
        for p in parts {
            guard p.shape.count == rank,
                  (0..<rank).allSatisfy({ $0 == axis || p.shape[$0] == first.shape[$0] }) else {
                throw c.invalid("shapes \(parts.map(\.shape)) differ off axis \(axis)")
            }
            outShape[axis] += p.shape[axis]
        }
        let outer = first.shape[..<axis].reduce(1, *)
        let blocks = parts.map { $0.shape[axis...].reduce(1, *) }
        if parts.allSatisfy({ $0.constant != nil }) {
            let tensors = parts.map { $0.constant! }
            if tensors.allSatisfy({ $0.dtype.isFloatingPoint }) {
                var out: [Float] = []
                for o in 0..<outer { for (t, n) in zip(tensors, blocks) { out += t.floats[o * n..<(o + 1) * n] } }
                return .constants([Tensor(shape: outShape, values: out, dtype: first.dtype)])
            }
            var out: [Int64] = []
            for o in 0..<outer { for (t, n) in zip(tensors, blocks) { out += t.integers[o * n..<(o + 1) * n] } }
            return .constants([Tensor(shape: outShape, integers: out, dtype: first.dtype)])
        }
        if !parts.allSatisfy({ $0.dtype.arenaElement == .float }) {
            guard let element = first.dtype.arenaElement, parts.allSatisfy({ $0.dtype == first.dtype }) else {
                throw c.unsupported("Concat of \(parts.map(\.dtype)) tensors")
            }
            let states = c.inputs, present = c.inputs.map { $0 != nil }
            let op = PlannedOp("Concat") { ElementConcatKernel(blocks: blocks, outer: outer, width: element.byteWidth, operands: Operands(states), present: present) }
            return .runtime(outputs: [(outShape, first.dtype)], op: op)
        }
        // Constant parts are copied in from the kernel's own storage.
        let constants = c.inputs.map { $0?.constant?.floats }
        let present = c.inputs.map { $0 != nil }
        let op = PlannedOp("Concat") { ConcatKernel(blocks: blocks, outer: outer, constants: constants, present: present) }
        return .runtime(outputs: [(outShape, .float32)], op: op)
    }
}

final class ConcatKernel: Kernel {
    let blocks: [Int], outer: Int
    /// Per node input: owned copy of a constant part, or nil for a run-time part (or an omitted input).
    let constants: [UnsafeMutablePointer<Float>?]
    let present: [Bool]

    init(blocks: [Int], outer: Int, constants: [[Float]?], present: [Bool]) {
        self.blocks = blocks; self.outer = outer; self.present = present
        self.constants = constants.map { v in
            v.map { v in
                let p = UnsafeMutablePointer<Float>.allocate(capacity: max(v.count, 1))
                p.initialize(from: v, count: v.count)
                return p
            }
        }
    }

    deinit { for p in constants { p?.deallocate() } }

    func run(_ io: KernelIO) {
        withUnsafeTemporaryAllocation(of: UnsafePointer<Float>.self, capacity: blocks.count) { sources in
            var k = 0
            for i in 0..<present.count where present[i] {
                sources[k] = constants[i].map { UnsafePointer($0) } ?? io.input(i)
                k += 1
            }
            Concat.run(inputs: UnsafeBufferPointer(sources), blocks: blocks, outer: outer, output: io.output(0), threads: io.threads)
        }
    }
}

/// Concat of integer or boolean values: each part's blocks copied byte for byte.
final class ElementConcatKernel: Kernel {
    let blocks: [Int], outer: Int, width: Int, operands: Operands, present: [Bool]
    init(blocks: [Int], outer: Int, width: Int, operands: Operands, present: [Bool]) {
        self.blocks = blocks; self.outer = outer; self.width = width; self.operands = operands; self.present = present
    }

    func run(_ io: KernelIO) {
        var dst = io.outputBytes(0)
        for o in 0..<outer {
            var k = 0
            for i in present.indices where present[i] {
                let n = blocks[k] * width
                dst.copyMemory(from: operands.bytes(i, io) + o * n, byteCount: n)
                dst += n
                k += 1
            }
        }
    }
}
