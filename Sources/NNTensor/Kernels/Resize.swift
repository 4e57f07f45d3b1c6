/// How an output coordinate maps back to the input (ONNX Resize's `coordinate_transformation_mode`).
public enum CoordinateTransform: String, Sendable {
    case halfPixel = "half_pixel"
    case pytorchHalfPixel = "pytorch_half_pixel"
    case alignCorners = "align_corners"
    case asymmetric = "asymmetric"

    /// Input coordinate of output index `x` along an axis of `inLength` → `outLength` with `scale`.
    @inlinable
    public func source(_ x: Int, scale: Float, inLength: Int, outLength: Int) -> Float {
        let xf = Float(x)
        switch self {
        case .halfPixel: return (xf + 0.5) / scale - 0.5
        case .pytorchHalfPixel: return outLength > 1 ? (xf + 0.5) / scale - 0.5 : 0
        case .alignCorners: return outLength == 1 ? 0 : xf * Float(inLength - 1) / Float(outLength - 1)
        case .asymmetric: return xf / scale
        }
    }
}

/// How a fractional coordinate picks a pixel in nearest mode (ONNX Resize's `nearest_mode`).
public enum NearestRounding: String, Sendable {
    case roundPreferFloor = "round_prefer_floor"
    case roundPreferCeil = "round_prefer_ceil"
    case floor
    case ceil

    @inlinable
    public func index(_ x: Float) -> Int {
        switch self {
        case .roundPreferFloor: return x == x.rounded(.down) + 0.5 ? Int(x.rounded(.down)) : Int(x.rounded())
        case .roundPreferCeil: return Int(x.rounded(.toNearestOrAwayFromZero))
        case .floor: return Int(x.rounded(.down))
        case .ceil: return Int(x.rounded(.up))
        }
    }
}

/// Resizing of the two innermost axes of a stack of planes.
public enum Resize2D {
    public enum Mode: Sendable, Equatable {
        case nearest(NearestRounding)
        case linear
    }

    /// Per-axis lookup: for each output index, two source indices and their weights.
    struct AxisTaps {
        var lo: [Int], hi: [Int], wLo: [Float], wHi: [Float]

        init(mode: Mode, transform: CoordinateTransform, inLength: Int, outLength: Int, scale: Float) {
            lo = []; hi = []; wLo = []; wHi = []
            for x in 0..<outLength {
                let s = transform.source(x, scale: scale, inLength: inLength, outLength: outLength)
                switch mode {
                case .nearest(let rounding):
                    let i = Swift.min(Swift.max(rounding.index(s), 0), inLength - 1)
                    lo.append(i); hi.append(i); wLo.append(1); wHi.append(0)
                case .linear:
                    let c = Swift.min(Swift.max(s, 0), Float(inLength - 1))
                    let i0 = Int(c)
                    let i1 = Swift.min(i0 + 1, inLength - 1)
                    let d1 = c - Float(i0)
                    lo.append(i0); hi.append(i1); wLo.append(1 - d1); wHi.append(d1)
                }
            }
        }
    }

    /// Resizes `planes` planes of `inHeight × inWidth` to `outHeight × outWidth`.
    /// `scaleY`/`scaleX` are output/input ratios as ONNX gives them (used by the half-pixel and asymmetric maps).
    public static func run(input: UnsafePointer<Float>, planes: Int, inHeight: Int, inWidth: Int,
                           output: UnsafeMutablePointer<Float>, outHeight: Int, outWidth: Int,
                           scaleY: Float, scaleX: Float, mode: Mode, transform: CoordinateTransform, threads: Int) {
        let ty = AxisTaps(mode: mode, transform: transform, inLength: inHeight, outLength: outHeight, scale: scaleY)
        let tx = AxisTaps(mode: mode, transform: transform, inLength: inWidth, outLength: outWidth, scale: scaleX)
        let work = planes * outHeight
        ty.lo.withUnsafeBufferPointer { ylo in ty.hi.withUnsafeBufferPointer { yhi in
        ty.wLo.withUnsafeBufferPointer { wy0 in ty.wHi.withUnsafeBufferPointer { wy1 in
        tx.lo.withUnsafeBufferPointer { xlo in tx.hi.withUnsafeBufferPointer { xhi in
        tx.wLo.withUnsafeBufferPointer { wx0 in tx.wHi.withUnsafeBufferPointer { wx1 in
            Parallel.forEach(work, threads: work * outWidth >= 1 << 14 ? threads : 1) { job in
                let p = job / outHeight, oy = job % outHeight
                let plane = input + p * inHeight * inWidth
                let dst = output + job * outWidth
                switch mode {
                case .nearest:
                    let row = plane + ylo[oy] * inWidth
                    for ox in 0..<outWidth { dst[ox] = row[xlo[ox]] }
                case .linear:
                    // The two source rows blended vertically (whole vectors), then two taps per output.
                    let r0 = plane + ylo[oy] * inWidth, r1 = plane + yhi[oy] * inWidth
                    let a0 = wy0[oy], a1 = wy1[oy]
                    withUnsafeTemporaryAllocation(of: Float.self, capacity: inWidth) { buffer in
                        let row = buffer.baseAddress!
                        let v0 = SIMD8<Float>(repeating: a0), v1 = SIMD8<Float>(repeating: a1)
                        var x = 0
                        while x + 8 <= inWidth {
                            let p0 = UnsafeRawPointer(r0 + x).loadUnaligned(as: SIMD8<Float>.self)
                            let p1 = UnsafeRawPointer(r1 + x).loadUnaligned(as: SIMD8<Float>.self)
                            UnsafeMutableRawPointer(row + x).storeBytes(of: p0 * v0 + p1 * v1, as: SIMD8<Float>.self)
                            x += 8
                        }
                        while x < inWidth {
                            row[x] = r0[x] * a0 + r1[x] * a1
                            x += 1
                        }
                        for ox in 0..<outWidth {
                            dst[ox] = row[xlo[ox]] * wx0[ox] + row[xhi[ox]] * wx1[ox]
                        }
                    }
                }
            }
        }}}}}}}}
    }
}
