import Foundation

/// Element-wise kernels over contiguous float buffers: 8 lanes at a time, scalar tail.
package enum Elementwise {
    package enum Unary: Sendable {
        case relu
        case sigmoid
        case clip(min: Float, max: Float)
        case leakyRelu(alpha: Float)
        case neg, abs, sqrt, exp, reciprocal, floor, ceil, tanh
        /// Round half to even (ONNX Round).
        case round
        case identity
    }

    package enum Binary: Sendable {
        case add, sub, mul, div, pow, min, max
    }

    @inlinable @inline(__always)
    static func load(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
    }

    @inlinable @inline(__always)
    static func store(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
    }

    /// Applies `op` to `count` floats from `x` into `y` (which may equal `x`).
    package static func apply(_ op: Unary, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        switch op {
        case .relu:
            map(x, y, count, { $0.replacing(with: 0, where: $0 .< 0) }, { Swift.max($0, 0) })
        case .sigmoid:
            map(x, y, count, { SIMDMath.sigmoid($0) }, { 1 / (1 + Foundation.exp(-$0)) })
        case let .clip(lo, hi):
            let vlo = SIMD8<Float>(repeating: lo), vhi = SIMD8<Float>(repeating: hi)
            map(x, y, count, { SIMDMath.clamp($0, vlo, vhi) }, { Swift.min(Swift.max($0, lo), hi) })
        case let .leakyRelu(alpha):
            map(x, y, count, { $0.replacing(with: $0 * alpha, where: $0 .< 0) }, { $0 < 0 ? $0 * alpha : $0 })
        case .neg: map(x, y, count, { -$0 }, { -$0 })
        case .abs: map(x, y, count, { $0.replacing(with: -$0, where: $0 .< 0) }, { Swift.abs($0) })
        case .sqrt: map(x, y, count, { $0.squareRoot() }, { $0.squareRoot() })
        case .exp: map(x, y, count, { SIMDMath.exp($0) }, { Foundation.exp($0) })
        case .reciprocal: map(x, y, count, { 1 / $0 }, { 1 / $0 })
        case .floor: map(x, y, count, { $0.rounded(.down) }, { $0.rounded(.down) })
        case .ceil: map(x, y, count, { $0.rounded(.up) }, { $0.rounded(.up) })
        case .round: map(x, y, count, { $0.rounded(.toNearestOrEven) }, { $0.rounded(.toNearestOrEven) })
        case .tanh:
            // tanh(x) = 2·sigmoid(2x) − 1, which cancels near 0: there (|x| < 0.625) an odd polynomial,
            // the minimax fit of Cephes' tanhf, keeps the relative error near float's.
            map(x, y, count, { v in
                let z = v * v
                var p = SIMD8<Float>(repeating: -5.70498872745e-3) * z + 2.06390887954e-2
                p = p * z - 5.37397155531e-2
                p = p * z + 1.33314422036e-1
                p = p * z - 3.33332819422e-1
                let small = p * z * v + v
                let large = 2 * SIMDMath.sigmoid(2 * v) - 1
                return large.replacing(with: small, where: z .< 0.390625)
            }, { v in
                guard Swift.abs(v) < 0.625 else { return 2 / (1 + Foundation.exp(-2 * v)) - 1 }
                let z = v * v
                let p = (((-5.70498872745e-3 * z + 2.06390887954e-2) * z - 5.37397155531e-2) * z + 1.33314422036e-1) * z - 3.33332819422e-1
                return p * z * v + v
            })
        case .identity:
            if UnsafePointer(y) != x { y.update(from: x, count: count) }
        }
    }

    @inlinable @inline(__always)
    static func map(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ count: Int,
                    _ vector: (SIMD8<Float>) -> SIMD8<Float>, _ scalar: (Float) -> Float) {
        var i = 0
        while i + 8 <= count {
            store(vector(load(x + i)), y + i)
            i += 8
        }
        while i < count {
            y[i] = scalar(x[i])
            i += 1
        }
    }

    @inlinable @inline(__always)
    static func combine(_ op: Binary, _ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> {
        switch op {
        case .add: return a + b
        case .sub: return a - b
        case .mul: return a * b
        case .div: return a / b
        case .min: return a.replacing(with: b, where: b .< a)
        case .max: return a.replacing(with: b, where: b .> a)
        case .pow:
            var r = SIMD8<Float>()
            for l in 0..<8 { r[l] = combine(op, a[l], b[l]) }
            return r
        }
    }

    @inlinable @inline(__always)
    static func combine(_ op: Binary, _ a: Float, _ b: Float) -> Float {
        switch op {
        case .add: return a + b
        case .sub: return a - b
        case .mul: return a * b
        case .div: return a / b
        case .min: return Swift.min(a, b)
        case .max: return Swift.max(a, b)
        case .pow: return Foundation.pow(a, b)
        }
    }

    /// `y[i] = a[i·sa] op b[i·sb]` for `count` elements, where each stride is 0 (broadcast) or 1.
    @inlinable
    static func row(_ op: Binary, _ a: UnsafePointer<Float>, _ sa: Int, _ b: UnsafePointer<Float>, _ sb: Int,
                    _ y: UnsafeMutablePointer<Float>, _ count: Int) {
        var i = 0
        switch (sa, sb) {
        case (1, 1):
            while i + 8 <= count { store(combine(op, load(a + i), load(b + i)), y + i); i += 8 }
        case (1, 0):
            let vb = SIMD8<Float>(repeating: b[0])
            while i + 8 <= count { store(combine(op, load(a + i), vb), y + i); i += 8 }
        case (0, 1):
            let va = SIMD8<Float>(repeating: a[0])
            while i + 8 <= count { store(combine(op, va, load(b + i)), y + i); i += 8 }
        default: break
        }
        while i < count {
            y[i] = combine(op, a[i * sa], b[i * sb])
            i += 1
        }
    }

    /// NumPy-style broadcasting of two shapes; nil when they are incompatible.
    package static func broadcastShape(_ a: [Int], _ b: [Int]) -> [Int]? {
        let rank = Swift.max(a.count, b.count)
        var out = [Int](repeating: 1, count: rank)
        for i in 0..<rank {
            let da = i < rank - a.count ? 1 : a[i - (rank - a.count)]
            let db = i < rank - b.count ? 1 : b[i - (rank - b.count)]
            if da == db || db == 1 { out[i] = da } else if da == 1 { out[i] = db } else { return nil }
        }
        return out
    }

    /// Strides (in elements) for reading a tensor of `shape` as if broadcast to `outShape`: 0 on broadcast axes.
    package static func broadcastStrides(_ shape: [Int], to outShape: [Int]) -> [Int] {
        let rank = outShape.count
        let own = Tensor.contiguousStrides(shape)
        var strides = [Int](repeating: 0, count: rank)
        for i in 0..<shape.count where shape[i] != 1 {
            strides[i + rank - shape.count] = own[i]
        }
        return strides
    }

    /// `y = a op b` with NumPy broadcasting; `y` has shape `broadcastShape(aShape, bShape)`.
    /// Rows of the innermost axis are vectorised; outer axes are split across `threads`.
    package static func binary(_ op: Binary, _ a: UnsafePointer<Float>, _ aShape: [Int],
                              _ b: UnsafePointer<Float>, _ bShape: [Int],
                              _ y: UnsafeMutablePointer<Float>, threads: Int = 1) {
        guard let outShape = broadcastShape(aShape, bShape) else {
            preconditionFailure("shapes \(aShape) and \(bShape) do not broadcast")
        }
        // Drop unit axes, then merge neighbours that are laid out contiguously for both operands
        // (a stride-0 pair merges too), so common cases become one or two axes.
        let full = broadcastStrides(aShape, to: outShape), fullB = broadcastStrides(bShape, to: outShape)
        var dims: [Int] = [], sa: [Int] = [], sb: [Int] = []
        for k in 0..<outShape.count where outShape[k] != 1 {
            if let last = dims.indices.last, sa[last] == full[k] * outShape[k], sb[last] == fullB[k] * outShape[k] {
                dims[last] *= outShape[k]
                sa[last] = full[k]
                sb[last] = fullB[k]
            } else {
                dims.append(outShape[k]); sa.append(full[k]); sb.append(fullB[k])
            }
        }
        let inner = dims.last ?? 1
        let ia = sa.last ?? 0, ib = sb.last ?? 0
        let outer = dims.dropLast().reduce(1, *)
        let outerDims = Array(dims.dropLast()), outerA = Array(sa.dropLast()), outerB = Array(sb.dropLast())
        let rowThreads = outer * inner >= 1 << 15 ? threads : 1
        Parallel.forEach(outer, threads: rowThreads) { r in
            var rem = r, offA = 0, offB = 0
            for d in stride(from: outerDims.count - 1, through: 0, by: -1) {
                let idx = rem % outerDims[d]
                rem /= outerDims[d]
                offA += idx * outerA[d]
                offB += idx * outerB[d]
            }
            row(op, a + offA, ia, b + offB, ib, y + r * inner, inner)
        }
    }
}

