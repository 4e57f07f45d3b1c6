import ArgumentParser
import Foundation
import U2Net

struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Describe a model: opset, inputs and outputs, op histogram, parameters, multiply-adds.")

    @Argument(help: "Model name or .onnx path.")
    var model: String = "u2netp"

    @Option(name: .long, help: "Plan at this input size (H = W) instead of the declared one.")
    var size: Int?

    @Flag(name: .long, help: "Print one JSON object.")
    var json = false

    func run() {
        reportingErrors {
            if let size, size < 1 || size > 16384 { throw ValidationError("--size must be in 1...16384") }
            let loaded = try InferenceModel(path: ModelLocator.locate(model))
            let graph = loaded.model.graph
            let plan = try loaded.plan(size: size)
            let s = plan.statistics
            func shape(_ dims: [ONNXDimension]?) -> String { dims.map { "[" + $0.map(\.description).joined(separator: ", ") + "]" } ?? "?" }
            if json {
                let object: [String: Any] = [
                    "model": loaded.path,
                    "ir_version": loaded.model.irVersion,
                    "opset": loaded.model.opsetVersion,
                    "producer": "\(loaded.model.producerName) \(loaded.model.producerVersion)",
                    "inputs": plan.inputs.map { ["name": $0.name, "shape": $0.shape] },
                    "outputs": plan.outputs.map { ["name": $0.name, "shape": $0.shape] },
                    "ops": s.graphOpCounts,
                    "parameters": s.parameterCount,
                    "convolutions": s.convolutionCount,
                    "multiply_adds": s.allMultiplyAdds,
                    "convolution_multiply_adds": s.multiplyAdds,
                    "fused_deform_chains": s.fusedDeformChains,
                    "steps": plan.stepCount,
                    "fused_activations": s.fusedActivations,
                    "elided_concats": s.elidedConcats,
                    "fused_residuals": s.fusedResiduals,
                    "concats_read_in_place": s.concatsReadInPlace,
                    "resizes_read_in_place": s.resizesReadInPlace,
                    "arena_bytes": plan.arenaFloats * 4,
                ]
                let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
                print(String(decoding: data, as: UTF8.self))
                return
            }
            print("model      \(loaded.path)")
            print("format     IR \(loaded.model.irVersion), opset \(loaded.model.opsetVersion), from \(loaded.model.producerName) \(loaded.model.producerVersion)")
            for i in graph.feedInputs { print("input      \(i.name) \(shape(i.shape)) \(i.elementType.map { "\($0)" } ?? "?")") }
            for (o, planned) in zip(graph.outputs, plan.outputs) {
                let declared = shape(o.shape)
                let actual = "\(planned.shape)"
                print("output     \(o.name) \(actual)" + (declared == actual ? "" : " (declared \(declared))"))
            }
            print("parameters \(String(format: "%.2f", Double(s.parameterCount) / 1e6)) M (\(s.parameterCount))")
            print("planned    input \(plan.inputs.map { "\($0.shape)" }.joined(separator: ", ")): \(plan.stepCount) steps, "
                  + "\(s.fusedActivations) activations fused, \(s.fusedResiduals) residual adds fused, \(s.concatsReadInPlace) concats and \(s.resizesReadInPlace) resizes read in place, \(s.elidedConcats) written in place, arena \(String(format: "%.1f", Double(plan.arenaFloats) * 4 / 1048576)) MiB")
            print("compute    \(String(format: "%.2f", Double(s.allMultiplyAdds) / 1e9)) G multiply-adds per run, "
                  + "\(String(format: "%.2f", Double(s.multiplyAdds) / 1e9)) G of them in \(s.convolutionCount) convolutions"
                  + (s.fusedDeformChains > 0 ? " (\(s.fusedDeformChains) deformable-convolution chains run as DeformConv)" : ""))
            print("ops")
            for (op, n) in s.graphOpCounts.sorted(by: { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }) {
                print("  \(op.padding(toLength: 14, withPad: " ", startingAt: 0)) \(n)")
            }
        }
    }
}
