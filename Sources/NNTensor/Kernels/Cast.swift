/// Element type conversions with ONNX Cast's semantics, over arena storage (see ``ArenaElement``):
/// float → integer truncates toward zero and saturates at the target's limits (NaN gives 0: ONNX leaves
/// out-of-range values undefined); integer → float rounds to nearest; any → bool tests `!= 0` (NaN is
/// true); int64 → int32 keeps the low 32 bits; → float16 rounds to nearest even (overflow gives ±inf).
package enum Cast {
    /// `x` truncated toward zero into Int64, saturating; NaN → 0.
    @inline(__always)
    package static func int64(_ x: Float) -> Int64 {
        if x.isNaN { return 0 }
        if x >= 9223372036854775807.0 { return .max }
        if x <= -9223372036854775808.0 { return .min }
        return Int64(x)
    }

    /// `x` truncated toward zero into Int32, saturating; NaN → 0.
    @inline(__always)
    package static func int32(_ x: Float) -> Int32 {
        if x.isNaN { return 0 }
        if x >= 2147483647.0 { return .max }
        if x <= -2147483648.0 { return .min }
        return Int32(x)
    }

    /// `x` rounded to half precision and back.
    @inline(__always)
    package static func half(_ x: Float) -> Float { Float(Float16(x)) }

    /// `y[i] = f(x[i])` for `count` elements.
    @inline(__always)
    package static func map<A, B>(_ x: UnsafePointer<A>, _ y: UnsafeMutablePointer<B>, count: Int, _ f: (A) -> B) {
        for i in 0..<count { y[i] = f(x[i]) }
    }
}
