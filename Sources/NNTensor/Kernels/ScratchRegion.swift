/// A run of `count` floats of scratch memory starting at `base`: the handle through which the kernels
/// read and write their scratch, in the manner of swift-collections' `_Unsafe…Handle` types.
///
/// Every access states how many floats it touches, and `assert`s that they lie inside the region, so a
/// debug build traps on the first access outside it. `assert` is compiled out of release builds (`-O`,
/// `-Ounchecked`), where each accessor is the bare pointer arithmetic, inlined: a region is two words
/// held in registers, with no reference counting and no allocation.
///
/// A region owns nothing. The memory belongs to whoever handed out the scratch (the plan's arena, a
/// temporary allocation) and must outlive every use of the region. Offsets and counts are in floats.
package struct ScratchRegion {
    /// The first float of the region.
    package let base: UnsafeMutablePointer<Float>
    /// Length of the region, in floats.
    package let count: Int

    @inline(__always)
    package init(_ base: UnsafeMutablePointer<Float>, count: Int) {
        assert(count >= 0, "ScratchRegion: negative count \(count)")
        self.base = base
        self.count = count
    }

    /// Whether the `length` floats from `offset` lie inside the region.
    @inline(__always)
    package func contains(offset: Int, length: Int) -> Bool {
        offset >= 0 && length >= 0 && offset <= count - length
    }

    /// The float at `offset`.
    @inline(__always)
    package subscript(offset: Int) -> Float {
        get {
            assert(contains(offset: offset, length: 1), "ScratchRegion: float \(offset) outside 0..<\(count)")
            return base[offset]
        }
        nonmutating set {
            assert(contains(offset: offset, length: 1), "ScratchRegion: float \(offset) outside 0..<\(count)")
            base[offset] = newValue
        }
    }

    /// The `V.scalarCount` floats from `offset`, as one vector (no alignment required).
    @inline(__always)
    package func load<V: SIMD>(_: V.Type, at offset: Int) -> V where V.Scalar == Float {
        assert(contains(offset: offset, length: V.scalarCount),
               "ScratchRegion: \(V.scalarCount) floats at \(offset) outside 0..<\(count)")
        return UnsafeRawPointer(base + offset).loadUnaligned(as: V.self)
    }

    /// Writes the lanes of `vector` to the `V.scalarCount` floats from `offset` (no alignment required).
    @inline(__always)
    package func store<V: SIMD>(_ vector: V, at offset: Int) where V.Scalar == Float {
        assert(contains(offset: offset, length: V.scalarCount),
               "ScratchRegion: \(V.scalarCount) floats at \(offset) outside 0..<\(count)")
        UnsafeMutableRawPointer(base + offset).storeBytes(of: vector, as: V.self)
    }

    /// The `length` floats from `offset`, as a region of their own.
    @inline(__always)
    package func subregion(at offset: Int, count length: Int) -> ScratchRegion {
        assert(contains(offset: offset, length: length),
               "ScratchRegion: \(length) floats at \(offset) outside 0..<\(count)")
        return ScratchRegion(base + offset, count: length)
    }

    /// The first `length` floats.
    @inline(__always)
    package func prefix(_ length: Int) -> ScratchRegion { subregion(at: 0, count: length) }

    /// Splits the first `length` floats off this region: returns them, and leaves the floats after them
    /// in `self`. Carving one area after another lays out a scratch buffer without writing an offset.
    @inline(__always)
    package mutating func carve(_ length: Int) -> ScratchRegion {
        let front = prefix(length)
        self = ScratchRegion(base + length, count: count - length)
        return front
    }

    /// The address of the float at `offset`, for a loop that walks the `length` floats from there by hand
    /// (a register tile's pointer bumps): the whole walk is checked once, here, instead of per access.
    @inline(__always)
    package func pointer(at offset: Int, count length: Int) -> UnsafeMutablePointer<Float> {
        assert(contains(offset: offset, length: length),
               "ScratchRegion: \(length) floats at \(offset) outside 0..<\(count)")
        return base + offset
    }

    /// Sets every float of the region to `value`. (Floats are trivial: initializing over earlier contents
    /// is an ordinary overwrite.)
    @inline(__always)
    package func initialize(repeating value: Float) {
        base.initialize(repeating: value, count: count)
    }

    /// Copies `count` floats from `source`, which must not overlap the region, into the region.
    @inline(__always)
    package func initialize(from source: UnsafePointer<Float>) {
        base.initialize(from: source, count: count)
    }
}
