/// A minimal FlatBuffers writer for the tests: builds small TFLite files field by field (every scalar in a 4-byte
/// slot, children written after their parents so every uoffset points forward).
indirect enum FBField {
    case absent
    case i8(Int8)
    case u8(UInt8)
    case i32(Int32)
    case u32(UInt32)
    case table([FBField])
    case tables([[FBField]])
    case ints([Int32])
    case bytes([UInt8])
    case string(String)
}

struct FlatBufferBuilder {
    var bytes: [UInt8] = []

    mutating func align() { while bytes.count % 4 != 0 { bytes.append(0) } }
    mutating func put32(_ v: UInt32) { for k in 0..<4 { bytes.append(UInt8((v >> (8 * UInt32(k))) & 0xFF)) } }
    mutating func patch32(_ at: Int, _ v: UInt32) { for k in 0..<4 { bytes[at + k] = UInt8((v >> (8 * UInt32(k))) & 0xFF) } }
    mutating func put16(_ v: Int) { bytes.append(UInt8(v & 0xFF)); bytes.append(UInt8(v >> 8)) }

    /// A whole file: root uoffset, the identifier, then the root table.
    static func file(identifier: String = "TFL3", root: [FBField]) -> [UInt8] {
        var b = FlatBufferBuilder()
        b.put32(0)
        b.bytes += Array(identifier.utf8)
        let r = b.table(root)
        b.patch32(0, UInt32(r))
        return b.bytes
    }

    mutating func table(_ fields: [FBField]) -> Int {
        align()
        let vt = bytes.count
        put16(4 + 2 * fields.count)
        put16(4 + 4 * fields.count)
        for (k, f) in fields.enumerated() {
            if case .absent = f { put16(0) } else { put16(4 + 4 * k) }
        }
        align()
        let t = bytes.count
        put32(UInt32(t - vt))
        var pending: [(Int, FBField)] = []
        for f in fields {
            let slot = bytes.count
            switch f {
            case .absent: put32(0)
            case .i8(let v): put32(UInt32(UInt8(bitPattern: v)))
            case .u8(let v): put32(UInt32(v))
            case .i32(let v): put32(UInt32(bitPattern: v))
            case .u32(let v): put32(v)
            default: put32(0); pending.append((slot, f))
            }
        }
        for (slot, f) in pending { patch32(slot, UInt32(child(f) - slot)) }
        return t
    }

    mutating func child(_ f: FBField) -> Int {
        align()
        let v = bytes.count
        switch f {
        case .table(let fields): return table(fields)
        case .ints(let a): put32(UInt32(a.count)); for x in a { put32(UInt32(bitPattern: x)) }
        case .bytes(let a): put32(UInt32(a.count)); bytes += a
        case .string(let s): put32(UInt32(s.utf8.count)); bytes += Array(s.utf8); bytes.append(0)
        case .tables(let list):
            put32(UInt32(list.count))
            let slots = bytes.count
            for _ in list { put32(0) }
            for (k, t) in list.enumerated() {
                let p = table(t)
                patch32(slots + 4 * k, UInt32(p - (slots + 4 * k)))
            }
        default: break
        }
        return v
    }

    /// A one-operator TFLite model: x [1, 2, 2, 1] → op → y, with `code` as the builtin operator.
    static func oneOperatorModel(code: Int32, tensorBuffer: UInt32 = 0, inputIndex: Int32 = 0,
                                 identifier: String = "TFL3") -> [UInt8] {
        func tensor(_ name: String) -> [FBField] { [.ints([1, 2, 2, 1]), .i8(0), .u32(tensorBuffer), .string(name)] }
        return file(identifier: identifier, root: [
            .u32(3),
            .tables([[.i8(Int8(clamping: code)), .absent, .i32(1), .i32(code)]]),
            .tables([[.tables([tensor("x"), tensor("y")]), .ints([0]), .ints([1]),
                      .tables([[.u32(0), .ints([inputIndex]), .ints([1])]]), .string("main")]]),
            .string("test"),
            .tables([[]]),
        ])
    }
}
