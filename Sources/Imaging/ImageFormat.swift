/// The file formats images are written in.
public enum ImageFormat: Sendable, CaseIterable {
    /// PNG: lossless; grey, RGB or RGBA.
    case png
    /// JPEG: lossy, opaque RGB.
    case jpeg

    /// The format a file name extension or format name stands for: `png`, `jpg` or `jpeg`, in any case;
    /// nil for anything else.
    public init?(fileExtension: String) {
        switch fileExtension.lowercased() {
        case "png": self = .png
        case "jpg", "jpeg": self = .jpeg
        default: return nil
        }
    }

    /// The format a path's extension names (`photo.JPG` → `.jpeg`), or nil.
    public init?(path: String) {
        guard let dot = path.lastIndex(of: "."), !path[dot...].contains("/") else { return nil }
        self.init(fileExtension: String(path[path.index(after: dot)...]))
    }

    /// The usual extension for files of this format, without the dot: `png` or `jpg`.
    public var fileExtension: String {
        switch self {
        case .png: return "png"
        case .jpeg: return "jpg"
        }
    }
}
