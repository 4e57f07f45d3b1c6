/// The file formats images are written in.
public enum ImageFormat: Sendable, CaseIterable {
    /// PNG: lossless; grey, RGB or RGBA.
    case png
    /// JPEG: lossy, opaque RGB.
    case jpeg
    /// WebP: lossless by default, lossy at a given quality; RGB or RGBA.
    case webp

    /// The format a file name extension or format name stands for: `png`, `jpg`, `jpeg` or `webp`, in any case;
    /// nil for anything else.
    public init?(fileExtension: String) {
        switch fileExtension.lowercased() {
        case "png": self = .png
        case "jpg", "jpeg": self = .jpeg
        case "webp": self = .webp
        default: return nil
        }
    }

    /// The format a path's extension names (`photo.JPG` → `.jpeg`), or nil.
    public init?(path: String) {
        guard let ext = Self.pathExtension(path) else { return nil }
        self.init(fileExtension: ext)
    }

    /// The extension of a path's last component, without the dot, or nil when it has none.
    public static func pathExtension(_ path: String) -> String? {
        guard let dot = path.lastIndex(of: "."), !path[dot...].contains("/") else { return nil }
        let ext = String(path[path.index(after: dot)...])
        return ext.isEmpty ? nil : ext
    }

    /// The usual extension for files of this format, without the dot: `png`, `jpg` or `webp`.
    public var fileExtension: String {
        switch self {
        case .png: return "png"
        case .jpeg: return "jpg"
        case .webp: return "webp"
        }
    }
}
