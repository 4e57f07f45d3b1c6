import Foundation
import NNTensor

/// Resize in full generality — any axes, nearest / linear / cubic, antialiasing, every coordinate
/// transformation, aspect-ratio policies — as separable passes in double precision. The fast path in
/// ``ResizeOps`` takes the common cases (linear or nearest over the two innermost axes); this takes the rest.
enum ResizeReferenceOps {
    static func resize(_ c: NodeContext) throws -> NodeResult {
        let x = try c.input(0)
        let rank = x.shape.count
        let axes = try (c.ints("axes") ?? Array(0..<rank)).map { a -> Int in
            guard let r = TensorIndex.axis(a, rank: rank) else { throw c.invalid("axis \(a)") }
            return r
        }
        var scalesIn: [Double]?, sizesIn: [Int]?, roiIn: [Double]?
        if c.optionalInput(1) != nil, c.op == "Resize", c.opset >= 11 { roiIn = TensorIndex.doubles(try c.constantInput(1)) }
        if c.op == "Upsample" || c.opset < 11 {
            scalesIn = c.op == "Upsample" && c.opset < 9 ? c.floats("scales")?.map(Double.init) : TensorIndex.doubles(try c.constantInput(1))
        } else {
            if let s = c.optionalInput(2), s.shape.reduce(1, *) > 0 { scalesIn = TensorIndex.doubles(try c.constantInput(2)) }
            if let s = c.optionalInput(3), s.shape.reduce(1, *) > 0 { sizesIn = try c.constantInput(3).integers.map { Int($0) } }
        }
        var scale = [Double](repeating: 1, count: rank)
        var out = x.shape
        if let sizesIn {
            guard sizesIn.count == axes.count else { throw c.invalid("\(sizesIn.count) sizes for \(axes.count) axes") }
            let policy = c.string("keep_aspect_ratio_policy") ?? "stretch"
            let ratios = zip(axes, sizesIn).map { Double($1) / Double(x.shape[$0]) }
            if policy == "stretch" {
                for (k, a) in axes.enumerated() { scale[a] = ratios[k]; out[a] = sizesIn[k] }
            } else {
                guard policy == "not_larger" || policy == "not_smaller" else { throw c.unsupported("keep_aspect_ratio_policy \(policy)") }
                let s = policy == "not_larger" ? ratios.min()! : ratios.max()!
                for a in axes { scale[a] = s; out[a] = Int((s * Double(x.shape[a]) + 0.5).rounded(.down)) }
            }
        } else if let scalesIn {
            guard scalesIn.count == axes.count, scalesIn.allSatisfy({ $0 > 0 }) else { throw c.invalid("scales \(scalesIn)") }
            for (k, a) in axes.enumerated() { scale[a] = scalesIn[k]; out[a] = Int((Double(x.shape[a]) * scalesIn[k]).rounded(.down)) }
        } else {
            throw c.invalid("neither scales nor sizes given")
        }
        let mode = c.string("mode") ?? "nearest"
        let transform = (c.op == "Upsample" || c.opset < 11) ? "asymmetric" : (c.string("coordinate_transformation_mode") ?? "half_pixel")
        let nearestMode = c.opset < 11 ? "round_prefer_ceil" : (c.string("nearest_mode") ?? "round_prefer_floor")
        let cubicA = Double(c.float("cubic_coeff_a") ?? -0.75)
        let excludeOutside = c.int("exclude_outside", default: 0) != 0
        let extrapolation = Double(c.float("extrapolation_value") ?? 0)
        let antialias = c.int("antialias", default: 0) != 0
        guard ["nearest", "linear", "cubic", "bilinear"].contains(mode) else { throw c.unsupported("mode \(mode)") }
        guard ["half_pixel", "half_pixel_symmetric", "pytorch_half_pixel", "align_corners", "asymmetric", "tf_crop_and_resize"].contains(transform) else {
            throw c.unsupported("coordinate_transformation_mode \(transform)")
        }
        var roi = [Double](repeating: 0, count: 2 * rank)
        for a in 0..<rank { roi[rank + a] = 1 }
        if transform == "tf_crop_and_resize" {
            guard let roiIn, roiIn.count == 2 * axes.count else { throw c.invalid("tf_crop_and_resize needs a roi of \(2 * axes.count) values") }
            for (k, a) in axes.enumerated() { roi[a] = roiIn[k]; roi[rank + a] = roiIn[axes.count + k] }
        }
        guard out.allSatisfy({ $0 > 0 }) else { throw c.invalid("empty output \(out)") }
        let outShape = out

        /// Source taps (index into the axis, weight; index −1 means the extrapolation value) of output `i`.
        func taps(axis a: Int, _ i: Int) -> [(Int, Double)] {
            let n = x.shape[a], s = scale[a], width = s * Double(n)
            var xo: Double
            switch transform {
            case "align_corners": xo = width == 1 ? 0 : Double(i) * Double(n - 1) / (width - 1)
            case "asymmetric": xo = Double(i) / s
            case "pytorch_half_pixel": xo = width == 1 ? -0.5 : (Double(i) + 0.5) / s - 0.5
            case "half_pixel_symmetric":
                let offset = Double(n) / 2 * (1 - Double(outShape[a]) / width)
                xo = offset + (Double(i) + 0.5) / s - 0.5
            case "tf_crop_and_resize":
                let (r0, r1) = (roi[a], roi[rank + a])
                xo = width == 1 ? (r1 - r0) * Double(n - 1) / 2 : Double(i) * (r1 - r0) * Double(n - 1) / (width - 1)
                xo += r0 * Double(n - 1)
                if xo < 0 || xo > Double(n - 1) { return [(-1, 1)] }
            default: xo = (Double(i) + 0.5) / s - 0.5
            }
            let base = xo == xo.rounded(.down) ? Int(xo) - 1 : Int(xo.rounded(.down))
            let ratio = xo - Double(base)
            var weights: [Double]
            switch mode {
            case "nearest":
                if ratio == 1 { weights = [0, 1] } else {
                    switch nearestMode {
                    case "round_prefer_ceil": weights = ratio < 0.5 ? [1, 0] : [0, 1]
                    case "floor": weights = [1, 0]
                    case "ceil": weights = [0, 1]
                    default: weights = ratio <= 0.5 ? [1, 0] : [0, 1]
                    }
                }
            case "cubic":
                func k(_ t: Double) -> Double {
                    let t = abs(t)
                    if t <= 1 { return (cubicA + 2) * t * t * t - (cubicA + 3) * t * t + 1 }
                    if t < 2 { return cubicA * t * t * t - 5 * cubicA * t * t + 8 * cubicA * t - 4 * cubicA }
                    return 0
                }
                let sc = antialias ? Swift.min(s, 1) : 1
                let start = antialias ? Int((-2 / sc).rounded(.down)) + 1 : -1
                weights = (start..<(2 - start)).map { k(sc * (Double($0) - ratio)) }
            default:
                if antialias {
                    let sc = Swift.min(s, 1)
                    let start = Int((-1 / sc).rounded(.down)) + 1
                    weights = (start..<(2 - start)).map { Swift.max(0, Swift.min(1, 1 - abs((Double($0) - ratio) * sc))) }
                } else {
                    weights = [1 - ratio, ratio]
                }
            }
            let count = weights.count
            if mode == "cubic" || antialias {
                let total = weights.reduce(0, +)
                if antialias, total != 0 { weights = weights.map { $0 / total } }
            }
            let first = base - count / 2 + 1
            var result: [(Int, Double)] = []
            for j in 0..<count {
                let idx = first + j
                if excludeOutside && (idx < 0 || idx >= n) { continue }
                result.append((Swift.min(Swift.max(idx, 0), n - 1), weights[j]))
            }
            if excludeOutside {
                let total = result.reduce(0) { $0 + $1.1 }
                if total != 0 { result = result.map { ($0.0, $0.1 / total) } }
            }
            return result
        }

        let plan = (0..<rank).map { a in (0..<outShape[a]).map { taps(axis: a, $0) } }
        return try TensorFunction(infer: { _ in [(outShape, x.dtype)] }) { args in
            var shape = x.shape
            var v = TensorIndex.doubles(args[0]!)
            for a in 0..<rank where shape[a] != outShape[a] || scale[a] != 1 || transform == "tf_crop_and_resize" {
                let outer = shape.prefix(a).reduce(1, *), inner = shape.dropFirst(a + 1).reduce(1, *)
                let n = shape[a], m = outShape[a]
                var next = [Double](repeating: 0, count: outer * m * inner)
                for o in 0..<outer {
                    for i in 0..<m {
                        for (idx, w) in plan[a][i] {
                            for q in 0..<inner {
                                next[(o * m + i) * inner + q] += idx < 0 ? extrapolation * w : w * v[(o * n + idx) * inner + q]
                            }
                        }
                    }
                }
                v = next
                shape[a] = m
            }
            return [TensorIndex.make(outShape, v, like: x.dtype)]
        }.plan(c)
    }
}
