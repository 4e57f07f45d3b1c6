import Foundation
import NNRuntime
import NNTensor
import ONNXFormat

/// An ONNX model loaded once and planned for one input shape at a time.
///
/// ```swift
/// let model = try InferenceModel(path: "Weights/u2netp.onnx")
/// let outputs = try model.run(input)   // input: 1×3×320×320 float32 → seven 1×1×320×320 maps
/// ```
public final class InferenceModel {
    /// The model file.
    public let path: String
    /// The decoded graph.
    public let model: ONNXModel
    /// Threads each run splits its work over.
    public let threads: Int
    /// Algorithm choices used for every plan.
    public var planOptions = PlanOptions()
    /// Planned sessions by input shape, most recent last; at most ``keptSessions`` are kept (aspect-preserving
    /// models such as MODNet see a new shape with nearly every photo).
    private var sessions: [(shape: [Int], session: Session)] = []
    private let keptSessions = 2
    private let lock = NSLock()

    /// Loads and decodes the model file; nothing is planned yet.
    /// - Parameter threads: worker threads for inference (default: every core).
    public init(path: String, threads: Int? = nil) throws {
        self.path = path
        self.model = try ONNXModel.load(path: path)
        self.threads = max(1, threads ?? ProcessInfo.processInfo.activeProcessorCount)
    }

    /// The single input's declared shape, with symbolic dimensions as nil.
    public var declaredInputShape: [Int?] {
        (model.graph.feedInputs.first?.shape ?? []).map { if case .fixed(let n) = $0 { return n } else { return nil } }
    }

    /// The session for an input shape, planned on first use and kept while recently used.
    public func session(inputShape: [Int]) throws -> Session {
        lock.lock(); defer { lock.unlock() }
        if let k = sessions.firstIndex(where: { $0.shape == inputShape }) {
            let s = sessions.remove(at: k)
            sessions.append(s)
            return s.session
        }
        guard let input = model.graph.feedInputs.first, model.graph.feedInputs.count == 1 else {
            throw RuntimeError.invalidGraph("expected one input, the model has \(model.graph.feedInputs.count)")
        }
        let plan = try Plan(model: model, inputShapes: [input.name: inputShape], threads: threads, options: planOptions)
        let s = Session(plan: plan)
        sessions.append((inputShape, s))
        if sessions.count > keptSessions { sessions.removeFirst() }
        return s
    }

    /// Plans for the shape this model declares, or NCHW with `size` × `size` spatial dimensions.
    public func plan(size: Int? = nil) throws -> Plan {
        try session(inputShape: inputShape(size: size)).plan
    }

    /// The input shape at an inference size: the declared shape with H and W replaced.
    public func inputShape(size: Int? = nil) throws -> [Int] {
        var shape = declaredInputShape
        if let size {
            guard shape.count == 4 else { throw RuntimeError.badInput(name: "size", detail: "the input is not NCHW") }
            shape[2] = size
            shape[3] = size
        }
        if shape.count == 4, shape[0] == nil { shape[0] = 1 }
        guard shape.allSatisfy({ $0 != nil }) else {
            throw RuntimeError.badInput(name: model.graph.feedInputs.first?.name ?? "?",
                                        detail: "dynamic dimensions: give a size")
        }
        return shape.map { $0! }
    }

    /// Runs the graph on one input tensor; returns the outputs in graph order.
    public func run(_ input: Tensor) throws -> [Tensor] {
        try session(inputShape: input.shape).run(input)
    }
}
