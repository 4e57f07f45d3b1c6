/// A kernel's scratch as equal per-thread shares laid end to end: thread `w` owns ``threadFloats`` floats
/// from `w · threadFloats`. Each kernel's layout says how one share divides into its areas.
package protocol PerThreadScratch {
    /// One thread's share, in floats.
    var threadFloats: Int { get }
}

extension PerThreadScratch {
    /// Scratch floats for `threads` threads.
    package func floats(threads: Int) -> Int { threads * threadFloats }

    /// The share of thread `worker` in `scratch` (``floats(threads:)`` floats for more than `worker` threads).
    @inline(__always)
    package func share(worker: Int, in scratch: ScratchRegion) -> ScratchRegion {
        scratch.subregion(at: worker * threadFloats, count: threadFloats)
    }
}
