import NNTensor
import ONNXFormat

/// Rewrites of the ONNX graph before planning.
enum GraphRewrites {
    /// Folds each inference-mode BatchNormalization whose input is a Conv with known weights (and known
    /// statistics, read by nothing else) into that Conv: per output channel `k = scale / √(var + ε)`,
    /// `W' = W · k`, `b' = (b − mean) · k + B`. Returns the graph and the number folded.
    static func foldBatchNorms(_ graph: ONNXGraph) -> (ONNXGraph, Int) {
        var initializers: [String: ONNXTensor] = [:]
        for t in graph.initializers { initializers[t.name] = t }
        var consumers: [String: Int] = [:]
        for n in graph.nodes { for i in n.inputs where !i.isEmpty { consumers[i, default: 0] += 1 } }
        let outputs = Set(graph.outputs.map(\.name))
        var producer: [String: Int] = [:]
        for (k, n) in graph.nodes.enumerated() { for o in n.outputs { producer[o] = k } }

        var nodes = graph.nodes
        var removed = Set<Int>()
        var added: [ONNXTensor] = []
        var folded = 0
        for (b, bn) in graph.nodes.enumerated() where bn.opType == "BatchNormalization" && bn.domain.isEmpty {
            guard bn.inputs.count == 5, bn.outputs.filter({ !$0.isEmpty }).count == 1,
                  (bn.attributes["training_mode"].flatMap { if case .int(let v) = $0 { return v } else { return nil } } ?? 0) == 0,
                  let c = producer[bn.inputs[0]], !removed.contains(c) else { continue }
            let conv = nodes[c]
            guard conv.opType == "Conv", conv.domain.isEmpty, conv.outputs.count == 1, consumers[conv.outputs[0]] == 1,
                  !outputs.contains(conv.outputs[0]), conv.inputs.count >= 2,
                  let w = initializers[conv.inputs[1]], w.dataType == .float, w.dims.count >= 3 else { continue }
            let params = bn.inputs[1...4].map { initializers[$0] }
            guard params.allSatisfy({ $0 != nil && $0!.dataType == .float }) else { continue }
            let bias = conv.inputs.count > 2 && !conv.inputs[2].isEmpty ? initializers[conv.inputs[2]] : nil
            if conv.inputs.count > 2 && !conv.inputs[2].isEmpty && bias == nil { continue }
            let cout = w.dims[0]
            let scale = params[0]!.floatValues(), shift = params[1]!.floatValues()
            let mean = params[2]!.floatValues(), variance = params[3]!.floatValues()
            guard [scale, shift, mean, variance].allSatisfy({ $0.count == cout }) else { continue }
            let eps: Double
            switch bn.attributes["epsilon"] {
            case .float(let e)?: eps = Double(e)
            default: eps = 1e-5
            }
            var weights = w.floatValues()
            let per = weights.count / cout
            var biasValues = bias?.floatValues() ?? [Float](repeating: 0, count: cout)
            for k in 0..<cout {
                let factor = Double(scale[k]) / (Double(variance[k]) + eps).squareRoot()
                for i in 0..<per { weights[k * per + i] = Float(Double(weights[k * per + i]) * factor) }
                biasValues[k] = Float((Double(biasValues[k]) - Double(mean[k])) * factor + Double(shift[k]))
            }
            let wName = "\(conv.inputs[1])/folded:\(bn.outputs[0])", bName = "\(conv.inputs.count > 2 ? conv.inputs[2] : "bias")/folded:\(bn.outputs[0])"
            added.append(ONNXTensor(name: wName, dataType: .float, dims: w.dims, payload: .floats(weights)))
            added.append(ONNXTensor(name: bName, dataType: .float, dims: [cout], payload: .floats(biasValues)))
            var rewritten = conv
            rewritten.inputs = [conv.inputs[0], wName, bName]
            rewritten.outputs = [bn.outputs[0]]
            nodes[c] = rewritten
            removed.insert(b)
            folded += 1
        }
        guard folded > 0 else { return (graph, 0) }
        var out = graph
        out.nodes = nodes.enumerated().filter { !removed.contains($0.offset) }.map(\.element)
        out.initializers += added
        return (out, folded)
    }
}
