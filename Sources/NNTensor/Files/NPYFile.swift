import Foundation

/// NumPy `.npy` files (format versions 1–3, C order, little-endian).
///
/// Reads float32, float64, int64, int32, int8, uint8 and bool arrays; floats become float32 tensors,
/// the others integer tensors of their type. Writes float32.
public enum NPYFile {
    /// Reads and decodes the `.npy` file at `path`.
    /// - Throws: ``TensorFileError/unreadable(path:reason:)`` when the file cannot be read,
    ///   ``TensorFileError/invalid(path:reason:)`` when it is not a supported `.npy` file.
    public static func read(path: String) throws -> Tensor {
        guard let data = FileManager.default.contents(atPath: path) else {
            let reason = FileManager.default.fileExists(atPath: path) ? "permission denied or not a file" : "no such file"
            throw TensorFileError.unreadable(path: path, reason: reason)
        }
        return try decode(data, path: path)
    }

    /// Decodes `.npy` bytes; `path` only names the data in errors.
    /// - Throws: ``TensorFileError/invalid(path:reason:)``.
    public static func decode(_ data: Data, path: String = "<data>") throws -> Tensor {
        let bytes = [UInt8](data)
        func fail(_ r: String) -> TensorFileError { .invalid(path: path, reason: r) }
        guard bytes.count >= 10, bytes[0] == 0x93, Array(bytes[1..<6]) == Array("NUMPY".utf8) else {
            throw fail("missing the \\x93NUMPY magic")
        }
        let major = bytes[6]
        let headerLength: Int, headerStart: Int
        if major == 1 {
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        } else if major == 2 || major == 3 {
            guard bytes.count >= 12 else { throw fail("truncated header") }
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
            headerStart = 12
        } else {
            throw fail("format version \(major)")
        }
        guard headerStart + headerLength <= bytes.count else { throw fail("truncated header") }
        let header = String(decoding: bytes[headerStart..<headerStart + headerLength], as: UTF8.self)
        guard let descr = field(header, "descr") else { throw fail("no descr in header") }
        if let fortran = field(header, "fortran_order"), fortran.hasPrefix("True") { throw fail("Fortran order") }
        guard let shapeText = field(header, "shape") else { throw fail("no shape in header") }
        let dims = try shapeText.split(whereSeparator: { "(), ".contains($0) }).map { s -> Int in
            guard let n = Int(s), n >= 0 else { throw fail("bad shape \(shapeText)") }
            return n
        }
        let count = dims.reduce(1, *)
        let body = headerStart + headerLength
        let type = descr.trimmingCharacters(in: CharacterSet(charactersIn: "'\" "))
        let width: Int
        switch type {
        case "<f4", "<i4": width = 4
        case "<f8", "<i8": width = 8
        case "|u1", "<u1", "|b1", "|i1": width = 1
        default: throw fail("dtype \(type) (supported: <f4 <f8 <i8 <i4 |u1 |i1 |b1)")
        }
        guard bytes.count - body == count * width else {
            throw fail("holds \(bytes.count - body) data bytes, shape \(dims) of \(type) needs \(count * width)")
        }
        return bytes.withUnsafeBytes { raw -> Tensor in
            let p = raw.baseAddress! + body
            switch type {
            case "<f4":
                return Tensor(shape: dims, values: (0..<count).map { Float(bitPattern: UInt32(littleEndian: p.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) })
            case "<f8":
                return Tensor(shape: dims, values: (0..<count).map { Float(Double(bitPattern: UInt64(littleEndian: p.loadUnaligned(fromByteOffset: 8 * $0, as: UInt64.self)))) })
            case "<i8":
                return Tensor(shape: dims, integers: (0..<count).map { Int64(littleEndian: p.loadUnaligned(fromByteOffset: 8 * $0, as: Int64.self)) })
            case "<i4":
                return Tensor(shape: dims, integers: (0..<count).map { Int64(Int32(littleEndian: p.loadUnaligned(fromByteOffset: 4 * $0, as: Int32.self))) }, dtype: .int32)
            case "|i1":
                return Tensor(shape: dims, integers: (0..<count).map { Int64(Int8(bitPattern: p.load(fromByteOffset: $0, as: UInt8.self))) }, dtype: .int8)
            case "|b1":
                return Tensor(shape: dims, integers: (0..<count).map { Int64(p.load(fromByteOffset: $0, as: UInt8.self)) }, dtype: .bool)
            default:
                return Tensor(shape: dims, integers: (0..<count).map { Int64(p.load(fromByteOffset: $0, as: UInt8.self)) }, dtype: .uint8)
            }
        }
    }

    /// Encodes a tensor as a float32 `.npy` (version 1.0).
    public static func encode(_ tensor: Tensor) -> Data {
        let shape = tensor.shape.isEmpty ? "()" : tensor.shape.count == 1 ? "(\(tensor.shape[0]),)"
            : "(" + tensor.shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': \(shape), }"
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
        let n = header.utf8.count
        data.append(contentsOf: [UInt8(n & 0xFF), UInt8(n >> 8)])
        data.append(contentsOf: Array(header.utf8))
        let values = tensor.floats
        values.withUnsafeBufferPointer { data.append(UnsafeBufferPointer(start: UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: UInt8.self), count: $0.count * 4)) }
        return data
    }

    /// Writes a float32 `.npy` atomically (temporary file, then rename).
    /// - Throws: ``AtomicFileError/writeFailed(path:reason:)``.
    public static func write(_ tensor: Tensor, path: String) throws {
        try AtomicFile.write(encode(tensor), to: path)
    }

    private static func field(_ header: String, _ key: String) -> String? {
        guard let r = header.range(of: "'\(key)':") ?? header.range(of: "\"\(key)\":") else { return nil }
        var rest = header[r.upperBound...].drop(while: { $0 == " " })
        if rest.first == "(" {
            guard let close = rest.firstIndex(of: ")") else { return nil }
            return String(rest[...close])
        }
        if let comma = rest.firstIndex(where: { $0 == "," || $0 == "}" }) { rest = rest[..<comma] }
        return String(rest)
    }
}
