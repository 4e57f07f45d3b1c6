import Foundation

/// Builds PNG files byte by byte (uncompressed deflate blocks), so tests can make every colour type,
/// bit depth and kind of damage without an encoder of their own.
public enum RawPNG {
    public enum ColorType: UInt8 { case gray = 0, rgb = 2, palette = 3, grayAlpha = 4, rgba = 6 }

    /// - Parameter rows: each row's packed sample bytes, without the filter byte.
    public static func make(width: Int, height: Int, colorType: ColorType, bitDepth: UInt8, rows: [[UInt8]],
                            palette: [UInt8]? = nil, transparency: [UInt8]? = nil) -> Data {
        var ihdr = Data()
        ihdr.append(be32(UInt32(width)))
        ihdr.append(be32(UInt32(height)))
        ihdr.append(contentsOf: [bitDepth, colorType.rawValue, 0, 0, 0])
        var raw = Data()
        for row in rows { raw.append(0); raw.append(contentsOf: row) }
        var png = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        png.append(chunk("IHDR", ihdr))
        if let palette { png.append(chunk("PLTE", Data(palette))) }
        if let transparency { png.append(chunk("tRNS", Data(transparency))) }
        png.append(chunk("IDAT", zlibStored(raw)))
        png.append(chunk("IEND", Data()))
        return png
    }

    /// Only a signature and a header claiming `width × height`: the rest is missing.
    public static func headerOnly(width: Int, height: Int) -> Data {
        var ihdr = Data()
        ihdr.append(be32(UInt32(width)))
        ihdr.append(be32(UInt32(height)))
        ihdr.append(contentsOf: [8, 2, 0, 0, 0])
        var png = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        png.append(chunk("IHDR", ihdr))
        png.append(chunk("IDAT", zlibStored(Data(repeating: 0, count: 64))))
        png.append(chunk("IEND", Data()))
        return png
    }

    static func be32(_ v: UInt32) -> Data { Data([UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)]) }

    static func chunk(_ type: String, _ body: Data) -> Data {
        var d = be32(UInt32(body.count))
        let typed = Data(type.utf8) + body
        d.append(typed)
        d.append(be32(crc32(typed)))
        return d
    }

    public static func crc32(_ data: Data) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in data {
            c ^= UInt32(b)
            for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        }
        return ~c
    }

    static func zlibStored(_ data: Data) -> Data {
        var out = Data([0x78, 0x01])
        var offset = 0
        repeat {
            let n = min(65535, data.count - offset)
            let last: UInt8 = offset + n >= data.count ? 1 : 0
            out.append(last)
            out.append(contentsOf: [UInt8(n & 0xFF), UInt8(n >> 8), UInt8(~n & 0xFF), UInt8((~n >> 8) & 0xFF)])
            out.append(data[data.startIndex + offset..<data.startIndex + offset + n])
            offset += n
        } while offset < data.count
        var a: UInt32 = 1, b: UInt32 = 0
        for byte in data { a = (a + UInt32(byte)) % 65521; b = (b + a) % 65521 }
        out.append(be32(b << 16 | a))
        return out
    }

    /// The same file with the first IDAT chunk's stored CRC altered; the data itself is intact.
    public static func corruptingCRC(_ png: Data) -> Data {
        var d = png
        if let r = d.range(of: Data("IDAT".utf8)) {
            let start = r.lowerBound - 4
            let length = Int(d[start]) << 24 | Int(d[start + 1]) << 16 | Int(d[start + 2]) << 8 | Int(d[start + 3])
            d[r.upperBound + length] ^= 0xFF
        }
        return d
    }
}
