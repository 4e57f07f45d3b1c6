/// ONNX's tensor element types, by their `TensorProto.DataType` codes.
public enum TensorDataType: Int32, Sendable, CustomStringConvertible {
    /// A type with its `TensorProto.DataType` code (`float` is float32, `double` float64).
    case float = 1, uint8 = 2, int8 = 3, uint16 = 4, int16 = 5, int32 = 6, int64 = 7, string = 8, bool = 9
    /// A type with its `TensorProto.DataType` code (`float16` is IEEE half, `bfloat16` brain float).
    case float16 = 10, double = 11, uint32 = 12, uint64 = 13, bfloat16 = 16

    /// Bytes per element in `raw_data`; nil for strings.
    public var byteWidth: Int? {
        switch self {
        case .uint8, .int8, .bool: return 1
        case .uint16, .int16, .float16, .bfloat16: return 2
        case .float, .int32, .uint32: return 4
        case .int64, .double, .uint64: return 8
        case .string: return nil
        }
    }

    /// NumPy's name for the type ("float32", "int64", "bool", …).
    public var description: String {
        switch self {
        case .float: return "float32"
        case .uint8: return "uint8"
        case .int8: return "int8"
        case .uint16: return "uint16"
        case .int16: return "int16"
        case .int32: return "int32"
        case .int64: return "int64"
        case .string: return "string"
        case .bool: return "bool"
        case .float16: return "float16"
        case .double: return "float64"
        case .uint32: return "uint32"
        case .uint64: return "uint64"
        case .bfloat16: return "bfloat16"
        }
    }
}

/// A decoded `TensorProto`. The payload is validated against `dims` when decoded.
public struct ONNXTensor: Sendable {
    /// The values as stored in the file, in the field they came from.
    public enum Payload: Sendable {
        /// Little-endian `raw_data` bytes (or bytes read from an external file).
        case raw([UInt8])
        /// `float_data`.
        case floats([Float])
        /// `double_data`.
        case doubles([Double])
        /// `int32_data`, which also carries int8/int16/uint8/uint16/bool/float16 values.
        case int32s([Int64])
        /// `int64_data`.
        case int64s([Int64])
        /// `uint64_data`, which also carries uint32 values.
        case uint64s([Int64])
    }

    /// The tensor's name (an initializer's value name).
    public var name: String
    /// The element type.
    public var dataType: TensorDataType
    /// The shape, outermost dimension first; empty for a scalar.
    public var dims: [Int]
    /// The values, `elementCount` of them, row-major.
    public var payload: Payload

    /// A tensor from its parts; `payload` must hold `dims`' element count of values of `dataType`.
    public init(name: String, dataType: TensorDataType, dims: [Int], payload: Payload) {
        self.name = name
        self.dataType = dataType
        self.dims = dims
        self.payload = payload
    }

    /// Number of elements: the product of `dims` (1 for a scalar).
    public var elementCount: Int { dims.reduce(1, *) }

    /// The values converted to Float (for float, double, float16 and integer types).
    public func floatValues() -> [Float] {
        switch payload {
        case .floats(let v): return v
        case .doubles(let v): return v.map { Float($0) }
        case .int32s(let v), .int64s(let v), .uint64s(let v):
            if dataType == .float16 { return v.map { Float(Float16(bitPattern: UInt16(truncatingIfNeeded: $0))) } }
            return v.map { Float($0) }
        case .raw(let bytes):
            return bytes.withUnsafeBytes { raw in
                (0..<elementCount).map { i -> Float in
                    switch dataType {
                    case .float: return Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
                    case .double: return Float(Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self))))
                    case .float16: return Float(Float16(bitPattern: UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))))
                    case .bfloat16: return Float(bitPattern: UInt32(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))) << 16)
                    default: return Float(Self.integer(raw, i, dataType))
                    }
                }
            }
        }
    }

    /// The values converted to Int64 (for integer and bool types; floats are truncated).
    public func int64Values() -> [Int64] {
        switch payload {
        case .int32s(let v), .int64s(let v), .uint64s(let v):
            if dataType == .float16 { return v.map { Int64(Float(Float16(bitPattern: UInt16(truncatingIfNeeded: $0)))) } }
            return v
        case .floats(let v): return v.map { Int64($0) }
        case .doubles(let v): return v.map { Int64($0) }
        case .raw(let bytes):
            switch dataType {
            case .float, .double, .float16, .bfloat16: return floatValues().map { Int64($0) }
            default:
                return bytes.withUnsafeBytes { raw in (0..<elementCount).map { Self.integer(raw, $0, dataType) } }
            }
        }
    }

    private static func integer(_ raw: UnsafeRawBufferPointer, _ i: Int, _ type: TensorDataType) -> Int64 {
        switch type {
        case .uint8, .bool: return Int64(raw[i])
        case .int8: return Int64(Int8(bitPattern: raw[i]))
        case .uint16: return Int64(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))
        case .int16: return Int64(Int16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * i, as: Int16.self)))
        case .int32: return Int64(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: Int32.self)))
        case .uint32: return Int64(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
        case .int64, .uint64: return Int64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * i, as: Int64.self))
        default: return 0
        }
    }
}

/// A decoded `AttributeProto` value.
public enum ONNXAttribute: Sendable {
    /// `f`: one float.
    case float(Float)
    /// `i`: one integer.
    case int(Int64)
    /// `s`: one string (UTF-8).
    case string(String)
    /// `t`: one tensor.
    case tensor(ONNXTensor)
    /// `g`: one subgraph.
    case graph(ONNXGraph)
    /// `floats`: a list of floats.
    case floats([Float])
    /// `ints`: a list of integers.
    case ints([Int64])
    /// `strings`: a list of strings.
    case strings([String])
    /// `tensors`: a list of tensors.
    case tensors([ONNXTensor])
    /// `graphs`: a list of subgraphs.
    case graphs([ONNXGraph])
}

/// A decoded `NodeProto`.
public struct ONNXNode: Sendable {
    /// The node's name (may be empty).
    public var name: String
    /// The operator, e.g. "Conv".
    public var opType: String
    /// The operator's domain: empty (or "ai.onnx") for ONNX's own operators.
    public var domain: String
    /// Input value names; an empty string marks an omitted optional input.
    public var inputs: [String]
    /// Output value names; an empty string marks an omitted optional output.
    public var outputs: [String]
    /// Attributes by name.
    public var attributes: [String: ONNXAttribute]

    /// A node from its parts.
    public init(name: String, opType: String, domain: String = "", inputs: [String], outputs: [String],
                attributes: [String: ONNXAttribute] = [:]) {
        self.name = name
        self.opType = opType
        self.domain = domain
        self.inputs = inputs
        self.outputs = outputs
        self.attributes = attributes
    }
}

/// One dimension of a declared shape: a fixed size, or a named / unknown one.
public enum ONNXDimension: Sendable, Equatable, CustomStringConvertible {
    /// A size known in the file (`dim_value`).
    case fixed(Int)
    /// A named size (`dim_param`, e.g. "height"); empty when the dimension is unknown.
    case symbolic(String)

    /// The size, the name, or "?".
    public var description: String {
        switch self {
        case .fixed(let n): return String(n)
        case .symbolic(let s): return s.isEmpty ? "?" : s
        }
    }
}

/// A decoded `ValueInfoProto` for a tensor value.
public struct ONNXValueInfo: Sendable {
    /// The value's name.
    public var name: String
    /// The element type, when declared.
    public var elementType: TensorDataType?
    /// nil when the shape is not declared at all.
    public var shape: [ONNXDimension]?

    /// A value declaration from its parts.
    public init(name: String, elementType: TensorDataType?, shape: [ONNXDimension]?) {
        self.name = name
        self.elementType = elementType
        self.shape = shape
    }
}

/// A decoded `GraphProto`.
public struct ONNXGraph: Sendable {
    /// The graph's name (may be empty).
    public var name: String
    /// The nodes, in file order (not necessarily a valid run order).
    public var nodes: [ONNXNode]
    /// Constant tensors: the weights, and defaults for inputs of the same name.
    public var initializers: [ONNXTensor]
    /// Declared graph inputs (older files also list the initializers here).
    public var inputs: [ONNXValueInfo]
    /// Declared graph outputs.
    public var outputs: [ONNXValueInfo]
    /// Declarations of intermediate values, when the exporter wrote them.
    public var valueInfo: [ONNXValueInfo]

    /// A graph from its parts.
    public init(name: String = "", nodes: [ONNXNode] = [], initializers: [ONNXTensor] = [],
                inputs: [ONNXValueInfo] = [], outputs: [ONNXValueInfo] = [], valueInfo: [ONNXValueInfo] = []) {
        self.name = name
        self.nodes = nodes
        self.initializers = initializers
        self.inputs = inputs
        self.outputs = outputs
        self.valueInfo = valueInfo
    }

    /// Graph inputs that are not initializers: the values a caller must feed.
    public var feedInputs: [ONNXValueInfo] {
        let initialized = Set(initializers.map(\.name))
        return inputs.filter { !initialized.contains($0.name) }
    }
}

/// A decoded `ModelProto`.
public struct ONNXModel: Sendable {
    /// The file format's IR version.
    public var irVersion: Int64
    /// Operator-set versions by domain ("" is the default ONNX domain, also spelled "ai.onnx").
    public var opsetImports: [String: Int64]
    /// The exporter, e.g. "pytorch".
    public var producerName: String
    /// The exporter's version.
    public var producerVersion: String
    /// The main graph.
    public var graph: ONNXGraph

    /// A model from its parts.
    public init(irVersion: Int64, opsetImports: [String: Int64], producerName: String = "",
                producerVersion: String = "", graph: ONNXGraph) {
        self.irVersion = irVersion
        self.opsetImports = opsetImports
        self.producerName = producerName
        self.producerVersion = producerVersion
        self.graph = graph
    }

    /// The default-domain opset version (the one ONNX operators are interpreted by).
    public var opsetVersion: Int64 { opsetImports[""] ?? opsetImports["ai.onnx"] ?? 1 }
}
