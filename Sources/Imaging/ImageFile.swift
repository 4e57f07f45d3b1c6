import Foundation

/// Reading image files of any supported format, by content rather than by name.
public enum ImageFile {
    /// Default pixel limit: 100 megapixels.
    public static let defaultMaxPixels = 100_000_000

    /// File name extensions of the formats read (for picking photos out of folders; reading itself goes by content).
    public static let readableExtensions: Set<String> = ["png", "jpg", "jpeg", "webp", "heic", "heif", "avif", "tif", "tiff"]

    /// Reads a whole file, with errors that say why not.
    public static func read(path: String) throws -> Data {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ImagingError.unreadable(path: path, reason: "no such file")
        }
        guard !isDirectory.boolValue else { throw ImagingError.unreadable(path: path, reason: "it is a folder") }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ImagingError.unreadable(path: path, reason: "permission denied")
        }
        return data
    }

    /// Decodes PNG, JPEG, WebP, HEIC, AVIF or TIFF bytes (sniffed from the content) and applies the
    /// orientation once: JPEG's EXIF tag, TIFF's orientation tag, HEIF's container transforms (WebP and PNG
    /// have none that is applied). The embedded ICC profile comes along in ``Image/iccProfile``.
    /// Refuses images above `maxPixels` before allocating their pixels.
    public static func decode(_ data: Data, path: String, maxPixels: Int = defaultMaxPixels) throws -> Image {
        guard !data.isEmpty else { throw ImagingError.decode(path: path, reason: "the file is empty") }
        let head = [UInt8](data.prefix(8))
        if head.starts(with: [0x89, 0x50, 0x4E, 0x47]) {
            return try PNGCodec.decode(data, path: path, maxPixels: maxPixels)
        }
        if head.starts(with: [0xFF, 0xD8]) {
            let (image, orientation) = try JPEGCodec.decode(data, path: path, maxPixels: maxPixels)
            return Orientation.apply(orientation, to: image)
        }
        if WebPCodec.sniff(head + [UInt8](data.dropFirst(8).prefix(4))) {
            return try WebPCodec.decode(data, path: path, maxPixels: maxPixels)
        }
        if HEIFCodec.sniff(head + [UInt8](data.dropFirst(8).prefix(4))) {
            return try HEIFCodec.decode(data, path: path, maxPixels: maxPixels)
        }
        if TIFFCodec.sniff(head) {
            return try TIFFCodec.decode(data, path: path, maxPixels: maxPixels)
        }
        throw ImagingError.decode(path: path, reason: "not a PNG, JPEG, WebP, HEIC, AVIF or TIFF file")
    }

    /// Reads and decodes the image file at `path` (see ``decode(_:path:maxPixels:)``).
    public static func load(path: String, maxPixels: Int = defaultMaxPixels) throws -> Image {
        try decode(read(path: path), path: path, maxPixels: maxPixels)
    }
}
