import Dispatch

/// The one clock every stage is timed with: the monotonic system clock (`DispatchTime`), read in
/// milliseconds. Start one, do the work, read ``milliseconds``.
///
/// ```swift
/// let watch = Stopwatch()
/// let mask = preset.finish(output, width: w, height: h)
/// print(watch.milliseconds)
/// ```
package struct Stopwatch: Sendable {
    private let start: UInt64

    /// Starts timing now.
    package init() { start = DispatchTime.now().uptimeNanoseconds }

    /// Milliseconds since the stopwatch started.
    package var milliseconds: Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6 }

    /// Seconds since the stopwatch started.
    package var seconds: Double { milliseconds / 1000 }

    /// Runs `body` and returns its result with the milliseconds it took.
    package static func time<T>(_ body: () throws -> T) rethrows -> (result: T, milliseconds: Double) {
        let watch = Stopwatch()
        let result = try body()
        return (result, watch.milliseconds)
    }
}
