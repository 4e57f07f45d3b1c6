import Foundation
import NNRuntime
import NNTensor
import ONNXFormat

/// One ONNX test case: a folder with `model.onnx` and `test_data_set_N/input_K.pb`, `output_K.pb` (the layout of
/// ONNX's backend node tests and of the model zoo).
package struct ONNXTestCase: Sendable, Equatable {
    /// The case folder's path.
    package var folder: String

    /// The model file every case folder holds.
    package static let modelFileName = "model.onnx"
    /// `u2net-run check`'s default: |actual − expected| ≤ 1e-7 + 1e-3·|expected|.
    package static let defaultTolerance = Tolerance(absolute: 1e-7, relative: 1e-3)

    package init(folder: String) {
        self.folder = folder
    }

    /// The case's name: its folder's last path component.
    package var name: String { URL(fileURLWithPath: folder).lastPathComponent }

    /// Runs every data set through the engine and compares each expected output with ours.
    ///
    /// Inputs pair with the graph's fed inputs in order; expected outputs with the graph's outputs in order.
    /// Stops at the first data set that mismatches or cannot be run.
    /// - Parameter threads: worker threads (default: every core).
    package func run(tolerance: Tolerance = defaultTolerance, threads: Int? = nil) -> CaseOutcome {
        let model: ONNXModel
        do { model = try ONNXModel.load(path: folder + "/" + Self.modelFileName) } catch {
            return CaseOutcome(result: .refused, detail: "\(error)")
        }
        let ops = Array(Set(model.graph.nodes.map(\.opType))).sorted()
        let sets = TestDataSet.names(in: folder)
        guard !sets.isEmpty else { return CaseOutcome(result: .refused, detail: "no test_data_set_* folder", ops: ops) }
        for set in sets {
            do {
                let data = try TestDataSet.load(caseFolder: folder, name: set)
                if let failure = try check(data, model: model, tolerance: tolerance, threads: threads) {
                    return CaseOutcome(result: failure.result, detail: failure.detail, ops: ops)
                }
            } catch {
                return CaseOutcome(result: .refused, detail: "\(error)", ops: ops)
            }
        }
        return CaseOutcome(result: .pass, ops: ops)
    }

    /// One data set: nil when every output matches, else the mismatch or refusal.
    private func check(_ data: TestDataSet, model: ONNXModel, tolerance: Tolerance,
                       threads: Int?) throws -> (result: CaseOutcome.Result, detail: String)? {
        let feeds = model.graph.feedInputs
        guard data.inputs.count <= feeds.count else {
            return (.refused, "\(data.name): \(data.inputs.count) inputs for a graph with \(feeds.count)")
        }
        var inputs: [String: Tensor] = [:]
        for (info, t) in zip(feeds, data.inputs) {
            inputs[info.name] = try Tensor(testData: t, what: "input '\(info.name)'")
        }
        let planned = try CasePlan.make(model: model, inputs: inputs, threads: threads)
        let results = try Session(plan: planned.plan).run(planned.runtimeFeeds)
        for (output, want) in zip(model.graph.outputs, data.expectedOutputs) {
            guard let got = results[output.name] else { return (.refused, "output '\(output.name)' missing") }
            let expected = try Tensor(testData: want, what: "output '\(output.name)'")
            if let failure = tolerance.compare(actual: got, expected: expected).failure {
                return (.mismatch, "\(data.name) output '\(output.name)': \(failure)")
            }
        }
        return nil
    }
}
