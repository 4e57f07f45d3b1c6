import CPNG
import Foundation

/// An 8-bit single-channel image (a mask), row-major.
public struct GrayImage: Sendable, Equatable {
    public var width: Int
    public var height: Int
    public var pixels: [UInt8]

    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(pixels.count == width * height)
        self.width = width
        self.height = height
        self.pixels = pixels
    }
}

/// PNG reading and writing through libpng's simplified API (errors come back as return codes).
public enum PNGCodec {
    /// Decodes any PNG as 8-bit grey (colour is converted to luminance, 16-bit is scaled).
    public static func readGray(path: String) throws -> GrayImage {
        guard let data = FileManager.default.contents(atPath: path) else {
            let reason = FileManager.default.fileExists(atPath: path) ? "permission denied or not a file" : "no such file"
            throw ImagingError.unreadable(path: path, reason: reason)
        }
        guard !data.isEmpty else { throw ImagingError.decode(path: path, reason: "the file is empty") }
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        let ok = data.withUnsafeBytes { png_image_begin_read_from_memory(&image, $0.baseAddress, $0.count) }
        guard ok != 0 else { throw ImagingError.decode(path: path, reason: message(&image)) }
        defer { png_image_free(&image) }
        image.format = UInt32(PNG_FORMAT_GRAY)
        let width = Int(image.width), height = Int(image.height)
        guard width > 0, height > 0, width * height <= 1 << 30 else {
            throw ImagingError.decode(path: path, reason: "absurd dimensions \(width)×\(height)")
        }
        var pixels = [UInt8](repeating: 0, count: width * height)
        let finished = pixels.withUnsafeMutableBytes {
            png_image_finish_read(&image, nil, $0.baseAddress, Int32(width), nil)
        }
        guard finished != 0 else { throw ImagingError.decode(path: path, reason: message(&image)) }
        return GrayImage(width: width, height: height, pixels: pixels)
    }

    /// Encodes an 8-bit grey PNG.
    public static func encode(_ gray: GrayImage) throws -> Data {
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        image.width = UInt32(gray.width)
        image.height = UInt32(gray.height)
        image.format = UInt32(PNG_FORMAT_GRAY)
        var size = 0
        let sized = gray.pixels.withUnsafeBytes {
            png_image_write_to_memory(&image, nil, &size, 0, $0.baseAddress, Int32(gray.width), nil)
        }
        guard sized != 0 else { throw ImagingError.encode(reason: message(&image)) }
        var out = [UInt8](repeating: 0, count: size)
        let ok = out.withUnsafeMutableBytes { buffer in
            gray.pixels.withUnsafeBytes {
                png_image_write_to_memory(&image, buffer.baseAddress, &size, 0, $0.baseAddress, Int32(gray.width), nil)
            }
        }
        guard ok != 0 else { throw ImagingError.encode(reason: message(&image)) }
        return Data(out.prefix(size))
    }

    private static func message(_ image: inout png_image) -> String {
        withUnsafeBytes(of: &image.message) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
    }
}
