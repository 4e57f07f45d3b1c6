import NNTensor
import ONNXFormat

/// What planning knows about a value: its static shape and type, and its contents when constant.
package struct ValueState {
    package var shape: [Int]
    package var dtype: DType
    /// Known at plan time: an initializer or the result of folding.
    package var constant: Tensor?
}

/// What an op handler sees of a node while planning: attributes, inputs' states, the opset.
struct NodeContext {
    let node: ONNXNode
    let opset: Int64
    /// States of the node's inputs, in order; nil for an omitted optional input.
    let inputs: [ValueState?]
    let options: PlanOptions

    var op: String { node.opType }
    var name: String { node.name.isEmpty ? node.outputs.first ?? "?" : node.name }

    func invalid(_ detail: String) -> RuntimeError { .invalidNode(op: op, node: name, detail: detail) }
    func unsupported(_ detail: String) -> RuntimeError {
        .unsupportedOperator(op: op, domain: node.domain, node: name, opset: opset, detail: detail)
    }

    // MARK: Inputs

    func input(_ i: Int) throws -> ValueState {
        guard i < inputs.count, let s = inputs[i] else { throw invalid("input \(i) is missing") }
        return s
    }

    func optionalInput(_ i: Int) -> ValueState? { i < inputs.count ? inputs[i] : nil }

    func constantInput(_ i: Int) throws -> Tensor {
        guard let c = try input(i).constant else {
            throw unsupported("input \(i) ('\(node.inputs[i])') must be known when the graph is planned")
        }
        return c
    }

    var allInputsConstant: Bool { inputs.allSatisfy { $0 == nil || $0!.constant != nil } }

    // MARK: Attributes

    func int(_ name: String) -> Int? {
        if case .int(let v)? = node.attributes[name] { return Int(v) }
        return nil
    }
    func int(_ name: String, default d: Int) -> Int { int(name) ?? d }

    func float(_ name: String) -> Float? {
        switch node.attributes[name] {
        case .float(let v)?: return v
        case .int(let v)?: return Float(v)
        default: return nil
        }
    }

    func ints(_ name: String) -> [Int]? {
        switch node.attributes[name] {
        case .ints(let v)?: return v.map { Int($0) }
        case .int(let v)?: return [Int(v)]
        default: return nil
        }
    }

    func floats(_ name: String) -> [Float]? {
        if case .floats(let v)? = node.attributes[name] { return v }
        return nil
    }

    func string(_ name: String) -> String? {
        if case .string(let v)? = node.attributes[name] { return v }
        return nil
    }

    func tensor(_ name: String) -> ONNXTensor? {
        if case .tensor(let t)? = node.attributes[name] { return t }
        return nil
    }

    /// Normalises a possibly negative axis against `rank`.
    func axis(_ a: Int, rank: Int) throws -> Int {
        let r = a < 0 ? a + rank : a
        guard r >= 0 && r < max(rank, 1) else { throw invalid("axis \(a) is out of range for rank \(rank)") }
        return r
    }
}

/// What planning a node produced.
enum NodeResult {
    /// Every output is known now: the node disappears from the plan.
    case constants([Tensor])
    /// The node runs at inference time.
    case runtime(outputs: [(shape: [Int], dtype: DType)], op: PlannedOp)
}

extension DType {
    package init(onnx: TensorDataType) {
        switch onnx {
        case .float: self = .float32
        case .double: self = .float64
        case .float16, .bfloat16: self = .float16
        case .int64: self = .int64
        case .int32: self = .int32
        case .int16: self = .int16
        case .int8: self = .int8
        case .uint8: self = .uint8
        case .uint16: self = .uint16
        case .uint32: self = .uint32
        case .uint64: self = .uint64
        case .bool: self = .bool
        case .string: self = .int64  // never reached: string tensors are refused by the reader
        }
    }
}

extension Tensor {
    /// Converts a decoded ONNX tensor.
    package init(onnx t: ONNXTensor) {
        let type = DType(onnx: t.dataType)
        if type.isFloatingPoint {
            self.init(shape: t.dims, values: t.floatValues(), dtype: type)
        } else {
            self.init(shape: t.dims, integers: t.int64Values(), dtype: type)
        }
    }
}
