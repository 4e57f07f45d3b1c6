import Foundation
import TestSupport
import XCTest

/// Runs the built `u2net-run` binary as a user would.
struct CLI {
    static var packageRoot: URL { FixturePaths.packageRoot }
    static var binary: URL { Bundle.main.bundleURL.appendingPathComponent("u2net-run") }
    static var example: String { FixturePaths.astronautInput.path }
    static var reference: String {
        FixturePaths.runtimeFixtures.appendingPathComponent("u2netp/astronaut/output_0.npy").path
    }
    static var model: String { FixturePaths.u2netpModel.path }

    struct Result { var status: Int32; var stdout: String; var stderr: String }

    /// Runs the binary in the package folder and waits for it.
    @discardableResult
    func run(_ args: [String], environment: [String: String] = [:]) throws -> Result {
        let p = Process()
        p.executableURL = Self.binary
        p.arguments = args
        if !environment.isEmpty { p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        p.currentDirectoryURL = Self.packageRoot
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        // Read both pipes at once, so a chatty child never blocks on a full pipe.
        final class Collected: @unchecked Sendable { var data = Data() }
        let e = Collected()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async { e.data = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        let o = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        p.waitUntilExit()
        return Result(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
                      stderr: String(decoding: e.data, as: UTF8.self))
    }

    func requireModel() throws { try FixturePaths.requireU2netp() }
}
