/// Errors decoding or encoding images.
public enum ImagingError: Error, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case decode(path: String, reason: String)
    case encode(reason: String)

    public var description: String {
        switch self {
        case let .unreadable(path, reason): return "cannot read '\(path)': \(reason)"
        case let .decode(path, reason): return "'\(path)' is not a readable image: \(reason)"
        case let .encode(reason): return "cannot encode image: \(reason)"
        }
    }
}
