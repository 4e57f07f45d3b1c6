/// Errors raised while reading an ONNX file. Each names what is wrong and where.
public enum ONNXError: Error, CustomStringConvertible, Equatable {
    /// The file could not be read at all.
    case unreadable(path: String, reason: String)
    /// The bytes are not a well-formed protobuf message (truncated, foreign file, bad lengths).
    case malformed(String)
    /// The message is valid protobuf but not a usable ONNX model (no graph, missing fields).
    case invalidModel(String)
    /// A tensor's payload does not match its declared type and dimensions.
    case tensorSizeMismatch(tensor: String, expected: Int, found: Int, unit: String)
    /// A tensor uses a data type this reader does not handle.
    case unsupportedDataType(tensor: String, code: Int32)
    /// A tensor stored in an external file that is missing or too short.
    case externalData(tensor: String, location: String, reason: String)

    public var description: String {
        switch self {
        case let .unreadable(path, reason): return "cannot read model '\(path)': \(reason)"
        case let .malformed(what): return "model is not a valid ONNX protobuf file: \(what)"
        case let .invalidModel(what): return "invalid ONNX model: \(what)"
        case let .tensorSizeMismatch(tensor, expected, found, unit):
            return "tensor '\(tensor)': its dims need \(expected) \(unit) but it holds \(found)"
        case let .unsupportedDataType(tensor, code):
            return "tensor '\(tensor)': unsupported data type \(code) (\(TensorDataType(rawValue: code).map { "\($0)" } ?? "unknown"))"
        case let .externalData(tensor, location, reason):
            return "tensor '\(tensor)': external data '\(location)': \(reason)"
        }
    }
}
