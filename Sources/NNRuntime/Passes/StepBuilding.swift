import NNTensor

/// Builds each step's kernel with what was fused into it and binds its inputs and outputs to arena
/// offsets; also the plan's inputs and outputs.
package struct StepBuilding {
    package let threads: Int

    package struct Built {
        package var steps: [Plan.Step] = []
        package var inputs: [Plan.Input] = []
        package var outputs: [Plan.Output] = []
        /// The largest scratch any kernel needs at `threads` threads.
        package var scratchFloats = 0
        /// Convolutions that run, and their multiply-adds per run.
        package var convolutions = 0
        package var multiplyAdds = 0
        /// Multiply-adds of every step (convolutions, MatMul, Gemm, Einsum…).
        package var allMultiplyAdds = 0
    }

    package init(threads: Int) { self.threads = threads }

    package func build(_ graph: PlanGraph, layout: MemoryPlanning.Layout) -> Built {
        var built = Built()
        for step in graph.steps {
            if step.residual != nil, let target = step.op as? AcceptsResidual { target.residualSlot = step.stepInputs.count - 1 }
            let kernel = step.op.makeKernel()
            built.scratchFloats = max(built.scratchFloats, kernel.scratchFloats(threads: threads))
            let inputs = step.stepInputs.map { graph.isRunTime($0) ? layout.offset($0) : -1 }
            let inputCounts = step.stepInputs.map { graph.isRunTime($0) ? graph.elementCount($0) : 0 }
            let outputCounts = step.outputs.map { $0.isEmpty || graph.states[$0] == nil ? 0 : graph.elementCount($0) }
            built.steps.append(Plan.Step(name: step.name, opType: step.op.opType, kernel: kernel, inputs: inputs,
                                         outputs: step.outputs.map { $0.isEmpty ? -1 : layout.offset($0) },
                                         inputCounts: inputCounts, outputCounts: outputCounts,
                                         multiplyAdds: step.op.multiplyAdds,
                                         outputShape: step.outputs.first.flatMap { graph.states[$0]?.shape } ?? []))
            built.allMultiplyAdds += step.op.multiplyAdds
            if step.op.opType == "Conv" || step.op.opType == "DeformConv" {
                built.convolutions += 1
                built.multiplyAdds += step.op.multiplyAdds
            }
        }
        built.inputs = graph.feedNames.map { Plan.Input(name: $0, shape: graph.states[$0]!.shape, dtype: graph.states[$0]!.dtype,
                                                          offset: layout.offset($0)) }
        built.outputs = graph.outputNames.map { name in
            let s = graph.states[name]!
            return Plan.Output(name: name, shape: s.shape, dtype: s.dtype, offset: s.constant == nil ? layout.offset(name) : nil,
                               constant: s.constant)
        }
        return built
    }
}
