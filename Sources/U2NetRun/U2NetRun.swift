import ArgumentParser
import Foundation
import U2Net

@main
struct U2NetRun: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "u2net-run",
        abstract: "Remove photo backgrounds with U²-Net-family models, on a pure-Swift inference engine.",
        version: "u2net-run \(U2NetVersion.string)",
        subcommands: [Remove.self, Serve.self, Refine.self, IDPhoto.self, Check.self, Infer.self, Inspect.self, Compare.self, Bench.self],
        defaultSubcommand: Remove.self)
}

/// Exit codes: 0 success, 1 a check found a difference, 2 an error.
enum ExitStatus {
    static let difference: Int32 = 1
    static let failure: Int32 = 2
}

/// Prints one line on stderr and exits with `ExitStatus.failure`.
func fail(_ error: Error) -> Never {
    FileHandle.standardError.write(Data("u2net-run: error: \(error)\n".utf8))
    exit(ExitStatus.failure)
}

/// Runs `body`, turning any error into one line on stderr and a non-zero exit.
func reportingErrors<T>(_ body: () throws -> T) -> T {
    do { return try body() } catch let e as ExitCode { Foundation.exit(e.rawValue) } catch { fail(error) }
}

struct ModelOption: ParsableArguments {
    @Option(name: .long, help: "Model name (looked up in Weights/, $U2NET_HOME, ~/.u2net) or .onnx path.")
    var model: String = "u2netp"

    @Option(name: .long, help: "Worker threads (default: every core).")
    var threads: Int?

    func load() throws -> InferenceModel {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        return try InferenceModel(path: ModelLocator.locate(model), threads: threads)
    }
}

extension StageTimings {
    /// Milliseconds by stage name, rounded to hundredths, for `--json` lines.
    var report: [String: Double] { milliseconds.mapValues { ($0 * 100).rounded() / 100 } }
}
