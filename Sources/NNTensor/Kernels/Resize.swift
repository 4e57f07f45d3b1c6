/// How an output coordinate maps back to the input (ONNX Resize's `coordinate_transformation_mode`).
package enum CoordinateTransform: String, Sendable {
    case halfPixel = "half_pixel"
    case pytorchHalfPixel = "pytorch_half_pixel"
    case alignCorners = "align_corners"
    case asymmetric = "asymmetric"

    /// Input coordinate of output index `x` along an axis of `inLength` → `outLength` with `scale`.
    @inlinable
    package func source(_ x: Int, scale: Float, inLength: Int, outLength: Int) -> Float {
        let xf = Float(x)
        switch self {
        case .halfPixel: return (xf + 0.5) / scale - 0.5
        case .pytorchHalfPixel: return outLength > 1 ? (xf + 0.5) / scale - 0.5 : 0
        // ONNX divides by the scaled length, not the rounded one (they differ when scales are given).
        case .alignCorners: return outLength == 1 ? 0 : xf * Float(inLength - 1) / (Float(inLength) * scale - 1)
        case .asymmetric: return xf / scale
        }
    }
}

/// How a fractional coordinate picks a pixel in nearest mode (ONNX Resize's `nearest_mode`).
package enum NearestRounding: String, Sendable {
    case roundPreferFloor = "round_prefer_floor"
    case roundPreferCeil = "round_prefer_ceil"
    case floor
    case ceil

    @inlinable
    package func index(_ x: Float) -> Int {
        switch self {
        case .roundPreferFloor: return x == x.rounded(.down) + 0.5 ? Int(x.rounded(.down)) : Int(x.rounded())
        case .roundPreferCeil: return Int(x.rounded(.toNearestOrAwayFromZero))
        case .floor: return Int(x.rounded(.down))
        case .ceil: return Int(x.rounded(.up))
        }
    }
}

/// Resizing of the two innermost axes of a stack of planes.
package enum Resize2D {
    package enum Mode: Sendable, Equatable {
        case nearest(NearestRounding)
        case linear
    }

    /// Resizes `planes` planes of `inHeight × inWidth` to `outHeight × outWidth`.
    /// `scaleY`/`scaleX` are output/input ratios as ONNX gives them (used by the half-pixel and asymmetric maps).
    package static func run(input: UnsafePointer<Float>, planes: Int, inHeight: Int, inWidth: Int,
                           output: UnsafeMutablePointer<Float>, outHeight: Int, outWidth: Int,
                           scaleY: Float, scaleX: Float, mode: Mode, transform: CoordinateTransform, threads: Int) {
        let taps = ResizeTaps(mode: mode, transform: transform, inHeight: inHeight, inWidth: inWidth,
                              outHeight: outHeight, outWidth: outWidth, scaleY: scaleY, scaleX: scaleX)
        taps.run(input: input, planes: planes, output: output, threads: threads)
    }
}

/// One 2-D resize with its per-axis lookups computed once: for each output row and column, two source
/// indices and their weights (nearest: one index, weight 1). Rows can be produced one at a time, so a
/// convolution can read a resized tensor without it ever being stored.
package final class ResizeTaps: @unchecked Sendable {
    package let mode: Resize2D.Mode
    package let inHeight: Int, inWidth: Int, outHeight: Int, outWidth: Int
    private let yLo: UnsafeMutablePointer<Int>, yHi: UnsafeMutablePointer<Int>
    private let yW0: UnsafeMutablePointer<Float>, yW1: UnsafeMutablePointer<Float>
    private let xLo: UnsafeMutablePointer<Int>, xHi: UnsafeMutablePointer<Int>
    private let xW0: UnsafeMutablePointer<Float>, xW1: UnsafeMutablePointer<Float>

    package init(mode: Resize2D.Mode, transform: CoordinateTransform, inHeight: Int, inWidth: Int,
                outHeight: Int, outWidth: Int, scaleY: Float, scaleX: Float) {
        self.mode = mode
        self.inHeight = inHeight; self.inWidth = inWidth; self.outHeight = outHeight; self.outWidth = outWidth
        func axis(_ inLength: Int, _ outLength: Int, _ scale: Float)
            -> (UnsafeMutablePointer<Int>, UnsafeMutablePointer<Int>, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>) {
            let lo = UnsafeMutablePointer<Int>.allocate(capacity: outLength), hi = UnsafeMutablePointer<Int>.allocate(capacity: outLength)
            let w0 = UnsafeMutablePointer<Float>.allocate(capacity: outLength), w1 = UnsafeMutablePointer<Float>.allocate(capacity: outLength)
            for x in 0..<outLength {
                let s = transform.source(x, scale: scale, inLength: inLength, outLength: outLength)
                switch mode {
                case .nearest(let rounding):
                    let i = Swift.min(Swift.max(rounding.index(s), 0), inLength - 1)
                    (lo[x], hi[x], w0[x], w1[x]) = (i, i, 1, 0)
                case .linear:
                    let c = Swift.min(Swift.max(s, 0), Float(inLength - 1))
                    let i0 = Int(c)
                    let d1 = c - Float(i0)
                    (lo[x], hi[x], w0[x], w1[x]) = (i0, Swift.min(i0 + 1, inLength - 1), 1 - d1, d1)
                }
            }
            return (lo, hi, w0, w1)
        }
        (yLo, yHi, yW0, yW1) = axis(inHeight, outHeight, scaleY)
        (xLo, xHi, xW0, xW1) = axis(inWidth, outWidth, scaleX)
        // The ×2 half-pixel case (every U²-Net decoder): output 2i is ¼·t[i−1] + ¾·t[i], output 2i+1 is
        // ¾·t[i] + ¼·t[i+1], edges clamped. Detected from the taps themselves.
        // Source columns 0 and n−1 (outputs 0, 1, 2n−2, 2n−1) keep the general taps.
        var doubling = mode == .linear && outWidth == 2 * inWidth && inWidth >= 3
        if doubling {
            for i in 1..<(inWidth - 1) {
                let even = xLo[2 * i] == i - 1 && xHi[2 * i] == i && xW0[2 * i] == 0.25 && xW1[2 * i] == 0.75
                let odd = xLo[2 * i + 1] == i && xHi[2 * i + 1] == i + 1 && xW0[2 * i + 1] == 0.75 && xW1[2 * i + 1] == 0.25
                if !(even && odd) { doubling = false; break }
            }
        }
        doublesWidth = doubling
    }

    /// Whether rows are doubled in width with the fixed ¼/¾ taps (vectorised in ``row(of:_:into:scratch:)``).
    package let doublesWidth: Bool

    deinit {
        for p in [yLo, yHi, xLo, xHi] { p.deallocate() }
        for p in [yW0, yW1, xW0, xW1] { p.deallocate() }
    }

    /// Floats of scratch ``row(of:_:into:scratch:)`` needs: one input row.
    package var rowScratchFloats: Int { inWidth }

    /// Output row `oy` of the resized `plane` (`inHeight × inWidth`) into `dst` (`outWidth` floats).
    /// Linear: the two source rows blended (whole vectors) into `scratch` (``rowScratchFloats`` floats),
    /// then two taps per output.
    @inline(__always)
    package func row(of plane: UnsafePointer<Float>, _ oy: Int, into dst: UnsafeMutablePointer<Float>,
                    scratch: ScratchRegion) {
        switch mode {
        case .nearest:
            let src = plane + yLo[oy] * inWidth
            for ox in 0..<outWidth { dst[ox] = src[xLo[ox]] }
        case .linear:
            let r0 = plane + yLo[oy] * inWidth, r1 = plane + yHi[oy] * inWidth
            let a0 = yW0[oy], a1 = yW1[oy]
            let v0 = SIMD8<Float>(repeating: a0), v1 = SIMD8<Float>(repeating: a1)
            var x = 0
            while x + 8 <= inWidth {
                let p0 = UnsafeRawPointer(r0 + x).loadUnaligned(as: SIMD8<Float>.self)
                let p1 = UnsafeRawPointer(r1 + x).loadUnaligned(as: SIMD8<Float>.self)
                scratch.store(p0 * v0 + p1 * v1, at: x)
                x += 8
            }
            while x < inWidth {
                scratch[x] = r0[x] * a0 + r1[x] * a1
                x += 1
            }
            if doublesWidth {
                @inline(__always) func tap(_ ox: Int) { dst[ox] = scratch[xLo[ox]] * xW0[ox] + scratch[xHi[ox]] * xW1[ox] }
                tap(0); tap(1); tap(outWidth - 2); tap(outWidth - 1)
                Self.double(scratch, count: inWidth, into: dst)
            } else {
                for ox in 0..<outWidth {
                    dst[ox] = scratch[xLo[ox]] * xW0[ox] + scratch[xHi[ox]] * xW1[ox]
                }
            }
        }
    }

    /// For source columns 1 … n−2 of `t` (its first `n` floats): `dst[2i] = t[i−1]·¼ + t[i]·¾`,
    /// `dst[2i+1] = t[i]·¾ + t[i+1]·¼` — the same products and sums as the general taps, eight source
    /// values at a time.
    @inline(__always)
    static func double(_ t: ScratchRegion, count n: Int, into dst: UnsafeMutablePointer<Float>) {
        let quarter = SIMD8<Float>(repeating: 0.25), threeQuarters = SIMD8<Float>(repeating: 0.75)
        @inline(__always) func scalar(_ i: Int) {
            let l = t[i - 1], c = t[i], r = t[i + 1]
            dst[2 * i] = l * 0.25 + c * 0.75
            dst[2 * i + 1] = c * 0.75 + r * 0.25
        }
        var i = 1
        while i + 9 <= n {
            let c = t.load(SIMD8<Float>.self, at: i)
            let l = t.load(SIMD8<Float>.self, at: i - 1)
            let r = t.load(SIMD8<Float>.self, at: i + 1)
            let even = l * quarter + c * threeQuarters, odd = c * threeQuarters + r * quarter
            let out = SIMD16(even[0], odd[0], even[1], odd[1], even[2], odd[2], even[3], odd[3],
                             even[4], odd[4], even[5], odd[5], even[6], odd[6], even[7], odd[7])
            UnsafeMutableRawPointer(dst + 2 * i).storeBytes(of: out, as: SIMD16<Float>.self)
            i += 8
        }
        while i < n - 1 {
            scalar(i)
            i += 1
        }
    }

    /// Resizes `planes` planes from `input` into `output`.
    package func run(input: UnsafePointer<Float>, planes: Int, output: UnsafeMutablePointer<Float>, threads: Int) {
        let work = planes * outHeight
        let (inPlane, outH, outW) = (inHeight * inWidth, outHeight, outWidth)
        Parallel.forRanges(work, threads: work * outW >= 1 << 14 ? threads : 1) { _, range in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: max(self.rowScratchFloats, 1)) { scratch in
                let scratch = ScratchRegion(scratch.baseAddress!, count: self.rowScratchFloats)
                for job in range {
                    let p = job / outH, oy = job % outH
                    self.row(of: input + p * inPlane, oy, into: output + job * outW, scratch: scratch)
                }
            }
        }
    }
}
