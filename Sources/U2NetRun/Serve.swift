import ArgumentParser
import Foundation
import U2NetServer

struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve background removal over HTTP, with a page at / (see the README's 'serve' section).",
        discussion: """
            Routes: POST /v1/remove, POST /api/remove (rembg's form), POST /v1/idphoto, GET /v1/documents, \
            GET /healthz, /readyz, /metrics, and the \
            page at /. SIGTERM or SIGINT: stop accepting, finish the requests in flight, exit 0.
            """)

    @Option(name: .long, help: "Address to listen on.") var host = "127.0.0.1"
    @Option(name: .long, help: "Port (0: any free port).") var port = 7000
    @Option(name: .long, help: "Model loaded at start (requests may name others with model=).") var model = "u2netp"
    @Option(name: .long, help: "Photos processed at once.") var maxConcurrent = 2
    @Option(name: .long, help: "Requests waiting beyond --max-concurrent; more get 503 with Retry-After.") var queue = 8
    @Option(name: .long, help: "Largest request body in MB (413 beyond).") var maxBodyMb: Double = 25
    @Option(name: .long, help: "Largest photo in megapixels (422 beyond, before any pixel is allocated).") var maxMegapixels: Double = 100
    @Option(name: .long, help: "Time limit per request in seconds: 503 waiting for a slot, 504 processing.") var timeoutS: Double = 60
    @Option(name: .long, help: "Inference threads (default: every core).") var threads: Int?

    func validate() throws {
        if !(0...65535).contains(port) { throw ValidationError("--port must be in 0...65535") }
        if maxConcurrent < 1 { throw ValidationError("--max-concurrent must be at least 1") }
        if queue < 0 { throw ValidationError("--queue must not be negative") }
        if !(maxBodyMb > 0) { throw ValidationError("--max-body-mb must be positive") }
        if !(maxMegapixels > 0) { throw ValidationError("--max-megapixels must be positive") }
        if !(timeoutS > 0) { throw ValidationError("--timeout-s must be positive") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    }

    func run() {
        var config = ServerConfiguration()
        config.host = host
        config.port = port
        config.model = model
        config.maxConcurrent = maxConcurrent
        config.queue = queue
        config.maxBodyBytes = Int(maxBodyMb * 1_048_576)
        config.maxPixels = Int(maxMegapixels * 1e6)
        config.timeoutSeconds = timeoutS
        config.threads = threads
        let server = PhotoServer(configuration: config)
        // The command line is synchronous; the server runs on Swift concurrency's threads until it has shut down.
        final class Outcome: @unchecked Sendable { var error: Error? }
        let outcome = Outcome()
        let done = DispatchSemaphore(value: 0)
        Task.detached {
            do { try await server.run() } catch { outcome.error = error }
            done.signal()
        }
        done.wait()
        if let error = outcome.error { fail(error) }
    }
}
