import NNTensor
import ONNXFormat

/// Turns a graph into a ``Plan`` by running passes over a ``PlanGraph``, in this order: constants and
/// inputs bound, shapes inferred with folding, dead steps removed, deformable-convolution chains fused,
/// narrowing 1×1 convolutions moved ahead of the Resize feeding them, pairs of inverse Transposes elided,
/// transformer patterns fused (transposed MatMul operands, biases, GELU, decomposed LayerNorm, Softmax addends,
/// chains of row moves, attention's two products and softmax, the qkv product moved ahead of the window
/// gather), activations and residual Adds fused into their producers, Concats and Resizes read in place by the
/// convolution after them, Concats elided, Transposes made strided copies, Reshapes made views, memory placed,
/// kernels built.
struct Planner {
    let model: ONNXModel
    let inputShapes: [String: [Int]]
    let threads: Int
    let options: PlanOptions

    struct Result {
        var inputs: [Plan.Input]
        var outputs: [Plan.Output]
        var steps: [Plan.Step]
        var valueFloats: Int
        var scratchFloats: Int
        var statistics: PlanStatistics
    }

    func plan() throws -> Result {
        let (onnx, foldedBatchNorms) = GraphRewrites.foldBatchNorms(model.graph)
        let graph = PlanGraph(outputNames: onnx.outputs.map(\.name))
        try ConstantBinding(initializers: onnx.initializers, inputValues: options.inputValues, inputs: onnx.feedInputs).run(on: graph)
        try InputBinding(inputs: onnx.feedInputs, givenShapes: inputShapes, knownInputs: Set(options.inputValues.keys)).run(on: graph)
        try ShapeInference(nodes: onnx.nodes, opset: model.opsetVersion, options: options).run(on: graph)
        try DeadStepRemoval().run(on: graph)
        let removedNodes = model.graph.nodes.count - graph.steps.count  // folded into constants or never needed
        let fusedDeformChains = try DeformChainFusion(opset: model.opsetVersion, options: options).run(on: graph)
        _ = try PointwiseConvolutionHoisting(opset: model.opsetVersion, options: options).run(on: graph)
        _ = try InverseTransposeElision().run(on: graph)
        // Transformer layers: transposed operands, biases and GELUs into their MatMuls, decomposed LayerNorms
        // and Softmax addends into one kernel each.
        _ = try MatMulTransposeFolding().run(on: graph)
        _ = try MatMulBiasFusion().run(on: graph)
        _ = try GeluFusion().run(on: graph)
        _ = try LayerNormFusion().run(on: graph)
        _ = try SoftmaxAddFusion().run(on: graph)
        _ = try RowGatherFusion().run(on: graph)
        _ = try AttentionFusion().run(on: graph)
        _ = try ProjectionBeforeWindowGather().run(on: graph)
        let fusedActivations = try ActivationFusion().run(on: graph)
        let fusedResiduals = try ResidualFusion().run(on: graph)
        let concatsReadInPlace = try ConcatReadInPlace().run(on: graph)
        let resizesReadInPlace = try ResizeReadInPlace().run(on: graph)
        let elidedConcats = try ConcatElision().run(on: graph)
        _ = try PermutedCopySelection().run(on: graph)
        _ = try ReshapeAliasing().run(on: graph)
        let layout = MemoryPlanning().layout(graph)
        let built = StepBuilding(threads: threads).build(graph, layout: layout)

        var histogram: [String: Int] = [:]
        for n in model.graph.nodes { histogram[n.opType, default: 0] += 1 }
        let statistics = PlanStatistics(graphOpCounts: histogram, parameterCount: graph.parameterCount,
                                        convolutionCount: built.convolutions, multiplyAdds: built.multiplyAdds,
                                        foldedNodes: removedNodes, fusedActivations: fusedActivations,
                                        elidedConcats: elidedConcats, fusedResiduals: fusedResiduals,
                                        concatsReadInPlace: concatsReadInPlace, resizesReadInPlace: resizesReadInPlace,
                                        foldedBatchNorms: foldedBatchNorms, fusedDeformChains: fusedDeformChains,
                                        allMultiplyAdds: built.allMultiplyAdds)
        return Result(inputs: built.inputs, outputs: built.outputs, steps: built.steps, valueFloats: layout.valueFloats,
                      scratchFloats: built.scratchFloats, statistics: statistics)
    }
}
