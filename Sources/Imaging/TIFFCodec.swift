import CTIFF
import Foundation

/// TIFF reading through libtiff's RGBA interface: the first page; 1–16-bit grey, RGB, RGBA, palette, CMYK and
/// YCbCr; uncompressed, LZW, Deflate, PackBits, JPEG and the other compressions Debian's libtiff has; the TIFF
/// orientation tag applied; the ICC profile tag kept.
public enum TIFFCodec {
    /// Whether `data` starts like a TIFF (classic or BigTIFF, either byte order).
    static func sniff(_ head: [UInt8]) -> Bool {
        guard head.count >= 4 else { return false }
        return head[0..<4].elementsEqual([0x49, 0x49, 0x2A, 0x00]) || head[0..<4].elementsEqual([0x4D, 0x4D, 0x00, 0x2A])
            || head[0..<4].elementsEqual([0x49, 0x49, 0x2B, 0x00]) || head[0..<4].elementsEqual([0x4D, 0x4D, 0x00, 0x2B])
    }

    /// Decodes the first page to 8-bit RGB plus straight alpha (when the file has an extra sample) and its ICC
    /// profile. Refuses images above `maxPixels` before allocating their pixels.
    public static func decode(_ data: Data, path: String, maxPixels: Int) throws -> Image {
        var out = u2n_tiff_image()
        let status = data.withUnsafeBytes { raw in
            u2n_tiff_decode(raw.bindMemory(to: UInt8.self).baseAddress, UInt64(raw.count), Int64(maxPixels), &out)
        }
        defer { u2n_tiff_free(&out) }
        switch status {
        case 0: break
        case 2: throw ImagingError.tooLarge(path: path, width: Int(out.width), height: Int(out.height), limit: maxPixels)
        default:
            let message = withUnsafeBytes(of: &out.message) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
            throw ImagingError.decode(path: path, reason: "TIFF: \(message)")
        }
        let width = Int(out.width), height = Int(out.height), n = width * height
        let hasAlpha = out.has_alpha != 0
        var rgb = [UInt8](repeating: 0, count: n * 3)
        var alpha: [UInt8]? = hasAlpha ? [UInt8](repeating: 0, count: n) : nil
        let src = UnsafeBufferPointer(start: out.pixels, count: n)
        for i in 0..<n {
            let p = src[i]
            let r = UInt32(p & 0xFF), g = UInt32(p >> 8 & 0xFF), b = UInt32(p >> 16 & 0xFF), a = UInt32(p >> 24)
            if hasAlpha {
                // libtiff hands back premultiplied colour; straight alpha is ours.
                alpha![i] = UInt8(a)
                if a == 0 {
                    rgb[3 * i] = 0; rgb[3 * i + 1] = 0; rgb[3 * i + 2] = 0
                } else {
                    rgb[3 * i] = UInt8(min(255, (r * 255 + a / 2) / a))
                    rgb[3 * i + 1] = UInt8(min(255, (g * 255 + a / 2) / a))
                    rgb[3 * i + 2] = UInt8(min(255, (b * 255 + a / 2) / a))
                }
            } else {
                rgb[3 * i] = UInt8(r); rgb[3 * i + 1] = UInt8(g); rgb[3 * i + 2] = UInt8(b)
            }
        }
        var icc: Data?
        if let profile = out.icc, out.icc_length > 0 { icc = Data(bytes: profile, count: Int(out.icc_length)) }
        return Image(width: width, height: height, rgb: rgb, alpha: alpha, iccProfile: icc)
    }
}
