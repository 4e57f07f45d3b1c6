import Foundation

/// Writing files so that a half-written file never appears under the final name.
package enum AtomicFile {
    /// Writes `data` to a hidden temporary file beside `path` (`.NAME.PID.tmp`), then renames it into place.
    ///
    /// On failure the temporary file is removed and whatever was at `path` before is left untouched.
    /// - Throws: ``AtomicFileError/writeFailed(path:reason:)`` naming `path` and the system's reason
    ///   (creating, writing or renaming, whichever failed first).
    package static func write(_ data: Data, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let temp = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).tmp").path
        func failure() -> AtomicFileError {
            let reason = String(cString: strerror(errno))
            unlink(temp)
            return .writeFailed(path: path, reason: reason)
        }
        let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o666)
        guard fd >= 0 else { throw AtomicFileError.writeFailed(path: path, reason: String(cString: strerror(errno))) }
        let written = data.withUnsafeBytes { raw -> Bool in
            var offset = 0
            while offset < raw.count {
                let n = Foundation.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    return false
                }
                offset += n
            }
            return true
        }
        guard written else {
            let error = failure()
            close(fd)
            throw error
        }
        guard close(fd) == 0 else { throw failure() }
        guard rename(temp, path) == 0 else { throw failure() }
    }
}
