import CPNG
import Foundation

/// PNG reading and writing through libpng's simplified API (errors come back as return codes).
public enum PNGCodec {
    /// Decodes a PNG of any colour type and bit depth to 8-bit RGB plus alpha (when the file has any).
    /// 16-bit samples are scaled to 8 bits (v·255/65535, rounded); palettes and tRNS are expanded.
    public static func decode(_ data: Data, path: String, maxPixels: Int) throws -> Image {
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        let ok = data.withUnsafeBytes { png_image_begin_read_from_memory(&image, $0.baseAddress, $0.count) }
        guard ok != 0 else { throw ImagingError.decode(path: path, reason: message(&image)) }
        defer { png_image_free(&image) }
        let width = Int(image.width), height = Int(image.height)
        guard width > 0, height > 0 else { throw ImagingError.decode(path: path, reason: "zero size") }
        guard width * height <= maxPixels else {
            throw ImagingError.tooLarge(path: path, width: width, height: height, limit: maxPixels)
        }
        let hasAlpha = image.format & UInt32(PNG_FORMAT_FLAG_ALPHA) != 0
        let isLinear16 = image.format & UInt32(PNG_FORMAT_FLAG_LINEAR) != 0
        if isLinear16 {
            // Read 16-bit samples as they are and scale them ourselves: libpng's 8-bit conversion would
            // treat them as linear light and apply a gamma curve.
            image.format = PNGFormat.linearRGBA
            var samples = [UInt16](repeating: 0, count: width * height * 4)
            let done = samples.withUnsafeMutableBytes { png_image_finish_read(&image, nil, $0.baseAddress, 0, nil) }
            guard done != 0 else { throw ImagingError.decode(path: path, reason: message(&image)) }
            var image16 = fromRGBA16(samples, width: width, height: height, keepAlpha: hasAlpha)
            image16.iccProfile = PNGChunks.iccProfile(data)
            return image16
        }
        image.format = PNGFormat.rgba
        var rgba = [UInt8](repeating: 0, count: width * height * 4)
        let done = rgba.withUnsafeMutableBytes { png_image_finish_read(&image, nil, $0.baseAddress, 0, nil) }
        guard done != 0 else { throw ImagingError.decode(path: path, reason: message(&image)) }
        var decoded = split(rgba, width: width, height: height, keepAlpha: hasAlpha)
        decoded.iccProfile = PNGChunks.iccProfile(data)
        return decoded
    }

    /// RGBA bytes → Image.
    static func split(_ rgba: [UInt8], width: Int, height: Int, keepAlpha: Bool) -> Image {
        let n = width * height
        var rgb = [UInt8](repeating: 0, count: n * 3)
        var alpha = keepAlpha ? [UInt8](repeating: 0, count: n) : nil
        rgba.withUnsafeBufferPointer { s in
            rgb.withUnsafeMutableBufferPointer { d in
                for i in 0..<n { d[3 * i] = s[4 * i]; d[3 * i + 1] = s[4 * i + 1]; d[3 * i + 2] = s[4 * i + 2] }
            }
            if keepAlpha { for i in 0..<n { alpha![i] = s[4 * i + 3] } }
        }
        return Image(width: width, height: height, rgb: rgb, alpha: alpha)
    }

    static func fromRGBA16(_ s: [UInt16], width: Int, height: Int, keepAlpha: Bool) -> Image {
        // libpng's linear format premultiplies colour by alpha; undo it, then scale to 8 bits.
        let n = width * height
        var rgb = [UInt8](repeating: 0, count: n * 3)
        var alpha = keepAlpha ? [UInt8](repeating: 0, count: n) : nil
        for i in 0..<n {
            let a = UInt32(s[4 * i + 3])
            for c in 0..<3 {
                var v = UInt32(s[4 * i + c])
                if a > 0 && a < 65535 { v = min(65535, (v * 65535 + a / 2) / a) } else if a == 0 { v = 0 }
                rgb[3 * i + c] = UInt8((v * 255 + 32767) / 65535)
            }
            if keepAlpha { alpha![i] = UInt8((a * 255 + 32767) / 65535) }
        }
        return Image(width: width, height: height, rgb: rgb, alpha: alpha)
    }

    /// Decodes any PNG as 8-bit grey: colour becomes luminance (grey stays exactly as it is, since the
    /// weights sum to one), 16-bit samples are scaled, alpha is ignored.
    public static func readGray(path: String) throws -> GrayImage {
        Grayscale.luminance(try decode(ImageFile.read(path: path), path: path, maxPixels: 1 << 30))
    }

    /// Encodes 8-bit pixels with `channels` = 1 (grey), 3 (RGB) or 4 (RGBA); `iccProfile`, when given, goes
    /// into an iCCP chunk byte for byte.
    public static func encode(pixels: [UInt8], width: Int, height: Int, channels: Int, iccProfile: Data? = nil) throws -> Data {
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        image.width = UInt32(width)
        image.height = UInt32(height)
        switch channels {
        case 1: image.format = PNGFormat.gray
        case 3: image.format = PNGFormat.rgb
        default: image.format = PNGFormat.rgba
        }
        // Favour speed over the last few percent of size: cutouts of large photos are big.
        image.flags = UInt32(PNG_IMAGE_FLAG_FAST)
        let stride = Int32(width * channels)
        // One pass into a buffer sized for the worst case (stored deflate blocks plus chunk overhead);
        // asking libpng for the size first would compress the image twice.
        let raw = height * (1 + width * channels)
        var size = raw + raw / 4096 * 16 + 4096
        var out = [UInt8](repeating: 0, count: size)
        var ok = out.withUnsafeMutableBytes { buffer in
            pixels.withUnsafeBytes {
                png_image_write_to_memory(&image, buffer.baseAddress, &size, 0, $0.baseAddress, stride, nil)
            }
        }
        if ok == 0 && size > out.count {
            // libpng reports the size it needs when the buffer is too small.
            out = [UInt8](repeating: 0, count: size)
            image.warning_or_error = 0
            ok = out.withUnsafeMutableBytes { buffer in
                pixels.withUnsafeBytes {
                    png_image_write_to_memory(&image, buffer.baseAddress, &size, 0, $0.baseAddress, stride, nil)
                }
            }
        }
        guard ok != 0 else { throw ImagingError.encode(reason: message(&image)) }
        let png = Data(out.prefix(size))
        guard let iccProfile, !iccProfile.isEmpty else { return png }
        return try PNGChunks.inserting(profile: iccProfile, into: png)
    }

    /// An 8-bit greyscale PNG of `gray`.
    public static func encode(_ gray: GrayImage) throws -> Data {
        try encode(pixels: gray.pixels, width: gray.width, height: gray.height, channels: 1)
    }

    /// Encodes straight-alpha RGBA (a cutout), with `iccProfile` in an iCCP chunk when given.
    public static func encode(_ rgba: RGBAImage, iccProfile: Data? = nil) throws -> Data {
        try encode(pixels: rgba.pixels, width: rgba.width, height: rgba.height, channels: 4, iccProfile: iccProfile)
    }

    /// An 8-bit RGB PNG of `image` (its alpha, if any, is not written), with its ICC profile when it has one.
    public static func encode(_ image: Image) throws -> Data {
        try encode(pixels: image.rgb, width: image.width, height: image.height, channels: 3, iccProfile: image.iccProfile)
    }

    private static func message(_ image: inout png_image) -> String {
        withUnsafeBytes(of: &image.message) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
    }
}

/// libpng's simplified-API format codes (composite macros the importer does not bring over).
enum PNGFormat {
    static let alpha = UInt32(PNG_FORMAT_FLAG_ALPHA)
    static let color = UInt32(PNG_FORMAT_FLAG_COLOR)
    static let linear = UInt32(PNG_FORMAT_FLAG_LINEAR)
    static let gray: UInt32 = 0
    static let rgb = color
    static let rgba = color | alpha
    static let linearRGBA = linear | color | alpha
}
