import NNTensor

/// A step's operands as a kernel reads them: run-time ones from the arena, constant ones from the kernel's
/// own copy, stored the way the arena stores that type (``ArenaMemory``). Lets one kernel serve every mix
/// of constant and computed operands.
final class Operands {
    private let memory: ArenaMemory?
    /// Per operand: its slot in `memory` (constants) or -1 (read from the step's inputs).
    private let slots: [Int]
    private let counts: [Int]

    init(_ states: [ValueState?]) {
        var slots: [Int] = [], total = 0
        for s in states {
            guard let s, s.constant != nil else { slots.append(-1); continue }
            slots.append(total)
            total += ArenaPlacement.rounded(ArenaMemory.slots(count: s.shape.reduce(1, *), dtype: s.dtype))
        }
        self.slots = slots
        counts = states.map { $0?.shape.reduce(1, *) ?? 0 }
        guard total > 0 else { memory = nil; return }
        let memory = ArenaMemory.allocate(slots: total)
        for (s, slot) in zip(states, slots) where slot >= 0 { memory.write(s!.constant!, slot: slot, as: s!.dtype) }
        self.memory = memory
    }

    deinit { memory?.deallocate() }

    /// Whether operand `i` is a constant held here.
    func isConstant(_ i: Int) -> Bool { slots[i] >= 0 }

    /// Operand `i`'s bytes, for copies that do not look at the values.
    func bytes(_ i: Int, _ io: KernelIO) -> UnsafeRawPointer {
        if slots[i] >= 0, let memory { return UnsafeRawPointer(memory.bytes(slot: slots[i])) }
        return io.inputBytes(i)
    }

    /// Operand `i` as elements of `T` (its arena element type).
    @inline(__always)
    func pointer<T>(_ i: Int, _ io: KernelIO, as type: T.Type) -> UnsafePointer<T> {
        let slot = slots[i]
        if slot >= 0, let memory { return UnsafePointer(memory.bind(T.self, slot: slot, count: counts[i])) }
        return io.input(i, as: type)
    }
}
