/// A reader for the protobuf wire format over a byte buffer.
///
/// It knows fields, wire types and varints, nothing of any schema. Every read is bounds-checked and
/// throws ``ONNXError/malformed(_:)`` instead of trapping, so a truncated or foreign file is an error.
struct ProtobufReader {
    enum WireType: UInt8 {
        case varint = 0, fixed64 = 1, lengthDelimited = 2, startGroup = 3, endGroup = 4, fixed32 = 5
    }

    private let bytes: UnsafeRawBufferPointer
    private(set) var position: Int
    private let end: Int
    /// Where `bytes` starts in the whole file, for error messages.
    private let base: Int

    init(_ bytes: UnsafeRawBufferPointer, base: Int = 0) {
        self.bytes = bytes
        self.position = 0
        self.end = bytes.count
        self.base = base
    }

    var isAtEnd: Bool { position >= end }

    private func fail(_ what: String) -> ONNXError {
        .malformed("\(what) at byte \(base + position)")
    }

    mutating func readVarint() throws -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard position < end else { throw fail("truncated varint") }
            let byte = bytes[position]
            position += 1
            if shift == 63 && byte > 1 { throw fail("varint overflows 64 bits") }
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
            if shift > 63 { throw fail("varint longer than 10 bytes") }
        }
    }

    /// Reads a field key; returns nil at the end of the buffer.
    mutating func readKey() throws -> (field: Int, wire: WireType)? {
        guard !isAtEnd else { return nil }
        let key = try readVarint()
        guard let wire = WireType(rawValue: UInt8(key & 7)) else { throw fail("unknown wire type \(key & 7)") }
        let field = Int(key >> 3)
        guard field > 0, field < (1 << 29) else { throw fail("invalid field number \(field)") }
        return (field, wire)
    }

    mutating func readFixed32() throws -> UInt32 {
        guard end - position >= 4 else { throw fail("truncated fixed32") }
        let v = bytes.loadUnaligned(fromByteOffset: position, as: UInt32.self)
        position += 4
        return UInt32(littleEndian: v)
    }

    mutating func readFixed64() throws -> UInt64 {
        guard end - position >= 8 else { throw fail("truncated fixed64") }
        let v = bytes.loadUnaligned(fromByteOffset: position, as: UInt64.self)
        position += 8
        return UInt64(littleEndian: v)
    }

    /// Reads a length-delimited payload and returns a reader over it.
    mutating func readLengthDelimited() throws -> ProtobufReader {
        let (start, count) = try readSpan()
        return ProtobufReader(UnsafeRawBufferPointer(rebasing: bytes[start..<start + count]), base: base + start)
    }

    /// Reads a length-delimited payload and returns it as a byte slice.
    mutating func readBytes() throws -> UnsafeRawBufferPointer {
        let (start, count) = try readSpan()
        return UnsafeRawBufferPointer(rebasing: bytes[start..<start + count])
    }

    mutating func readString() throws -> String {
        let raw = try readBytes()
        return String(decoding: raw, as: UTF8.self)
    }

    private mutating func readSpan() throws -> (Int, Int) {
        let length = try readVarint()
        guard length <= UInt64(end - position) else {
            throw fail("length \(length) runs past the end of its message")
        }
        let start = position
        position += Int(length)
        return (start, Int(length))
    }

    mutating func skip(_ wire: WireType) throws {
        switch wire {
        case .varint: _ = try readVarint()
        case .fixed64: _ = try readFixed64()
        case .fixed32: _ = try readFixed32()
        case .lengthDelimited: _ = try readSpan()
        case .startGroup, .endGroup: throw fail("groups are not used by ONNX")
        }
    }

    // MARK: Repeated scalar fields (packed or not)

    /// Appends a repeated varint field's values, accepting both packed and unpacked encodings.
    mutating func readVarints(_ wire: WireType, into values: inout [Int64]) throws {
        if wire == .lengthDelimited {
            var inner = try readLengthDelimited()
            while !inner.isAtEnd { values.append(Int64(bitPattern: try inner.readVarint())) }
        } else if wire == .varint {
            values.append(Int64(bitPattern: try readVarint()))
        } else {
            throw fail("integer field with wire type \(wire.rawValue)")
        }
    }

    mutating func readFloats(_ wire: WireType, into values: inout [Float]) throws {
        if wire == .lengthDelimited {
            let raw = try readBytes()
            guard raw.count % 4 == 0 else { throw fail("packed floats of \(raw.count) bytes") }
            values.reserveCapacity(values.count + raw.count / 4)
            for i in 0..<raw.count / 4 {
                values.append(Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))))
            }
        } else if wire == .fixed32 {
            values.append(Float(bitPattern: try readFixed32()))
        } else {
            throw fail("float field with wire type \(wire.rawValue)")
        }
    }

    mutating func readDoubles(_ wire: WireType, into values: inout [Double]) throws {
        if wire == .lengthDelimited {
            let raw = try readBytes()
            guard raw.count % 8 == 0 else { throw fail("packed doubles of \(raw.count) bytes") }
            for i in 0..<raw.count / 8 {
                values.append(Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self))))
            }
        } else if wire == .fixed64 {
            values.append(Double(bitPattern: try readFixed64()))
        } else {
            throw fail("double field with wire type \(wire.rawValue)")
        }
    }
}
