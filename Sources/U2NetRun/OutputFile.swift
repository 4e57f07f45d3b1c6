import Foundation
import U2Net

/// Writing an output file whole or not at all (a temporary file renamed into place), or to stdout for `-`.
enum OutputFile {
    /// Writes `data` to `path`, creating its folder when missing; `-` writes stdout.
    static func write(_ data: Data, to path: String) throws {
        if path == "-" {
            FileHandle.standardOutput.write(data)
            return
        }
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        if !FileManager.default.fileExists(atPath: folder) {
            do { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) } catch {
                throw OutputError(path: path, reason: "cannot create its folder")
            }
        }
        try AtomicFile.write(data, to: path)  // AtomicFileError says "cannot write 'PATH': REASON"
    }

    /// An output that could not be written, said as "cannot write 'PATH': REASON".
    struct OutputError: Error, CustomStringConvertible {
        let path: String, reason: String
        var description: String { "cannot write '\(path)': \(reason)" }
    }
}
