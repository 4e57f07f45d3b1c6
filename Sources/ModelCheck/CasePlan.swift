import NNRuntime
import NNTensor
import ONNXFormat

/// A case's model planned for one data set's inputs, and the inputs left to feed at run time.
struct CasePlan {
    let plan: Plan
    /// Inputs fed when running, by graph input name (non-empty float32 tensors).
    let runtimeFeeds: [String: Tensor]

    /// Plans `model` for `inputs` (by graph input name).
    ///
    /// Non-empty float32 inputs are fed at run time; integer, boolean and empty inputs are folded in when
    /// planning. Some float inputs are parameters the engine needs when planning (Resize scales, Clip bounds,
    /// weights): when the planner refuses an operator, it plans again with every input known, so the graph folds.
    /// - Throws: the planner's ``RuntimeError``.
    static func make(model: ONNXModel, inputs: [String: Tensor], threads: Int?) throws -> CasePlan {
        var shapes: [String: [Int]] = [:], runtime: [String: Tensor] = [:], planned: [String: Tensor] = [:]
        for (name, tensor) in inputs {
            if tensor.dtype == .float32 && tensor.count > 0 {
                shapes[name] = tensor.shape
                runtime[name] = tensor
            } else {
                planned[name] = tensor
            }
        }
        do {
            let plan = try Plan(model: model, inputShapes: shapes, threads: threads,
                                options: PlanOptions(inputValues: planned))
            return CasePlan(plan: plan, runtimeFeeds: runtime)
        } catch let first as RuntimeError {
            guard case .unsupportedOperator = first, !runtime.isEmpty else { throw first }
            planned.merge(runtime) { $1 }
            let plan = try Plan(model: model, inputShapes: [:], threads: threads,
                                options: PlanOptions(inputValues: planned))
            return CasePlan(plan: plan, runtimeFeeds: [:])
        }
    }
}
