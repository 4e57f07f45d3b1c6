/// Errors writing a file through ``AtomicFile``.
package enum AtomicFileError: Error, CustomStringConvertible, Equatable {
    /// `path` was not written (or not renamed into place); `reason` is the system's text for the failure
    /// (`strerror(errno)`, e.g. "Permission denied"). Nothing is left under `path` or a temporary name.
    case writeFailed(path: String, reason: String)

    package var description: String {
        switch self {
        case let .writeFailed(path, reason): return "cannot write '\(path)': \(reason)"
        }
    }
}
