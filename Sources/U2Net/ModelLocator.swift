import Foundation

/// Finds a model by file path or by name (`u2netp` → `u2netp.onnx`).
///
/// Names are looked up, in order, in `./Weights`, the `Weights` folder next to the executable's
/// package, `$U2NET_HOME`, and `~/.u2net` (where rembg keeps its models).
public enum ModelLocator {
    /// No model file by that name or path.
    public struct NotFound: Error, CustomStringConvertible {
        /// The name or path asked for.
        public let name: String
        /// The folders looked in (empty for a path).
        public let searched: [String]
        /// One line saying what was looked for and where.
        public var description: String {
            if name.hasSuffix(".onnx") || name.contains("/") {
                return "model file '\(name)' not found"
            }
            return "model '\(name)' not found; put \(name).onnx in one of: \(searched.joined(separator: ", "))"
                + (name == "u2netp" ? " (Tools/fetch-weights.sh fetches it)" : "")
        }
    }

    /// The folders names are looked up in, in order, without duplicates.
    public static func searchFolders() -> [String] {
        var folders = [FileManager.default.currentDirectoryPath + "/Weights"]
        // <package>/.build/<config>/u2net-run → <package>/Weights
        let exe = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath()
        let pkg = exe.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        folders.append(pkg.appendingPathComponent("Weights").path)
        let env = ProcessInfo.processInfo.environment
        if let home = env["U2NET_HOME"], !home.isEmpty { folders.append(home) }
        folders.append((env["HOME"] ?? NSHomeDirectory()) + "/.u2net")
        var seen = Set<String>()
        return folders.filter { seen.insert(URL(fileURLWithPath: $0).standardized.path).inserted }
    }

    /// The path of the model `nameOrPath` names.
    public static func locate(_ nameOrPath: String) throws -> String {
        let fm = FileManager.default
        if nameOrPath.contains("/") || nameOrPath.hasSuffix(".onnx") {
            guard fm.fileExists(atPath: nameOrPath) else { throw NotFound(name: nameOrPath, searched: []) }
            return nameOrPath
        }
        let folders = searchFolders()
        for folder in folders {
            let candidate = folder + "/" + nameOrPath + ".onnx"
            if fm.fileExists(atPath: candidate) { return candidate }
        }
        throw NotFound(name: nameOrPath, searched: folders)
    }
}
