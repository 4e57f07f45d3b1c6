/// Errors decoding or encoding images. Each says what and which file.
public enum ImagingError: Error, CustomStringConvertible, Equatable {
    /// The file could not be read (missing, a folder, no permission).
    case unreadable(path: String, reason: String)
    /// The bytes are not an image of a readable format, or are damaged.
    case decode(path: String, reason: String)
    /// The image has more pixels than `limit`; refused before its pixels were allocated.
    case tooLarge(path: String, width: Int, height: Int, limit: Int)
    /// The encoder failed.
    case encode(reason: String)

    public var description: String {
        switch self {
        case let .unreadable(path, reason): return "cannot read '\(path)': \(reason)"
        case let .decode(path, reason): return "'\(path)' is not a readable image: \(reason)"
        case let .tooLarge(path, w, h, limit):
            return "'\(path)' is \(w)×\(h) = \(String(format: "%.1f", Double(w) * Double(h) / 1e6)) MP, above the limit of \(String(format: "%.1f", Double(limit) / 1e6)) MP (raise it with --max-megapixels)"
        case let .encode(reason): return "cannot encode image: \(reason)"
        }
    }
}
