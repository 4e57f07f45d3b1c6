import Foundation

/// The print resolution recorded in an encoded file: JFIF density (JPEG) or the `pHYs` chunk (PNG).
public enum PixelDensity {
    /// `data` (a JPEG or PNG as our encoders write it) with `dpi` recorded; other data is returned unchanged.
    public static func setting(_ data: Data, dpi: Int) -> Data {
        var b = [UInt8](data)
        let d = UInt16(clamping: dpi)
        if b.count > 20, b[0] == 0xFF, b[1] == 0xD8 {
            if b[2] == 0xFF, b[3] == 0xE0, Array(b[6..<11]) == Array("JFIF\0".utf8) {
                b[13] = 1   // units: dots per inch
                b[14] = UInt8(d >> 8); b[15] = UInt8(d & 0xFF); b[16] = UInt8(d >> 8); b[17] = UInt8(d & 0xFF)
            } else {
                let app0: [UInt8] = [0xFF, 0xE0, 0, 16] + Array("JFIF\0".utf8) + [1, 1, 1, UInt8(d >> 8), UInt8(d & 0xFF),
                                                                             UInt8(d >> 8), UInt8(d & 0xFF), 0, 0]
                b.insert(contentsOf: app0, at: 2)
            }
            return Data(b)
        }
        if b.count > 33, Array(b[0..<8]) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], Array(b[12..<16]) == Array("IHDR".utf8) {
            let ppm = UInt32((Double(dpi) / 0.0254).rounded())
            var body = Array("pHYs".utf8)
            for _ in 0..<2 { body += [UInt8(ppm >> 24), UInt8((ppm >> 16) & 0xFF), UInt8((ppm >> 8) & 0xFF), UInt8(ppm & 0xFF)] }
            body.append(1)   // unit: metre
            let crc = crc32(body)
            let chunk: [UInt8] = [0, 0, 0, 9] + body + [UInt8(crc >> 24), UInt8((crc >> 16) & 0xFF), UInt8((crc >> 8) & 0xFF), UInt8(crc & 0xFF)]
            b.insert(contentsOf: chunk, at: 33)   // right after IHDR
            return Data(b)
        }
        return data
    }

    /// The dots per inch recorded in a JPEG's JFIF header or a PNG's `pHYs` chunk, if any.
    public static func read(_ data: Data) -> Int? {
        let b = [UInt8](data)
        if b.count > 18, b[0] == 0xFF, b[1] == 0xD8, b[2] == 0xFF, b[3] == 0xE0, Array(b[6..<11]) == Array("JFIF\0".utf8) {
            let x = Int(b[14]) << 8 | Int(b[15])
            switch b[13] {
            case 1: return x
            case 2: return Int((Double(x) * 2.54).rounded())
            default: return nil
            }
        }
        guard b.count > 8, Array(b[0..<8]) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] else { return nil }
        var p = 8
        while p + 12 <= b.count {
            let n = Int(b[p]) << 24 | Int(b[p + 1]) << 16 | Int(b[p + 2]) << 8 | Int(b[p + 3])
            if Array(b[(p + 4)..<(p + 8)]) == Array("pHYs".utf8), n == 9, p + 17 <= b.count, b[p + 16] == 1 {
                let ppm = Int(b[p + 8]) << 24 | Int(b[p + 9]) << 16 | Int(b[p + 10]) << 8 | Int(b[p + 11])
                return Int((Double(ppm) * 0.0254).rounded())
            }
            if Array(b[(p + 4)..<(p + 8)]) == Array("IDAT".utf8) { return nil }
            p += 12 + n
        }
        return nil
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            c ^= UInt32(byte)
            for _ in 0..<8 { c = (c >> 1) ^ (0xEDB8_8320 & (0 &- (c & 1))) }
        }
        return c ^ 0xFFFF_FFFF
    }
}
