import NNTensor
import ONNXFormat

/// Defines the values known before any node runs: initializers (constants, counted as parameters when
/// floating point) and values the caller gives for graph inputs.
package struct ConstantBinding: PlanPass {
    package let initializers: [ONNXTensor]
    /// Values given for graph inputs; names that are not graph inputs are ignored.
    package let inputValues: [String: Tensor]
    package let inputs: [ONNXValueInfo]

    package init(initializers: [ONNXTensor], inputValues: [String: Tensor], inputs: [ONNXValueInfo]) {
        self.initializers = initializers
        self.inputValues = inputValues
        self.inputs = inputs
    }

    package func run(on graph: PlanGraph) throws -> Int {
        for t in initializers {
            let tensor = Tensor(onnx: t)
            graph.states[t.name] = ValueState(shape: t.dims, dtype: tensor.dtype, constant: tensor)
            if tensor.dtype.isFloatingPoint { graph.parameterCount += t.elementCount }
        }
        var bound = initializers.count
        for info in inputs {
            guard let value = inputValues[info.name] else { continue }
            graph.states[info.name] = ValueState(shape: value.shape, dtype: value.dtype, constant: value)
            bound += 1
        }
        return bound
    }
}

/// Fixes the shape of every graph input fed at run time: the caller's shape, checked against the
/// declaration (a different height and width of an NCHW input is allowed), or the declared fixed shape.
package struct InputBinding: PlanPass {
    package let inputs: [ONNXValueInfo]
    package let givenShapes: [String: [Int]]
    /// Inputs whose values are given (``ConstantBinding``): not fed.
    package let knownInputs: Set<String>

    package init(inputs: [ONNXValueInfo], givenShapes: [String: [Int]], knownInputs: Set<String>) {
        self.inputs = inputs
        self.givenShapes = givenShapes
        self.knownInputs = knownInputs
    }

    package func run(on graph: PlanGraph) throws -> Int {
        for info in inputs where !knownInputs.contains(info.name) {
            let shape = try resolvedShape(info)
            guard shape.allSatisfy({ $0 > 0 }), shape.reduce(1, *) <= 1 << 31 else {
                throw RuntimeError.badInput(name: info.name, detail: "invalid shape \(shape)")
            }
            let dtype = info.elementType.map { DType(onnx: $0) } ?? .float32
            if dtype.arenaElement == nil || info.elementType == .bfloat16 || info.elementType == .string {
                throw RuntimeError.badInput(name: info.name, detail: "inputs of type \(info.elementType.map { "\($0)" } ?? "?") are not supported (float32, float16, float64, int64, int32 and bool are)")
            }
            graph.states[info.name] = ValueState(shape: shape, dtype: dtype, constant: nil)
            graph.feedNames.append(info.name)
        }
        for name in givenShapes.keys where !graph.feedNames.contains(name) && !knownInputs.contains(name) {
            throw RuntimeError.badInput(name: name, detail: "the model has no such input (inputs: \(graph.feedNames.joined(separator: ", ")))")
        }
        return graph.feedNames.count
    }

    private func resolvedShape(_ info: ONNXValueInfo) throws -> [Int] {
        guard let given = givenShapes[info.name] else {
            guard let declared = info.shape else {
                throw RuntimeError.badInput(name: info.name, detail: "no declared shape: give the input shape")
            }
            return try declared.map { d -> Int in
                guard case .fixed(let n) = d, n > 0 else {
                    throw RuntimeError.badInput(name: info.name, detail: "dimension '\(d)' is not fixed: give the input shape")
                }
                return n
            }
        }
        if let declared = info.shape {
            guard declared.count == given.count else {
                throw RuntimeError.badInput(name: info.name, detail: "rank \(given.count) given, the model declares \(declared)")
            }
            for (d, g) in zip(declared, given) {
                if case .fixed(let n) = d, n > 0, n != g, !Self.isSpatialOverride(declared, given) {
                    throw RuntimeError.badInput(name: info.name, detail: "shape \(given) conflicts with the declared \(declared)")
                }
            }
        }
        return given
    }

    /// An NCHW input whose batch and channels match and whose spatial size is overridden.
    static func isSpatialOverride(_ declared: [ONNXDimension], _ given: [Int]) -> Bool {
        guard declared.count == 4 else { return false }
        for i in 0..<2 {
            if case .fixed(let n) = declared[i], n != given[i] { return false }
        }
        return true
    }
}
