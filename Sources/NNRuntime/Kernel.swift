import NNTensor

/// Where a running step finds its buffers: offsets into the session's float arena.
package struct KernelIO {
    package let arena: UnsafeMutablePointer<Float>
    /// One offset per node input, in node order; -1 for inputs that are constants or omitted.
    package let inputs: [Int]
    /// One offset per node output.
    package let outputs: [Int]
    package let scratch: UnsafeMutablePointer<Float>
    package let threads: Int

    @inline(__always) package func input(_ i: Int) -> UnsafePointer<Float> { UnsafePointer(arena + inputs[i]) }
    @inline(__always) package func output(_ i: Int) -> UnsafeMutablePointer<Float> { arena + outputs[i] }
}

/// A planned computation with its shapes fixed and its constant operands prepared.
/// Kernels hold no per-run state: a session passes buffers in.
package protocol Kernel: AnyObject {
    /// Scratch floats the kernel needs when run with `threads` threads.
    func scratchFloats(threads: Int) -> Int
    func run(_ io: KernelIO)
    /// The algorithm and its parameters, for profiles (e.g. "winograd F(4x4,3x3) 3x3"); empty when the
    /// op type says it all.
    var algorithm: String { get }
}

extension Kernel {
    package func scratchFloats(threads: Int) -> Int { 0 }
    package var algorithm: String { "" }
}

/// A kernel that adds one more input, of its output's shape, to its output after the activation: the
/// residual Add the planner folds into a convolution.
protocol ResidualKernel: Kernel {
    /// Index in ``KernelIO/inputs`` of the residual, or nil for none.
    var residualSlot: Int? { get }
}

extension ResidualKernel {
    @inline(__always) func residual(_ io: KernelIO) -> UnsafePointer<Float>? { residualSlot.map { io.input($0) } }
}

/// Copies its first input to its output (Reshape, Squeeze, Unsqueeze, Flatten, Identity at run time).
final class CopyKernel: Kernel {
    let count: Int
    init(count: Int) { self.count = count }
    func run(_ io: KernelIO) {
        let src = io.input(0), dst = io.output(0)
        if src != UnsafePointer(dst) { dst.update(from: src, count: count) }
    }
}
