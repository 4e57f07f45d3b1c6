import CPNG
import Foundation

/// The PNG chunk layer, for the one chunk libpng's simplified API leaves out: the embedded colour profile (iCCP).
enum PNGChunks {
    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
    /// The largest profile inflated from a file (real profiles are kilobytes; a few are a few megabytes).
    static let maxProfileBytes = 64 << 20

    /// The chunks of a PNG up to and including IEND (or the end of the data): type and the byte range of the
    /// whole chunk (length, type, data, CRC). Stops at the first chunk that does not fit.
    static func chunks(_ bytes: [UInt8]) -> [(type: String, range: Range<Int>)] {
        guard bytes.count >= 8, Array(bytes[0..<8]) == signature else { return [] }
        var result: [(String, Range<Int>)] = []
        var at = 8
        while at + 12 <= bytes.count {
            let length = Int(bytes[at]) << 24 | Int(bytes[at + 1]) << 16 | Int(bytes[at + 2]) << 8 | Int(bytes[at + 3])
            guard length <= bytes.count - at - 12 else { break }
            let type = String(decoding: bytes[at + 4..<at + 8], as: UTF8.self)
            result.append((type, at..<at + 12 + length))
            at += 12 + length
            if type == "IEND" { break }
        }
        return result
    }

    /// The profile of the file's iCCP chunk (before the first IDAT), inflated; nil when there is none or it is damaged.
    static func iccProfile(_ data: Data) -> Data? {
        let bytes = [UInt8](data.prefix(64 << 20))
        for (type, range) in chunks(bytes) {
            if type == "IDAT" { return nil }
            guard type == "iCCP" else { continue }
            let body = bytes[range.lowerBound + 8..<range.upperBound - 4]
            // name (1–79 bytes), NUL, compression method 0, zlib stream.
            guard let nul = body.firstIndex(of: 0), nul > body.startIndex, nul + 1 < body.endIndex,
                  body[nul + 1] == 0 else { return nil }
            let stream = Array(body[(nul + 2)...])
            var output: UnsafeMutablePointer<UInt8>?
            var length = 0
            let status = stream.withUnsafeBufferPointer {
                u2n_inflate($0.baseAddress, $0.count, maxProfileBytes, &output, &length)
            }
            guard status == 0, let output else { return nil }
            defer { free(output) }
            return length > 0 ? Data(bytes: output, count: length) : nil
        }
        return nil
    }

    /// `png` with `profile` in an iCCP chunk right after IHDR; the sRGB, gAMA, cHRM and any older iCCP chunks
    /// libpng wrote are dropped, since the profile now says what the colours are.
    static func inserting(profile: Data, into png: Data) throws -> Data {
        let bytes = [UInt8](png)
        let list = chunks(bytes)
        guard let ihdr = list.first, ihdr.type == "IHDR" else { throw ImagingError.encode(reason: "PNG without IHDR") }
        let raw = [UInt8](profile)
        var bound = compressBound(uLong(raw.count))
        var compressed = [UInt8](repeating: 0, count: Int(bound))
        let status = compressed.withUnsafeMutableBufferPointer { c in
            raw.withUnsafeBufferPointer { compress2(c.baseAddress, &bound, $0.baseAddress, uLong($0.count), 9) }
        }
        guard status == Z_OK else { throw ImagingError.encode(reason: "cannot compress the ICC profile (zlib \(status))") }
        var body = Array("iCCP".utf8) + Array("ICC Profile".utf8) + [0, 0]
        body += compressed.prefix(Int(bound))
        let length = body.count - 4
        guard length < Int(Int32.max) else { throw ImagingError.encode(reason: "ICC profile too large for PNG") }
        let crc = body.withUnsafeBufferPointer { UInt32(crc32(0, $0.baseAddress, uInt($0.count))) }
        var chunk = bigEndian(UInt32(length)) + body + bigEndian(crc)
        var out = Data(bytes[0..<ihdr.range.upperBound])
        out.append(contentsOf: chunk)
        chunk.removeAll()
        for (type, range) in list.dropFirst() where !["iCCP", "sRGB", "gAMA", "cHRM"].contains(type) {
            out.append(contentsOf: bytes[range])
        }
        return out
    }

    private static func bigEndian(_ v: UInt32) -> [UInt8] {
        [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)]
    }
}
