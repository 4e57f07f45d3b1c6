import Foundation
import NNTensor

/// Runs a ``Plan``. Owns the arena every value lives in, allocated once: the convolution, pooling, resize
/// and element-wise kernels allocate nothing per run (the reference "tensor function" ops, and the result
/// tensors ``run(_:)`` returns, do). One session runs one inference at a time; use one session per
/// concurrent caller.
public final class Session {
    /// The plan this session runs.
    public let plan: Plan
    private let arena: ArenaMemory
    private let scratch: UnsafeMutablePointer<Float>

    /// A session with its arena (``Plan/arenaFloats`` 4-byte slots) allocated and zeroed.
    public init(plan: Plan) {
        self.plan = plan
        arena = ArenaMemory.allocate(slots: plan.arenaFloats + 1)
        scratch = arena.bind(Float.self, slot: plan.scratchOffset, count: plan.arenaFloats - plan.scratchOffset + 1)
        // Kernels call sgemm from several threads at once; each call stays single-threaded.
        BLAS.setThreads(1)
    }

    deinit { arena.deallocate() }

    /// Runs the plan on named inputs (floating inputs take floating tensors, integer and boolean inputs
    /// integer ones); returns every graph output by name, each of its own type.
    public func run(_ feeds: [String: Tensor]) throws -> [String: Tensor] {
        for input in plan.inputs {
            guard let t = feeds[input.name] else { throw RuntimeError.badInput(name: input.name, detail: "not given") }
            guard t.shape == input.shape else {
                throw RuntimeError.badInput(name: input.name, detail: "shape \(t.shape) differs from the planned \(input.shape)")
            }
            guard t.dtype.isFloatingPoint == input.dtype.isFloatingPoint else {
                throw RuntimeError.badInput(name: input.name, detail: "a \(t.dtype) tensor given for a \(input.dtype) input")
            }
            arena.write(t, slot: input.offset, as: input.dtype)
        }
        execute(timings: nil)
        var result: [String: Tensor] = [:]
        for output in plan.outputs { result[output.name] = read(output) }
        return result
    }

    /// Runs a single-input plan; returns the outputs in graph order.
    public func run(_ input: Tensor) throws -> [Tensor] {
        guard plan.inputs.count == 1 else {
            throw RuntimeError.badInput(name: plan.inputs.map(\.name).joined(separator: ", "), detail: "the graph has \(plan.inputs.count) inputs")
        }
        let named = try run([plan.inputs[0].name: input])
        return plan.outputs.map { named[$0.name]! }
    }

    /// Runs with inputs already in place (see ``inputBuffer(_:)``), timing each step when `timings`
    /// is given (seconds, accumulated per step index).
    public func execute(timings: UnsafeMutablePointer<Double>?) {
        for (i, step) in plan.steps.enumerated() {
            let io = KernelIO(arena: arena, inputs: step.inputs, outputs: step.outputs, inputCounts: step.inputCounts,
                              outputCounts: step.outputCounts, scratch: scratch, threads: plan.threads)
            if let timings {
                let t0 = DispatchTime.now().uptimeNanoseconds
                step.kernel.run(io)
                timings[i] += Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-9
            } else {
                step.kernel.run(io)
            }
        }
    }

    /// The arena region of input `index`, a floating input, to fill in place before ``execute(timings:)``.
    public func inputBuffer(_ index: Int) -> UnsafeMutableBufferPointer<Float> {
        let i = plan.inputs[index]
        precondition(i.dtype.arenaElement == .float, "inputBuffer: input '\(i.name)' is \(i.dtype), not floating point")
        let n = i.shape.reduce(1, *)
        return UnsafeMutableBufferPointer(start: arena.bind(Float.self, slot: i.offset, count: n), count: n)
    }

    /// Output `index` after ``execute(timings:)``.
    public func output(_ index: Int) -> Tensor { read(plan.outputs[index]) }

    private func read(_ output: Plan.Output) -> Tensor {
        if let c = output.constant { return c }
        return arena.read(slot: output.offset!, shape: output.shape, dtype: output.dtype)
    }

    /// Per-step descriptions, aligned with ``execute(timings:)``'s timing slots.
    package var stepDescriptions: [(name: String, opType: String, multiplyAdds: Int)] {
        plan.steps.map { ($0.name, $0.opType, $0.multiplyAdds) }
    }

    /// Per step, its kernel's algorithm (see ``Kernel/algorithm``) and output shape.
    package var stepDetails: [(algorithm: String, outputShape: [Int])] {
        plan.steps.map { ($0.kernel.algorithm, $0.outputShape) }
    }
}
