/// Offline placement of values in one arena, every lifetime known in advance: largest first, each at the
/// lowest offset that no value alive at the same time occupies (64-byte aligned). This packs close to the
/// peak of simultaneously live bytes, where allocating in run order leaves holes.
package struct ArenaPlacement {
    package struct Lifetime {
        package let name: String
        /// Steps that define and last read the value (inclusive; -1 for graph inputs, Int.max for outputs).
        package let first: Int, last: Int
        package let count: Int

        package init(name: String, first: Int, last: Int, count: Int) {
            self.name = name
            self.first = first
            self.last = last
            self.count = count
        }
    }

    /// Slots (4 bytes each) the placed values need, the arena's value region.
    package private(set) var size = 0

    package init() {}

    package static func rounded(_ n: Int) -> Int { (max(n, 1) + 15) & ~15 }

    /// Places `values` (counts in 4-byte slots); returns each one's offset in slots (a multiple of 16: 64-byte aligned).
    package mutating func place(_ values: [Lifetime]) -> [String: Int] {
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
