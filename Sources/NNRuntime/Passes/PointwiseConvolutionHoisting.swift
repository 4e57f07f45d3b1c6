import NNTensor
import ONNXFormat

/// A 1×1 convolution (stride 1, no padding, one group) that narrows channels, read from a linear or nearest Resize
/// that nothing else reads, runs before the Resize instead: `Conv(Resize(x))` becomes `Resize(Conv(x))`.
///
/// Both are linear in the value and the Resize treats every channel alike with taps that sum to 1, so the two
/// orders agree up to rounding (the bias passes through the interpolation unchanged); the second resizes
/// `Cout` planes instead of `Cin`. BiRefNet's head — 48 channels at 256² brought to 1024² by an align-corners
/// Resize, then a 1×1 convolution to one channel — interpolates 1 plane instead of 48. Returns the pairs swapped.
package struct PointwiseConvolutionHoisting: PlanPass {
    let opset: Int64
    let options: PlanOptions

    package init(opset: Int64, options: PlanOptions) {
        self.opset = opset
        self.options = options
    }

    package func run(on graph: PlanGraph) throws -> Int {
        let reads = graph.nodeReadCounts()
        let producers = graph.producers()
        var swapped = 0
        for conv in graph.steps where conv.node.opType == "Conv" && conv.node.domain.isEmpty && !conv.removed {
            let inputs = conv.node.inputs
            guard inputs.count >= 2, let resized = inputs.first, graph.readOnceInside(resized, reads),
                  let resize = producers[resized], !resize.removed, resize.op is ResizeOp, resize.node.outputs.count == 1,
                  let source = resize.node.inputs.first, let x = graph.states[source], x.dtype == .float32, x.shape.count == 4,
                  let weight = graph.states[inputs[1]], weight.constant != nil, weight.shape.count == 4,
                  weight.shape[2] == 1, weight.shape[3] == 1, weight.shape[0] < weight.shape[1],
                  Self.isPlainPointwise(conv.node) else { continue }
            let narrowed = "\(conv.name):before-resize"
            var convolution = conv.node
            convolution.inputs[0] = source
            convolution.outputs = [narrowed]
            guard case let .runtime(convOutputs, convOp) = try Operators.plan(context(convolution, graph)),
                  convOutputs.count == 1 else { continue }
            graph.states[narrowed] = ValueState(shape: convOutputs[0].shape, dtype: convOutputs[0].dtype, constant: nil)
            var interpolation = resize.node
            interpolation.inputs[0] = narrowed
            interpolation.outputs = conv.outputs
            // Explicit output sizes name the channel count: give the Resize the narrowed one.
            if interpolation.inputs.count > 3, let sizes = graph.states[interpolation.inputs[3]]?.constant, sizes.shape == [4] {
                var values = sizes.integers
                values[1] = Int64(weight.shape[0])
                let name = "\(conv.name):resize-sizes"
                graph.states[name] = ValueState(shape: [4], dtype: sizes.dtype, constant: Tensor(shape: [4], integers: values, dtype: sizes.dtype))
                interpolation.inputs[3] = name
            }
            guard case let .runtime(resizeOutputs, resizeOp) = try Operators.plan(context(interpolation, graph)),
                  resizeOutputs.first?.shape == graph.states[conv.outputs[0]]?.shape else {
                graph.states[narrowed] = nil
                continue
            }
            graph.replace(resize, with: PlanStep(node: convolution, op: convOp))
            graph.replace(conv, with: PlanStep(node: interpolation, op: resizeOp))
            graph.states[resized] = nil
            swapped += 1
        }
        return swapped
    }

    private func context(_ node: ONNXNode, _ graph: PlanGraph) -> NodeContext {
        NodeContext(node: node, opset: opset, inputs: node.inputs.map { $0.isEmpty ? nil : graph.states[$0] }, options: options)
    }

    /// Stride 1, no padding, no dilation, one group (the attributes' defaults or explicit).
    static func isPlainPointwise(_ node: ONNXNode) -> Bool {
        func ints(_ name: String) -> [Int64]? {
            switch node.attributes[name] {
            case .ints(let v)?: return v
            case .int(let v)?: return [v]
            default: return nil
            }
        }
        if case .int(let g)? = node.attributes["group"], g != 1 { return false }
        if case .string(let p)? = node.attributes["auto_pad"], p != "NOTSET" && p != "VALID" { return false }
        return (ints("strides") ?? [1, 1]).allSatisfy { $0 == 1 } && (ints("dilations") ?? [1, 1]).allSatisfy { $0 == 1 }
            && (ints("pads") ?? [0, 0, 0, 0]).allSatisfy { $0 == 0 }
    }
}
