import Foundation
import Metrics
import Prometheus
import U2Net

/// The server's metrics through swift-metrics, kept in a Prometheus registry and written as text on `/metrics`.
final class ServerMetrics: @unchecked Sendable {
    static let durationBuckets: [Duration] = [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60].map { .milliseconds(Int($0 * 1000)) }
    let registry: PrometheusCollectorRegistry
    private static let lock = NSLock()
    nonisolated(unsafe) private static var bootstrapped: PrometheusCollectorRegistry?

    /// Bootstraps swift-metrics with a Prometheus factory once per process.
    init() {
        registry = Self.lock.withLock {
            if let r = Self.bootstrapped { return r }
            let registry = PrometheusCollectorRegistry()
            var factory = PrometheusMetricsFactory(registry: registry)
            factory.durationHistogramBuckets["u2net_request_duration_seconds"] = Self.durationBuckets
            factory.durationHistogramBuckets["u2net_photo_duration_seconds"] = Self.durationBuckets
            MetricsSystem.bootstrap(factory)
            Self.bootstrapped = registry
            return registry
        }
    }

    func request(route: String, method: String, status: Int, nanoseconds: UInt64) {
        Counter(label: "u2net_requests_total", dimensions: [("route", route), ("method", method), ("status", String(status))]).increment()
        Metrics.Timer(label: "u2net_request_duration_seconds", dimensions: [("route", route)]).recordNanoseconds(Int64(nanoseconds))
    }

    func photo(nanoseconds: UInt64) {
        Metrics.Timer(label: "u2net_photo_duration_seconds").recordNanoseconds(Int64(nanoseconds))
    }

    func refused(reason: String) {
        Counter(label: "u2net_refused_total", dimensions: [("reason", reason)]).increment()
    }

    /// The text for `/metrics`, with the gauges read now.
    func exposition(queued: Int, inFlight: Int, ready: Bool) -> String {
        Gauge(label: "u2net_queue_depth").record(queued)
        Gauge(label: "u2net_in_flight").record(inFlight)
        Gauge(label: "u2net_ready").record(ready ? 1 : 0)
        if let rss = Self.residentBytes() { Gauge(label: "process_resident_memory_bytes").record(rss) }
        if let peak = ResourceUsage.peakResidentBytes() { Gauge(label: "process_peak_resident_memory_bytes").record(peak) }
        return registry.emitToString()
    }

    /// The resident set size now (`/proc/self/statm`'s second field, in pages).
    static func residentBytes() -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return nil }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return nil }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}
