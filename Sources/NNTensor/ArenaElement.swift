/// How a run-time value of some ``DType`` is stored in a session's arena: floating types as `Float`
/// (float16 values rounded to half precision, float64 narrowed), 64- and 32-bit integers as themselves,
/// booleans as one byte (0 or 1, never Swift's `Bool`, which has invalid bit patterns).
package enum ArenaElement: Sendable {
    case float, int64, int32, bool

    /// Bytes per element.
    package var byteWidth: Int {
        switch self {
        case .float, .int32: return 4
        case .int64: return 8
        case .bool: return 1
        }
    }
}

extension DType {
    /// The arena storage of a run-time value of this type, or nil when values of this type only fold
    /// (the narrow and unsigned integer types).
    package var arenaElement: ArenaElement? {
        switch self {
        case .float32, .float16, .float64: return .float
        case .int64: return .int64
        case .int32: return .int32
        case .bool: return .bool
        case .int16, .int8, .uint8, .uint16, .uint32, .uint64: return nil
        }
    }
}
