import Foundation

/// How `u2net-run serve` runs: where it listens, the model it loads first, and its limits.
public struct ServerConfiguration: Sendable {
    /// Address to listen on (loopback by default; put a proxy or a load balancer in front for anything else).
    public var host = "127.0.0.1"
    /// TCP port (0: any free port, logged at start).
    public var port = 7000
    /// The model loaded at start; `/readyz` answers 200 once it is loaded. Requests may name others (`model=`).
    public var model = "u2netp"
    /// Photos processed at once (decoded, inferred, composed): the bound on memory.
    public var maxConcurrent = 2
    /// Requests waiting for a slot beyond `maxConcurrent`; more are refused at once with 503 and `Retry-After`.
    public var queue = 8
    /// Largest request body in bytes; larger ones are refused with 413 (from `Content-Length`, or while reading).
    public var maxBodyBytes = 25 << 20
    /// Largest photo in pixels; larger ones are refused with 422 before their pixels are allocated.
    public var maxPixels = 100_000_000
    /// Longest a request may wait and run: 503 when the wait for a slot runs out, 504 when processing does.
    public var timeoutSeconds: Double = 60
    /// Inference threads (nil: every core).
    public var threads: Int?

    /// The defaults of `u2net-run serve`.
    public init() {}
}
