import NNTensor

/// The memory every run-time value lives in: raw bytes counted in 4-byte slots, each value's region bound
/// to its element type (``ArenaElement``) when a kernel asks for it. This is the one place where arena
/// memory gets a type: a region is reused by values of different types over a run, so it is bound anew
/// (`bindMemory`, free at run time) on every typed access instead of being allocated as one type.
///
/// Owns nothing: ``allocate(slots:)`` hands out the memory and ``deallocate()`` returns it.
package struct ArenaMemory {
    /// The first byte, 64-byte aligned.
    package let base: UnsafeMutableRawPointer

    package init(_ base: UnsafeMutableRawPointer) { self.base = base }

    /// A zeroed arena of `slots` 4-byte slots (at least one).
    package static func allocate(slots: Int) -> ArenaMemory {
        let bytes = 4 * max(slots, 1)
        let base = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
        base.initializeMemory(as: UInt8.self, repeating: 0, count: bytes)
        return ArenaMemory(base)
    }

    package func deallocate() { base.deallocate() }

    /// Slots a value of `count` elements of `dtype` occupies (rounded up to whole slots).
    package static func slots(count: Int, dtype: DType) -> Int {
        let width = (dtype.arenaElement ?? .int64).byteWidth
        return (count * width + 3) / 4
    }

    /// The `count` elements from slot `slot`, bound to `T`.
    @inline(__always)
    package func bind<T>(_: T.Type, slot: Int, count: Int) -> UnsafeMutablePointer<T> {
        (base + 4 * slot).bindMemory(to: T.self, capacity: max(count, 1))
    }

    /// The bytes from slot `slot`, for copies that do not look at the values.
    @inline(__always)
    package func bytes(slot: Int) -> UnsafeMutableRawPointer { base + 4 * slot }

    /// Stores `tensor`'s values at `slot` as `dtype`'s arena element (converting when the tensor's type differs).
    package func write(_ tensor: Tensor, slot: Int, as dtype: DType) {
        let n = tensor.count
        switch dtype.arenaElement ?? .int64 {
        case .float:
            var v = tensor.floats
            if dtype == .float16 { v = v.map(Cast.half) }
            let p = bind(Float.self, slot: slot, count: n)
            v.withUnsafeBufferPointer { p.update(from: $0.baseAddress!, count: n) }
        case .int64:
            let p = bind(Int64.self, slot: slot, count: n)
            tensor.integers.withUnsafeBufferPointer { p.update(from: $0.baseAddress!, count: n) }
        case .int32:
            let p = bind(Int32.self, slot: slot, count: n)
            for (i, x) in tensor.integers.enumerated() { p[i] = Int32(truncatingIfNeeded: x) }
        case .bool:
            let p = bind(UInt8.self, slot: slot, count: n)
            for (i, x) in tensor.integers.enumerated() { p[i] = x != 0 ? 1 : 0 }
        }
    }

    /// The value of `shape` and `dtype` stored at `slot`, as a tensor.
    package func read(slot: Int, shape: [Int], dtype: DType) -> Tensor {
        let n = shape.reduce(1, *)
        switch dtype.arenaElement ?? .int64 {
        case .float:
            return Tensor(shape: shape, values: Array(UnsafeBufferPointer(start: bind(Float.self, slot: slot, count: n), count: n)),
                          dtype: dtype)
        case .int64:
            return Tensor(shape: shape, integers: Array(UnsafeBufferPointer(start: bind(Int64.self, slot: slot, count: n), count: n)),
                          dtype: dtype)
        case .int32:
            let p = bind(Int32.self, slot: slot, count: n)
            return Tensor(shape: shape, integers: (0..<n).map { Int64(p[$0]) }, dtype: dtype)
        case .bool:
            let p = bind(UInt8.self, slot: slot, count: n)
            return Tensor(shape: shape, integers: (0..<n).map { p[$0] != 0 ? 1 : 0 }, dtype: dtype)
        }
    }
}
