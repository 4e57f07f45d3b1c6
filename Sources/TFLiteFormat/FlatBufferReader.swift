/// A bounds-checked reader of the FlatBuffers binary format (little-endian), hand-written: tables through their
/// vtables, scalars with schema defaults, offsets to sub-tables, vectors and strings. Every read is checked against
/// the buffer; a bad offset throws ``TFLiteError`` instead of reading outside the file.
struct FlatBufferReader {
    let bytes: [UInt8]
    var count: Int { bytes.count }
    /// Elements the reader may still copy out of vectors and strings (see ``ElementBudget``).
    let budget: ElementBudget

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
        budget = ElementBudget(limit: 4 * bytes.count + 4096)
    }

    /// Checks that `length` bytes at `position` lie inside the buffer.
    func check(_ position: Int, _ length: Int, _ what: @autoclosure () -> String) throws {
        guard position >= 0, position <= count else {
            throw TFLiteError.offsetOutOfRange(what: "\(what()) offset", value: position, limit: count)
        }
        guard length >= 0, length <= count - position else {
            throw TFLiteError.truncated(what: what(), needed: position + length, size: count)
        }
    }

    func u8(_ p: Int) -> UInt8 { bytes[p] }
    func u16(_ p: Int) -> UInt16 { UInt16(bytes[p]) | UInt16(bytes[p + 1]) << 8 }
    func u32(_ p: Int) -> UInt32 {
        UInt32(bytes[p]) | UInt32(bytes[p + 1]) << 8 | UInt32(bytes[p + 2]) << 16 | UInt32(bytes[p + 3]) << 24
    }
    func i32(_ p: Int) -> Int32 { Int32(bitPattern: u32(p)) }
    func u64(_ p: Int) -> UInt64 { UInt64(u32(p)) | UInt64(u32(p + 4)) << 32 }

    /// The root table: the uoffset at the start of the buffer.
    func root() throws -> FlatTable {
        try check(0, 8, "file header")
        return try table(at: Int(u32(0)), "root table")
    }

    /// The table at an absolute position.
    func table(at position: Int, _ what: String) throws -> FlatTable {
        try check(position, 4, what)
        let vtable = position - Int(i32(position))
        try check(vtable, 4, "\(what) vtable")
        let vtableSize = Int(u16(vtable)), tableSize = Int(u16(vtable + 2))
        guard vtableSize >= 4, vtableSize % 2 == 0 else {
            throw TFLiteError.offsetOutOfRange(what: "\(what) vtable size", value: vtableSize, limit: 4)
        }
        try check(vtable, vtableSize, "\(what) vtable")
        try check(position, tableSize, what)
        return FlatTable(reader: self, position: position, vtable: vtable, vtableSize: vtableSize,
                         tableSize: tableSize, what: what)
    }
}

/// How many vector elements and string bytes a reader may copy out in all. Offsets may point many times at the
/// same vector, so a small file could otherwise make the reader copy one large vector over and over; a well-formed
/// file reads each vector once, so four elements per file byte leaves room for the sharing writers do.
final class ElementBudget {
    private(set) var remaining: Int
    init(limit: Int) { remaining = limit }

    func spend(_ n: Int, _ what: @autoclosure () -> String) throws {
        guard n <= remaining else {
            throw TFLiteError.invalidModel("\(what()): the file's vectors add up to more elements than its size allows")
        }
        remaining -= n
    }
}

/// One table: fields are found through its vtable; absent fields take their schema default.
struct FlatTable {
    let reader: FlatBufferReader
    let position: Int
    let vtable: Int
    let vtableSize: Int
    let tableSize: Int
    let what: String

    /// The absolute position of field `id` (0-based, in schema order; a union takes two ids), or nil if absent.
    func field(_ id: Int, size: Int) throws -> Int? {
        let slot = 4 + 2 * id
        guard slot + 2 <= vtableSize else { return nil }
        let offset = Int(reader.u16(vtable + slot))
        guard offset != 0 else { return nil }
        guard offset + size <= tableSize else {
            throw TFLiteError.offsetOutOfRange(what: "\(what) field \(id)", value: offset, limit: tableSize)
        }
        return position + offset
    }

    func int32(_ id: Int, default d: Int32 = 0) throws -> Int32 {
        guard let p = try field(id, size: 4) else { return d }
        return reader.i32(p)
    }
    func uint32(_ id: Int, default d: UInt32 = 0) throws -> UInt32 {
        guard let p = try field(id, size: 4) else { return d }
        return reader.u32(p)
    }
    func uint64(_ id: Int, default d: UInt64 = 0) throws -> UInt64 {
        guard let p = try field(id, size: 8) else { return d }
        return reader.u64(p)
    }
    func int8(_ id: Int, default d: Int8 = 0) throws -> Int8 {
        guard let p = try field(id, size: 1) else { return d }
        return Int8(bitPattern: reader.u8(p))
    }
    func uint8(_ id: Int, default d: UInt8 = 0) throws -> UInt8 {
        guard let p = try field(id, size: 1) else { return d }
        return reader.u8(p)
    }

    /// The target of the uoffset stored in field `id`, or nil if the field is absent.
    private func indirect(_ id: Int, _ what: String) throws -> Int? {
        guard let p = try field(id, size: 4) else { return nil }
        let target = p + Int(reader.u32(p))
        try reader.check(target, 0, what)
        return target
    }

    /// A sub-table.
    func table(_ id: Int, _ what: String) throws -> FlatTable? {
        guard let t = try indirect(id, what) else { return nil }
        return try reader.table(at: t, what)
    }

    /// A vector's element count and the position of its first element, bounds-checked for `elementSize`.
    func vector(_ id: Int, elementSize: Int, _ what: String) throws -> (start: Int, count: Int)? {
        guard let v = try indirect(id, what) else { return nil }
        try reader.check(v, 4, "\(what) length")
        let n = Int(reader.u32(v))
        guard n <= (reader.count - v - 4) / max(elementSize, 1) else {
            throw TFLiteError.truncated(what: "\(what) (\(n) elements)", needed: v + 4 + n * elementSize, size: reader.count)
        }
        try reader.budget.spend(n, what)
        return (v + 4, n)
    }

    func int32s(_ id: Int, _ what: String) throws -> [Int32]? {
        guard let (s, n) = try vector(id, elementSize: 4, what) else { return nil }
        return (0..<n).map { reader.i32(s + 4 * $0) }
    }

    func bytes(_ id: Int, _ what: String) throws -> ArraySlice<UInt8>? {
        guard let (s, n) = try vector(id, elementSize: 1, what) else { return nil }
        return reader.bytes[s..<(s + n)]
    }

    func string(_ id: Int, _ what: String) throws -> String? {
        guard let b = try bytes(id, what) else { return nil }
        return String(decoding: b, as: UTF8.self)
    }

    /// A vector of tables.
    func tables(_ id: Int, _ what: String) throws -> [FlatTable] {
        guard let (s, n) = try vector(id, elementSize: 4, what) else { return [] }
        return try (0..<n).map { k in
            let p = s + 4 * k
            return try reader.table(at: p + Int(reader.u32(p)), "\(what)[\(k)]")
        }
    }
}
