import Foundation
import NNTensor
import ONNXFormat

/// A graph planned for fixed input shapes: constants folded, dead nodes dropped, activations fused,
/// every run-time value assigned a place in one arena. Immutable and shareable; a ``Session``
/// owns the arena and runs it.
public final class Plan: @unchecked Sendable {
    /// A graph input a caller feeds.
    public struct Input: Sendable {
        /// The graph input's name.
        public let name: String
        /// The shape planned for, outermost first (NCHW for images).
        public let shape: [Int]
        /// Its element type (float32 for images; integer and boolean inputs are fed as such).
        public let dtype: DType
        let offset: Int
    }

    /// A graph output, read from the arena or known at plan time.
    public struct Output: Sendable {
        /// The graph output's name.
        public let name: String
        /// Its shape at the planned input shapes.
        public let shape: [Int]
        /// Its element type.
        public let dtype: DType
        let offset: Int?
        let constant: Tensor?
    }

    /// One kernel call.
    package struct Step {
        package let name: String
        package let opType: String
        package let kernel: Kernel
        /// Arena offsets of the step's inputs (-1: a constant or omitted input) and outputs, in 4-byte slots.
        package let inputs: [Int]
        package let outputs: [Int]
        /// Element counts of the step's inputs and outputs.
        package let inputCounts: [Int]
        package let outputCounts: [Int]
        package let multiplyAdds: Int
        /// Shape of the first output.
        package let outputShape: [Int]
    }

    /// The inputs a caller feeds, in the graph's order.
    public let inputs: [Input]
    /// The graph's outputs, in the graph's order.
    public let outputs: [Output]
    package let steps: [Step]
    /// 4-byte slots of the value region plus the scratch region (a value takes its element count times its
    /// element width, rounded up to slots: see ``ArenaMemory``).
    public let arenaFloats: Int
    let scratchOffset: Int
    /// Threads the kernels split their work over.
    public let threads: Int
    /// What planning did and what a run costs.
    public let statistics: PlanStatistics

    init(inputs: [Input], outputs: [Output], steps: [Step], valueFloats: Int, scratchFloats: Int,
         threads: Int, statistics: PlanStatistics) {
        self.inputs = inputs
        self.outputs = outputs
        self.steps = steps
        self.scratchOffset = valueFloats
        self.arenaFloats = valueFloats + scratchFloats
        self.threads = threads
        self.statistics = statistics
    }

    /// Plans `model` for the given input shapes.
    /// - Parameters:
    ///   - inputShapes: shapes by input name; inputs not named keep their declared (fixed) shape.
    ///   - threads: worker threads (default: every core).
    ///   - options: algorithm choices (the default picks the fastest kernels).
    public convenience init(model: ONNXModel, inputShapes: [String: [Int]] = [:], threads: Int? = nil,
                            options: PlanOptions = PlanOptions()) throws {
        let t = max(1, threads ?? ProcessInfo.processInfo.activeProcessorCount)
        try self.init(planner: Planner(model: model, inputShapes: inputShapes, threads: t, options: options))
    }

    convenience init(planner: Planner) throws {
        let p = try planner.plan()
        self.init(inputs: p.inputs, outputs: p.outputs, steps: p.steps, valueFloats: p.valueFloats,
                  scratchFloats: p.scratchFloats, threads: planner.threads, statistics: p.statistics)
    }

    /// Kernel calls per run.
    public var stepCount: Int { steps.count }
    /// Op type of each kernel call, in order (a fused Conv+Relu counts as Conv).
    public var stepOpTypes: [String] { steps.map(\.opType) }

    /// One line per step — name, op, algorithm, input and output arena offsets — then the arena's layout:
    /// two plans with the same description run the same kernels on the same memory.
    package var layoutDescription: String {
        var lines = steps.map { s in
            "\(s.name) \(s.opType) [\(s.kernel.algorithm)] in \(s.inputs) out \(s.outputs) shape \(s.outputShape)"
        }
        lines.append("inputs \(inputs.map { "\($0.name)@\($0.offset)" }) outputs \(outputs.map { "\($0.name)@\($0.offset ?? -1)" })")
        lines.append("values \(scratchOffset) floats, scratch \(arenaFloats - scratchOffset) floats")
        return lines.joined(separator: "\n") + "\n"
    }
}

/// Choices a caller can make about how a graph is planned.
public struct PlanOptions: Sendable {
    /// Which convolution algorithm to use where several apply.
    public enum Convolution: Sendable {
        /// The fastest kernel for each convolution's shape.
        case automatic
        /// im2col + sgemm everywhere: the reference path the fast kernels are tested against.
        case im2col
        /// Direct convolution wherever it applies (im2col elsewhere).
        case direct
        /// Winograd F(4×4, 3×3) wherever it applies (direct, then im2col, elsewhere).
        case winograd
        /// Winograd F(2×2, 3×3) wherever it applies (direct, then im2col, elsewhere).
        case winograd2x2
    }

    /// The convolution algorithm (default: the fastest for each shape).
    public var convolution: Convolution
    /// Values of graph inputs known when planning (integer and boolean inputs of test cases, typically):
    /// they fold like initializers and are not inputs of the plan.
    public var inputValues: [String: Tensor]

    /// Options; the defaults plan for speed with every input fed at run time.
    public init(convolution: Convolution = .automatic, inputValues: [String: Tensor] = [:]) {
        self.convolution = convolution
        self.inputValues = inputValues
    }
}

/// Counts that describe a planned graph.
public struct PlanStatistics: Sendable {
    /// Node count per op type in the graph as loaded.
    public var graphOpCounts: [String: Int]
    /// Elements in all floating-point initializers.
    public var parameterCount: Int
    /// Convolutions that run, and their multiply-adds per run.
    public var convolutionCount: Int
    /// Multiply-adds of those convolutions per run.
    public var multiplyAdds: Int
    /// Nodes removed by folding and dead-code removal, and activations fused into producers.
    public var foldedNodes: Int
    /// Relu / Clip nodes applied by the convolution before them as it stores.
    public var fusedActivations: Int
    /// Concats removed because their inputs are written straight into the output.
    public var elidedConcats: Int = 0
    /// Residual Adds folded into the convolution that produces one of their operands.
    public var fusedResiduals: Int = 0
    /// Channel Concats removed because the convolution reading them reads each input where it lies.
    public var concatsReadInPlace: Int = 0
    /// Resizes removed because the convolution reading them resizes each row as it reads it.
    public var resizesReadInPlace: Int = 0
    /// BatchNormalizations folded into the convolution before them.
    public var foldedBatchNorms: Int = 0
    /// Deformable convolutions written as ordinary ops (Pad, index arithmetic, four GatherND, Sum, Conv) run as
    /// one `DeformConv` kernel instead.
    public var fusedDeformChains: Int = 0
    /// Multiply-adds per run of every step: the convolutions' plus MatMul, Gemm and Einsum's.
    public var allMultiplyAdds: Int = 0
}
