import Dispatch
import Synchronization

/// Splits work across threads. The engine owns its threads: kernels never start their own.
package enum Parallel {
    /// Runs `body(i)` for every `i` in `0..<count`, using up to `threads` threads.
    /// Iterations are dealt out in contiguous blocks, so neighbouring work stays on one thread.
    @inlinable
    package static func forEach(_ count: Int, threads: Int, _ body: (Int) -> Void) {
        let workers = min(max(threads, 1), count)
        if workers <= 1 {
            for i in 0..<count { body(i) }
            return
        }
        withoutActuallyEscaping(body) { body in
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                let lo = count * w / workers, hi = count * (w + 1) / workers
                for i in lo..<hi { body(i) }
            }
        }
    }

    /// Runs `body(worker, range)` once per worker over a split of `0..<count` into contiguous ranges.
    @inlinable
    package static func forRanges(_ count: Int, threads: Int, _ body: (Int, Range<Int>) -> Void) {
        let workers = min(max(threads, 1), count)
        if workers <= 1 {
            if count > 0 { body(0, 0..<count) }
            return
        }
        withoutActuallyEscaping(body) { body in
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                body(w, (count * w / workers)..<(count * (w + 1) / workers))
            }
        }
    }

    /// Runs `body(worker, i)` for every `i` in `0..<count` on up to `threads` threads, each thread taking the
    /// next index as soon as it is done with its last: on a machine shared with other work, a thread whose
    /// core is busy elsewhere takes fewer items instead of holding the others up at the end. For items of a
    /// few microseconds or more (one atomic increment each).
    @inlinable
    package static func forEachDynamic(_ count: Int, threads: Int, _ body: (_ worker: Int, _ index: Int) -> Void) {
        let workers = min(max(threads, 1), count)
        if workers <= 1 {
            for i in 0..<count { body(0, i) }
            return
        }
        let next = Atomic<Int>(0)
        withoutActuallyEscaping(body) { body in
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                while true {
                    let i = next.wrappingAdd(1, ordering: .relaxed).oldValue
                    if i >= count { return }
                    body(w, i)
                }
            }
        }
    }
}
