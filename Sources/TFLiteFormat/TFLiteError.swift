/// Why a TFLite file could not be read or translated into the engine's graph.
public enum TFLiteError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file could not be read from disk.
    case unreadable(path: String, reason: String)
    /// The file ends before an object it refers to does: `needed` bytes are needed, `size` are there.
    case truncated(what: String, needed: Int, size: Int)
    /// The FlatBuffers file identifier (bytes 4–7) is not `TFL3`.
    case badIdentifier(found: String)
    /// An offset or index points outside the file or outside the table it indexes.
    case offsetOutOfRange(what: String, value: Int, limit: Int)
    /// An operator this reader does not translate; names the op, its builtin code and the operator's index.
    case unsupportedOperator(name: String, code: Int, operatorIndex: Int)
    /// A tensor of an element type this reader does not handle where it is used.
    case unsupportedTensorType(tensor: String, type: String)
    /// The file decodes but breaks a rule of the schema or of an operator.
    case invalidModel(String)

    /// One line saying what went wrong and where.
    public var description: String {
        switch self {
        case .unreadable(let path, let reason): return "cannot read \(path): \(reason)"
        case .truncated(let what, let needed, let size):
            return "truncated TFLite file: \(what) needs \(needed) bytes, the file has \(size)"
        case .badIdentifier(let found): return "not a TFLite file: identifier \"\(found)\", expected \"TFL3\""
        case .offsetOutOfRange(let what, let value, let limit):
            return "corrupt TFLite file: \(what) \(value) is out of range (limit \(limit))"
        case .unsupportedOperator(let name, let code, let index):
            return "unsupported TFLite operator \(name) (builtin code \(code)) at operator \(index)"
        case .unsupportedTensorType(let tensor, let type):
            return "unsupported TFLite tensor type \(type) for tensor \(tensor)"
        case .invalidModel(let detail): return "invalid TFLite model: \(detail)"
        }
    }
}
