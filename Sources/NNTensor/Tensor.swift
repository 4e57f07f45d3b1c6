/// Element types a ``Tensor`` can carry. Floating types are stored as `Float`, integer and boolean
/// types as `Int64`; the tag keeps the declared type for shape inference and output dtypes.
public enum DType: String, Sendable, CustomStringConvertible {
    /// The element type, named as NumPy names it.
    case float32, float64, float16, int64, int32, int16, int8, uint8, uint16, uint32, uint64, bool

    /// Whether values are stored as `Float` (float32, float64, float16).
    public var isFloatingPoint: Bool { self == .float32 || self == .float64 || self == .float16 }
    /// The type's name ("float32", …).
    public var description: String { rawValue }
}

/// A dense, row-major tensor with value semantics.
///
/// Used at the engine's boundaries (inputs, outputs, constants, folding). Hot kernels work on raw
/// pointers into a session's arena instead; see the `Kernels` folder.
public struct Tensor: Sendable, Equatable {
    /// The values, row-major: floats for floating types, 64-bit integers for integer and boolean types.
    public enum Storage: Sendable, Equatable {
        /// Values of a floating type.
        case float([Float])
        /// Values of an integer or boolean type (booleans as 0 / 1).
        case int([Int64])
    }

    /// Dimensions, outermost first. `[]` is a scalar.
    public private(set) var shape: [Int]
    /// The element type.
    public private(set) var dtype: DType
    /// The values, `count` of them.
    public private(set) var storage: Storage

    /// A float32 tensor. `values.count` must equal the product of `shape`.
    public init(shape: [Int], values: [Float]) {
        precondition(values.count == shape.reduce(1, *), "Tensor: \(values.count) values for shape \(shape)")
        self.shape = shape
        self.dtype = .float32
        self.storage = .float(values)
    }

    /// An integer (or bool) tensor. `values.count` must equal the product of `shape`.
    public init(shape: [Int], integers: [Int64], dtype: DType = .int64) {
        precondition(integers.count == shape.reduce(1, *), "Tensor: \(integers.count) values for shape \(shape)")
        precondition(!dtype.isFloatingPoint)
        self.shape = shape
        self.dtype = dtype
        self.storage = .int(integers)
    }

    /// A floating tensor of the given floating dtype.
    public init(shape: [Int], values: [Float], dtype: DType) {
        precondition(dtype.isFloatingPoint)
        self.init(shape: shape, values: values)
        self.dtype = dtype
    }

    /// A float32 tensor of zeros.
    public static func zeros(_ shape: [Int]) -> Tensor {
        Tensor(shape: shape, values: [Float](repeating: 0, count: shape.reduce(1, *)))
    }

    /// Number of elements: the product of `shape` (1 for a scalar).
    public var count: Int { shape.reduce(1, *) }
    /// Number of dimensions.
    public var rank: Int { shape.count }

    /// Row-major strides in elements.
    public var strides: [Int] { Tensor.contiguousStrides(shape) }

    package static func contiguousStrides(_ shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var s = 1
        for i in stride(from: shape.count - 1, through: 0, by: -1) {
            strides[i] = s
            s *= shape[i]
        }
        return strides
    }

    /// The values as Float (integers converted).
    public var floats: [Float] {
        switch storage {
        case .float(let v): return v
        case .int(let v): return v.map { Float($0) }
        }
    }

    /// The values as Int64 (floats truncated toward zero).
    public var integers: [Int64] {
        switch storage {
        case .int(let v): return v
        case .float(let v): return v.map { $0.isFinite ? Int64($0) : 0 }
        }
    }

    /// The same values under another shape with the same element count.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        precondition(newShape.reduce(1, *) == count, "reshape \(shape) to \(newShape)")
        var t = self
        t.shape = newShape
        return t
    }

    /// The values converted to another dtype, with ONNX Cast semantics (see ``Cast``) for the common cases.
    public func cast(to type: DType) -> Tensor {
        if type.isFloatingPoint {
            var v = floats
            if type == .float16 { v = v.map { Float(Float16($0)) } }
            return Tensor(shape: shape, values: v, dtype: type)
        }
        var v: [Int64]
        switch storage {
        case .int(let ints): v = ints
        case .float(let fl):
            v = fl.map { f -> Int64 in
                switch type {
                case .bool: return f != 0 ? 1 : 0
                case .int32: return Int64(Cast.int32(f))
                default: return Cast.int64(f)
                }
            }
        }
        switch type {
        case .bool: v = v.map { $0 != 0 ? 1 : 0 }
        case .int32: v = v.map { Int64(Int32(truncatingIfNeeded: $0)) }
        case .int16: v = v.map { Int64(Int16(truncatingIfNeeded: $0)) }
        case .int8: v = v.map { Int64(Int8(truncatingIfNeeded: $0)) }
        case .uint8: v = v.map { Int64(UInt8(truncatingIfNeeded: $0)) }
        case .uint16: v = v.map { Int64(UInt16(truncatingIfNeeded: $0)) }
        case .uint32: v = v.map { Int64(UInt32(truncatingIfNeeded: $0)) }
        default: break
        }
        return Tensor(shape: shape, integers: v, dtype: type)
    }
}
