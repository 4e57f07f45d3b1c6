import Foundation

/// A minimal protobuf wire-format writer, for building test models byte by byte.
struct ProtoWriter {
    var bytes: [UInt8] = []

    mutating func varint(_ v: UInt64) {
        var v = v
        while v >= 0x80 { bytes.append(UInt8(v & 0x7F) | 0x80); v >>= 7 }
        bytes.append(UInt8(v))
    }
    mutating func key(_ field: Int, _ wire: Int) { varint(UInt64(field << 3 | wire)) }
    mutating func int(_ field: Int, _ v: Int64) { key(field, 0); varint(UInt64(bitPattern: v)) }
    mutating func bytes(_ field: Int, _ b: [UInt8]) { key(field, 2); varint(UInt64(b.count)); bytes += b }
    mutating func string(_ field: Int, _ s: String) { bytes(field, Array(s.utf8)) }
    mutating func message(_ field: Int, _ build: (inout ProtoWriter) -> Void) {
        var inner = ProtoWriter()
        build(&inner)
        bytes(field, inner.bytes)
    }

    var data: Data { Data(bytes) }

    /// TensorProto fields: dims 1, data_type 2, float_data 4, int64_data 7, name 8, raw_data 9,
    /// external_data 13, data_location 14.
    static func floatTensor(_ w: inout ProtoWriter, name: String, dims: [Int64], raw: [Float]) {
        for d in dims { w.int(1, d) }
        w.int(2, 1)
        w.string(8, name)
        w.bytes(9, raw.flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian, Array.init) })
    }

    /// A model with one Relu-like node `op` over input X (1×2) and a float initializer.
    static func model(op: String = "Relu", opset: Int64 = 13, initializer: ((inout ProtoWriter) -> Void)? = nil) -> ProtoWriter {
        var m = ProtoWriter()
        m.int(1, 8)  // ir_version
        m.message(8) { $0.string(1, ""); $0.int(2, opset) }
        m.message(7) { g in
            g.message(1) { n in n.string(1, "X"); n.string(2, "Y"); n.string(3, "n1"); n.string(4, op) }
            g.string(2, "test")
            if let initializer { g.message(5, initializer) }
            g.message(11) { v in
                v.string(1, "X")
                v.message(2) { t in t.message(1) { tt in
                    tt.int(1, 1)
                    tt.message(2) { s in s.message(1) { $0.int(1, 1) }; s.message(1) { $0.int(1, 2) } }
                } }
            }
            g.message(12) { v in v.string(1, "Y") }
        }
        return m
    }
}
