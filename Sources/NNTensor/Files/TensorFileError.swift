/// Errors reading tensor files.
public enum TensorFileError: Error, CustomStringConvertible, Equatable {
    /// The file could not be read at all (missing, a folder, no permission).
    case unreadable(path: String, reason: String)
    /// The file was read but is not a tensor file this reader understands.
    case invalid(path: String, reason: String)

    public var description: String {
        switch self {
        case let .unreadable(path, reason): return "cannot read '\(path)': \(reason)"
        case let .invalid(path, reason): return "'\(path)' is not a usable .npy file: \(reason)"
        }
    }
}
