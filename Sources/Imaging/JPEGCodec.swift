import CJPEG
import Foundation

/// JPEG reading and writing through libjpeg (baseline, progressive, greyscale, CMYK / YCCK).
public enum JPEGCodec {
    /// The decoded pixels and the EXIF orientation (1 when absent), before orientation is applied.
    public static func decode(_ data: Data, path: String, maxPixels: Int) throws -> (image: Image, orientation: Int) {
        var out = u2n_jpeg_image()
        let status = data.withUnsafeBytes { raw in
            u2n_jpeg_decode(raw.bindMemory(to: UInt8.self).baseAddress, UInt(raw.count), Int64(maxPixels), &out)
        }
        defer { u2n_jpeg_free(&out) }
        switch status {
        case 0: break
        case 2: throw ImagingError.tooLarge(path: path, width: Int(out.width), height: Int(out.height), limit: maxPixels)
        default:
            let message = withUnsafeBytes(of: &out.message) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
            throw ImagingError.decode(path: path, reason: message)
        }
        let width = Int(out.width), height = Int(out.height), n = width * height
        var rgb = [UInt8](repeating: 0, count: n * 3)
        let src = UnsafeBufferPointer(start: out.pixels, count: n * Int(out.components))
        switch out.components {
        case 1:
            for i in 0..<n { let v = src[i]; rgb[3 * i] = v; rgb[3 * i + 1] = v; rgb[3 * i + 2] = v }
        case 3:
            rgb.withUnsafeMutableBufferPointer { d in _ = d.initialize(from: src) }
        case 4:
            // Stored CMYK follows Adobe's inverted convention (255 = no ink), which is what every common
            // writer produces: R = C·K/255 on the stored values, rounded as Pillow does.
            for i in 0..<n {
                let k = Int(src[4 * i + 3])
                for c in 0..<3 {
                    let ink = 255 - Int(src[4 * i + c])
                    let t = ink * k + 128
                    let v = k - (((t >> 8) + t) >> 8)
                    rgb[3 * i + c] = UInt8(clamping: v)
                }
            }
        default:
            throw ImagingError.decode(path: path, reason: "\(out.components) colour components")
        }
        var orientation = 1
        if let exif = out.exif, out.exif_length > 0 {
            orientation = EXIF.orientation(UnsafeBufferPointer(start: exif, count: Int(out.exif_length))) ?? 1
        }
        var icc: Data?
        if let profile = out.icc, out.icc_length > 0 { icc = Data(bytes: profile, count: Int(out.icc_length)) }
        return (Image(width: width, height: height, rgb: rgb, iccProfile: icc), orientation)
    }

    /// Encodes 8-bit RGB at `quality` (1–100), with the image's ICC profile (APP2 segments) when it has one.
    public static func encode(_ image: Image, quality: Int) throws -> Data {
        try encode(pixels: image.rgb, width: image.width, height: image.height, components: 3, quality: quality,
                   iccProfile: image.iccProfile)
    }

    /// Encodes interleaved 8-bit samples: 1 component grey, 3 RGB, 4 CMYK (written as given); `iccProfile` is
    /// written as APP2 `ICC_PROFILE` segments (split into as many as it needs), byte for byte.
    public static func encode(pixels: [UInt8], width: Int, height: Int, components: Int, quality: Int,
                              progressive: Bool = false, iccProfile: Data? = nil) throws -> Data {
        precondition(pixels.count == width * height * components)
        var buffer: UnsafeMutablePointer<UInt8>?
        var size: UInt = 0
        var message = [CChar](repeating: 0, count: 200)
        let icc = [UInt8](iccProfile ?? Data())
        let status = pixels.withUnsafeBufferPointer { p in
            icc.withUnsafeBufferPointer { i in
                u2n_jpeg_encode(p.baseAddress, Int32(width), Int32(height), Int32(components), Int32(min(max(quality, 1), 100)),
                                progressive ? 1 : 0, i.baseAddress, UInt32(i.count), &buffer, &size, &message)
            }
        }
        guard status == 0, let buffer else {
            throw ImagingError.encode(reason: String(cString: message))
        }
        defer { free(buffer) }
        return Data(bytes: buffer, count: Int(size))
    }
}

/// The orientation tag of an EXIF (TIFF) block.
public enum EXIF {
    /// Orientation 1–8 from the TIFF structure that follows "Exif\0\0", or nil.
    public static func orientation(_ tiff: UnsafeBufferPointer<UInt8>) -> Int? {
        guard tiff.count >= 8 else { return nil }
        let little: Bool
        switch (tiff[0], tiff[1]) {
        case (0x49, 0x49): little = true
        case (0x4D, 0x4D): little = false
        default: return nil
        }
        func u16(_ o: Int) -> Int? {
            guard o >= 0, o + 2 <= tiff.count else { return nil }
            return little ? Int(tiff[o]) | Int(tiff[o + 1]) << 8 : Int(tiff[o]) << 8 | Int(tiff[o + 1])
        }
        func u32(_ o: Int) -> Int? {
            guard let a = u16(o), let b = u16(o + 2) else { return nil }
            return little ? a | b << 16 : a << 16 | b
        }
        guard u16(2) == 42, let ifd = u32(4), let entries = u16(ifd) else { return nil }
        for e in 0..<min(entries, 512) {
            let at = ifd + 2 + 12 * e
            guard let tag = u16(at) else { return nil }
            if tag == 0x0112, let type = u16(at + 2), type == 3, let value = u16(at + 8) {
                return (1...8).contains(value) ? value : nil
            }
        }
        return nil
    }
}
