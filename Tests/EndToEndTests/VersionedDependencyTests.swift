import Foundation
import TestSupport
import U2Net
import XCTest

/// A package that depends on u2net-run the usual way — a tagged release, `from: "1.0.0"` — builds in release
/// and runs the README's library example, about as fast as `u2net-run` doing the same two removals.
///
/// The dependency is a bare clone of this repository's committed HEAD, tagged 1.0.0 and reached by a
/// `file://` URL: no network. Building it compiles the package again (a minute or two).
final class VersionedDependencyTests: XCTestCase {
    func testTaggedReleaseBuildsAsADependencyAndRunsTheLibraryExample() throws {
        try FixturePaths.requireU2netp()
        let root = FixturePaths.packageRoot
        try XCTSkipUnless(FileManager.default.fileExists(atPath: root.appendingPathComponent(".git").path),
                          "the package is not a git checkout")
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("u2net-dependency-\(UUID())")
        defer { try? FileManager.default.removeItem(at: work) }
        let repo = work.appendingPathComponent("u2net-run.git"), consumer = work.appendingPathComponent("consumer")
        try shell(["git", "clone", "--quiet", "--bare", root.path, repo.path])
        try shell(["git", "-C", repo.path, "tag", "-f", "1.0.0", "HEAD"])

        let sources = consumer.appendingPathComponent("Sources/Consumer")
        try FileManager.default.createDirectory(at: sources, withIntermediateDirectories: true)
        try """
            // swift-tools-version:6.2
            import PackageDescription

            let package = Package(
                name: "consumer",
                dependencies: [.package(url: "\(repo.absoluteString)", from: "1.0.0")],
                targets: [.executableTarget(name: "Consumer", dependencies: [.product(name: "U2Net", package: "u2net-run")])]
            )
            """.write(to: consumer.appendingPathComponent("Package.swift"), atomically: true, encoding: .utf8)
        let example = try Self.readmeLibraryExample(root.appendingPathComponent("README.md"))
        try example.write(to: sources.appendingPathComponent("main.swift"), atomically: true, encoding: .utf8)
        try shell(["swift", "build", "-c", "release", "--package-path", consumer.path])
        let consumerBinary = consumer.appendingPathComponent(".build/release/Consumer")

        // The example reads portrait.jpg and writes portrait.png and id-photo.jpg in its folder.
        let run = work.appendingPathComponent("run")
        try FileManager.default.createDirectory(at: run, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: FixturePaths.photos.appendingPathComponent("astronaut.png"),
                                         to: run.appendingPathComponent("portrait.jpg"))
        let environment = ["U2NET_HOME": root.appendingPathComponent("Weights").path]
        let cli = CLI.binary.path
        var library: [Double] = [], command: [Double] = []
        for _ in 0..<3 {
            library.append(try timed { try shell([consumerBinary.path], in: run, environment: environment) })
            command.append(try timed {
                try shell([cli, "portrait.jpg", "-o", "cli-portrait.png"], in: run, environment: environment)
                try shell([cli, "portrait.jpg", "-o", "cli-id-photo.jpg", "--bg", "white", "--refine", "closed-form",
                           "--decontaminate"], in: run, environment: environment)
            })
        }
        // The same pixels (the command also carries the photo's colour profile into its file; the example's
        // bare `PNGCodec.encode` does not).
        let cutout = try ImageFile.load(path: run.appendingPathComponent("portrait.png").path)
        let commandCutout = try ImageFile.load(path: run.appendingPathComponent("cli-portrait.png").path)
        XCTAssertEqual(cutout.rgb, commandCutout.rgb, "the library's cutout is the command's")
        XCTAssertEqual(cutout.alpha, commandCutout.alpha, "the library's matte is the command's")
        XCTAssertGreaterThan(try Data(contentsOf: run.appendingPathComponent("id-photo.jpg")).count, 1000)
        let ratio = median(library) / median(command)
        print(String(format: "versioned dependency: library example %.0f ms, u2net-run %.0f ms (ratio %.2f)",
                     median(library) * 1000, median(command) * 1000, ratio))
        XCTAssertLessThan(ratio, 1.3, "built as a dependency, the library runs as fast as the command")
    }

    /// The README's first Swift block under "## Library".
    static func readmeLibraryExample(_ readme: URL) throws -> String {
        let text = try String(contentsOf: readme, encoding: .utf8)
        guard let section = text.range(of: "\n## Library\n"),
              let open = text.range(of: "```swift\n", range: section.upperBound..<text.endIndex),
              let close = text.range(of: "\n```", range: open.upperBound..<text.endIndex) else {
            throw CocoaError(.fileReadCorruptFile)
        }
        return String(text[open.upperBound..<close.lowerBound]) + "\n"
    }

    private func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }

    private func timed(_ body: () throws -> Void) rethrows -> Double {
        let start = Date()
        try body()
        return Date().timeIntervalSince(start)
    }

    /// Runs a command, failing with its output when it exits non-zero.
    private func shell(_ arguments: [String], in folder: URL? = nil, environment: [String: String] = [:]) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = arguments
        p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        if let folder { p.currentDirectoryURL = folder }
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("u2net-shell-\(UUID()).log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: log) }
        let handle = try FileHandle(forWritingTo: log)
        p.standardOutput = handle
        p.standardError = handle
        try p.run()
        p.waitUntilExit()
        try handle.close()
        guard p.terminationStatus == 0 else {
            let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            XCTFail("\(arguments.joined(separator: " ")) exited \(p.terminationStatus):\n\(output.suffix(3000))")
            throw CocoaError(.executableLoad)
        }
    }
}
