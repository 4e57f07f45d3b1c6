import NNTensor

/// Where a running step finds its buffers: slot offsets into the session's arena (``ArenaMemory``), each
/// value's element count, and the float scratch.
package struct KernelIO {
    package let arena: ArenaMemory
    /// One slot offset per step input, in step order; -1 for inputs that are constants or omitted.
    package let inputs: [Int]
    /// One slot offset per node output.
    package let outputs: [Int]
    /// Elements of each step input and output (their region's extent when bound to a type).
    package let inputCounts: [Int]
    package let outputCounts: [Int]
    package let scratch: UnsafeMutablePointer<Float>
    package let threads: Int

    /// Input `i`, a float value.
    @inline(__always) package func input(_ i: Int) -> UnsafePointer<Float> { input(i, as: Float.self) }
    /// Output `i`, a float value.
    @inline(__always) package func output(_ i: Int) -> UnsafeMutablePointer<Float> { output(i, as: Float.self) }

    /// Input `i` as elements of `T` (the Swift type of its ``ArenaElement``: `Float`, `Int64`, `Int32`, `UInt8`).
    @inline(__always) package func input<T>(_ i: Int, as _: T.Type) -> UnsafePointer<T> {
        UnsafePointer(arena.bind(T.self, slot: inputs[i], count: inputCounts[i]))
    }
    /// Output `i` as elements of `T`.
    @inline(__always) package func output<T>(_ i: Int, as _: T.Type) -> UnsafeMutablePointer<T> {
        arena.bind(T.self, slot: outputs[i], count: outputCounts[i])
    }

    /// Input `i`'s bytes, for copies that do not look at the values.
    @inline(__always) package func inputBytes(_ i: Int) -> UnsafeRawPointer { UnsafeRawPointer(arena.bytes(slot: inputs[i])) }
    /// Output `i`'s bytes.
    @inline(__always) package func outputBytes(_ i: Int) -> UnsafeMutableRawPointer { arena.bytes(slot: outputs[i]) }
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

/// Copies its first input to its output, whatever the element type (Reshape, Squeeze, Unsqueeze, Flatten,
/// Identity at run time).
final class CopyKernel: Kernel {
    let bytes: Int
    init(bytes: Int) { self.bytes = bytes }
    func run(_ io: KernelIO) {
        let src = io.inputBytes(0), dst = io.outputBytes(0)
        if src != UnsafeRawPointer(dst) { dst.copyMemory(from: src, byteCount: bytes) }
    }
}

/// The element types a run-time value is stored as (see ``ArenaElement``).
protocol ArenaScalar: Numeric, Comparable {}
extension Float: ArenaScalar {}
extension Int64: ArenaScalar {}
extension Int32: ArenaScalar {}
extension UInt8: ArenaScalar {}

/// A kernel written once for every stored element type: ``run(_:)`` calls ``run(_:_:)`` with the Swift type
/// its ``element`` is stored as.
protocol ElementTypedKernel: Kernel {
    var element: ArenaElement { get }
    func run<T: ArenaScalar>(_: T.Type, _ io: KernelIO)
}

extension ElementTypedKernel {
    func run(_ io: KernelIO) {
        switch element {
        case .float: run(Float.self, io)
        case .int64: run(Int64.self, io)
        case .int32: run(Int32.self, io)
        case .bool: run(UInt8.self, io)
        }
    }
}
