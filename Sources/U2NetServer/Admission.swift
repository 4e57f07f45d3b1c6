import Foundation

/// Bounded concurrency: at most `maxConcurrent` photos are worked on at once and at most `queue` more requests
/// wait; anything beyond is refused at once (503), before its body is read.
final class Admission: @unchecked Sendable {
    let maxConcurrent: Int
    let queue: Int
    private let lock = NSLock()
    /// Requests admitted and not yet finished: reading their body, waiting for a slot, or running.
    private var admitted = 0
    private var running = 0
    private var waiters: [(id: UInt64, resume: CheckedContinuation<Bool, Never>)] = []
    private var nextID: UInt64 = 0

    init(maxConcurrent: Int, queue: Int) {
        self.maxConcurrent = maxConcurrent
        self.queue = queue
    }

    /// Requests admitted but not running (reading their body or waiting for a slot).
    var queued: Int { lock.withLock { admitted - running } }
    /// Photos being worked on.
    var inFlight: Int { lock.withLock { running } }

    /// Takes a place among the admitted requests, or false when `maxConcurrent + queue` are already there.
    func admit() -> Bool {
        lock.withLock {
            guard admitted < maxConcurrent + queue else { return false }
            admitted += 1
            return true
        }
    }

    /// Gives back an admitted place that never got a slot (its body was refused).
    func abandon() {
        lock.withLock { admitted -= 1 }
    }

    /// Waits for a slot; false if `seconds` pass first (the place is given back then).
    func acquire(within seconds: Double) async -> Bool {
        let id: UInt64? = lock.withLock {
            if running < maxConcurrent {
                running += 1
                return nil
            }
            nextID += 1
            return nextID
        }
        guard let id else { return true }
        return await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            lock.withLock { waiters.append((id, continuation)) }
            DispatchQueue.global().asyncAfter(deadline: .now() + seconds) { [self] in
                let expired: CheckedContinuation<Bool, Never>? = lock.withLock {
                    guard let i = waiters.firstIndex(where: { $0.id == id }) else { return nil }
                    admitted -= 1
                    return waiters.remove(at: i).resume
                }
                expired?.resume(returning: false)
            }
        }
    }

    /// Ends a photo's work: its slot goes to the longest waiter.
    func release() {
        let next: CheckedContinuation<Bool, Never>? = lock.withLock {
            admitted -= 1
            running -= 1
            guard !waiters.isEmpty else { return nil }
            running += 1
            return waiters.removeFirst().resume
        }
        next?.resume(returning: true)
    }
}

/// The first of two outcomes wins: the work's result or the time limit.
final class FirstOutcome<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var continuation: CheckedContinuation<T, Error>?

    init(_ continuation: CheckedContinuation<T, Error>) { self.continuation = continuation }

    func resume(with result: Result<T, Error>) {
        let c: CheckedContinuation<T, Error>? = lock.withLock {
            defer { continuation = nil }
            return continuation
        }
        c?.resume(with: result)
    }
}
