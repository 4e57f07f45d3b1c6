import CBLAS

/// The geometry of a 2-D convolution over NCHW tensors.
package struct Conv2DGeometry: Sendable, Equatable {
    package var batch: Int
    package var inChannels: Int, inHeight: Int, inWidth: Int
    package var outChannels: Int
    package var kernelHeight: Int, kernelWidth: Int
    package var strideY: Int = 1, strideX: Int = 1
    package var dilationY: Int = 1, dilationX: Int = 1
    /// Zero padding before (top/left) and after (bottom/right).
    package var padTop: Int = 0, padLeft: Int = 0, padBottom: Int = 0, padRight: Int = 0
    package var groups: Int = 1

    package init(batch: Int, inChannels: Int, inHeight: Int, inWidth: Int, outChannels: Int,
                kernelHeight: Int, kernelWidth: Int) {
        self.batch = batch
        self.inChannels = inChannels
        self.inHeight = inHeight
        self.inWidth = inWidth
        self.outChannels = outChannels
        self.kernelHeight = kernelHeight
        self.kernelWidth = kernelWidth
    }

    package var outHeight: Int { (inHeight + padTop + padBottom - dilationY * (kernelHeight - 1) - 1) / strideY + 1 }
    package var outWidth: Int { (inWidth + padLeft + padRight - dilationX * (kernelWidth - 1) - 1) / strideX + 1 }

    /// Rows of one group's im2col matrix: (C/groups)·kh·kw.
    package var patchSize: Int { inChannels / groups * kernelHeight * kernelWidth }
    /// Multiply-adds for the whole convolution.
    package var multiplyAdds: Int { batch * outChannels * outHeight * outWidth * patchSize }

    /// True when the convolution reads each input pixel once per output pixel: 1×1, stride 1, no padding.
    package var isPointwise: Bool {
        kernelHeight == 1 && kernelWidth == 1 && strideY == 1 && strideX == 1
            && padTop == 0 && padLeft == 0 && padBottom == 0 && padRight == 0
    }
}

/// What a convolution does to its output before storing it.
package enum ConvEpilogue: Sendable, Equatable {
    case none
    case relu
    case clip(min: Float, max: Float)

    /// The range outputs are clamped to (±infinity for none).
    package var bounds: (lower: Float, upper: Float) {
        switch self {
        case .none: return (-.infinity, .infinity)
        case .relu: return (0, .infinity)
        case let .clip(lo, hi): return (lo, hi)
        }
    }
}

/// A convolution kernel that reads its input through a per-run scratch buffer: the direct and Winograd
/// kernels. Weights are packed at initialisation; `run` allocates nothing.
package protocol ScratchConvolution: AnyObject, Sendable {
    var geometry: Conv2DGeometry { get }
    /// Floats of scratch `run` needs with `threads` threads.
    func scratchFloats(threads: Int) -> Int
    /// - Parameters:
    ///   - input: the `batch × inChannels` planes of `inHeight × inWidth` (NCHW), from one tensor or, for
    ///     batch 1, from several (see ``ChannelPlanes``).
    ///   - output: `batch × outChannels × outHeight × outWidth`; must not overlap the input.
    ///   - scratch: ``scratchFloats(threads:)`` floats.
    ///   - residual: nil, or a tensor of the output's shape added to the output after the activation
    ///     (a fused residual Add); it must not overlap the output.
    func run(input: ChannelPlanes, output: UnsafeMutablePointer<Float>,
             scratch: UnsafeMutablePointer<Float>, threads: Int, residual: UnsafePointer<Float>?)
}

extension ScratchConvolution {
    /// Runs on one NCHW input tensor.
    package func run(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                    scratch: UnsafeMutablePointer<Float>, threads: Int, residual: UnsafePointer<Float>? = nil) {
        run(input: ChannelPlanes(input, planeSize: geometry.inHeight * geometry.inWidth), output: output,
            scratch: scratch, threads: threads, residual: residual)
    }
}

/// Convolution as matrix multiplication: `im2col` into a bounded per-thread scratch, then `cblas_sgemm`.
///
/// The output columns (pixels) are cut into tiles of at most ``maxScratchFloats`` im2col elements, so
/// scratch stays small whatever the image size. A 1×1 stride-1 convolution multiplies the input in
/// place (no scratch). Bias and the activation are applied to each tile while it is still in cache.
/// This is the reference path that faster convolution algorithms are tested against.
package final class Conv2DIm2col: @unchecked Sendable {
    package let geometry: Conv2DGeometry
    package let epilogue: ConvEpilogue
    /// Largest im2col tile per thread, in floats (1 MiB), unless 256 columns of a long patch need more.
    package static let maxScratchFloats = 1 << 18

    private let weights: UnsafeMutablePointer<Float>  // [outChannels][patchSize]
    private let bias: UnsafeMutablePointer<Float>     // [outChannels]
    /// Output pixels per tile.
    package let tileColumns: Int
    /// Where each thread's im2col tile lies in the scratch.
    package let scratchLayout: ScratchLayout

    /// - Parameters:
    ///   - weights: `outChannels × (inChannels/groups) × kh × kw` floats, ONNX's layout.
    ///   - bias: `outChannels` floats, or nil for none.
    package init(geometry g: Conv2DGeometry, weights w: [Float], bias b: [Float]?, epilogue: ConvEpilogue = .none) {
        precondition(w.count == g.outChannels * g.patchSize, "Conv2DIm2col: weight count")
        precondition(g.inChannels % g.groups == 0 && g.outChannels % g.groups == 0)
        geometry = g
        self.epilogue = epilogue
        weights = .allocate(capacity: w.count)
        weights.initialize(from: w, count: w.count)
        bias = .allocate(capacity: g.outChannels)
        if let b { bias.initialize(from: b, count: g.outChannels) } else { bias.initialize(repeating: 0, count: g.outChannels) }
        let pixels = g.outHeight * g.outWidth
        // At least 256 columns: with long patches (thousands of input channels) narrower tiles would stream
        // the whole weight matrix once per 64 pixels.
        var cols = max(Self.maxScratchFloats / max(g.patchSize, 1), 256)
        cols = cols / 16 * 16
        tileColumns = max(1, min(pixels, cols))
        scratchLayout = ScratchLayout(patchSize: g.isPointwise ? 0 : g.patchSize, tileColumns: tileColumns)
    }

    deinit {
        weights.deallocate()
        bias.deallocate()
    }

    /// Scratch floats needed by each thread (0 for a pointwise convolution).
    package var scratchFloatsPerThread: Int { scratchLayout.threadFloats }

    /// Runs the convolution.
    /// - Parameters:
    ///   - input: `batch × inChannels × inHeight × inWidth`.
    ///   - output: `batch × outChannels × outHeight × outWidth`; must not overlap `input`.
    ///   - scratch: `threads × scratchFloatsPerThread` floats.
    package func run(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                    scratch: UnsafeMutablePointer<Float>?, threads: Int, residual: UnsafePointer<Float>? = nil) {
        let g = geometry
        let delta = residual.map { $0 - UnsafePointer(output) }
        let pixels = g.outHeight * g.outWidth
        let tiles = (pixels + tileColumns - 1) / tileColumns
        let jobs = g.batch * g.groups * tiles
        let workers = min(max(threads, 1), jobs)
        let layout = scratchLayout
        let scratch = scratch.map { ScratchRegion($0, count: layout.floats(threads: workers)) }
        Parallel.forRanges(jobs, threads: workers) { worker, range in
            let col = scratch.map { layout.columns(worker: worker, in: $0) }
            for job in range {
                let tile = job % tiles
                let group = (job / tiles) % g.groups
                let n = job / (tiles * g.groups)
                self.runTile(n: n, group: group, tile: tile, input: input, output: output, scratch: col, residualDelta: delta)
            }
        }
    }

    /// Output pixels `tile · tileColumns ..<` (at most `tileColumns`) of one group of image `n`, by way of
    /// an im2col tile in `scratch` (nil for a pointwise convolution).
    @inline(__always)
    private func runTile(n: Int, group: Int, tile: Int, input: UnsafePointer<Float>,
                         output: UnsafeMutablePointer<Float>, scratch: ScratchRegion?, residualDelta: Int?) {
        let g = geometry
        let pixels = g.outHeight * g.outWidth
        let c0 = tile * tileColumns
        let cols = min(tileColumns, pixels - c0)
        let cinG = g.inChannels / g.groups, coutG = g.outChannels / g.groups
        let K = g.patchSize
        let image = input + (n * g.inChannels + group * cinG) * g.inHeight * g.inWidth
        let out = output + (n * g.outChannels + group * coutG) * pixels + c0
        let w = weights + group * coutG * K

        let b: UnsafePointer<Float>, ldb: Int
        if g.isPointwise {
            b = UnsafePointer(image + c0)
            ldb = pixels
        } else {
            let columns = scratch!.prefix(K * cols)
            im2col(image, into: columns, firstPixel: c0, count: cols)
            b = UnsafePointer(columns.pointer(at: 0, count: K * cols))
            ldb = cols
        }
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(coutG), Int32(cols), Int32(K),
                    1, w, Int32(K), b, Int32(ldb), 0, out, Int32(pixels))
        applyEpilogue(out, rows: coutG, cols: cols, rowStride: pixels, bias: bias + group * coutG, residualDelta: residualDelta)
    }

    /// Fills `cols` columns of the im2col matrix (rows: channel, ky, kx; `patchSize × cols` floats of
    /// `dst`) for output pixels starting at `firstPixel`.
    private func im2col(_ image: UnsafePointer<Float>, into dst: ScratchRegion, firstPixel: Int, count cols: Int) {
        let g = geometry
        let cinG = g.inChannels / g.groups
        let H = g.inHeight, W = g.inWidth, OW = g.outWidth
        var row = 0
        for c in 0..<cinG {
            let plane = image + c * H * W
            for ky in 0..<g.kernelHeight {
                for kx in 0..<g.kernelWidth {
                    var j = 0
                    var p = firstPixel
                    while j < cols {
                        let oy = p / OW, ox0 = p % OW
                        let run = min(OW - ox0, cols - j)
                        let iy = oy * g.strideY - g.padTop + ky * g.dilationY
                        let d = dst.subregion(at: row + j, count: run)
                        if iy < 0 || iy >= H {
                            d.initialize(repeating: 0)
                        } else {
                            let src = plane + iy * W
                            let xOff = kx * g.dilationX - g.padLeft
                            if g.strideX == 1 {
                                // ix = ox + xOff; valid for ox in [-xOff, W - xOff)
                                let lo = min(max(-xOff, ox0), ox0 + run), hi = max(min(W - xOff, ox0 + run), lo)
                                if lo > ox0 { d.prefix(lo - ox0).initialize(repeating: 0) }
                                if hi > lo { d.subregion(at: lo - ox0, count: hi - lo).initialize(from: src + lo + xOff) }
                                if ox0 + run > hi { d.subregion(at: hi - ox0, count: ox0 + run - hi).initialize(repeating: 0) }
                            } else {
                                for t in 0..<run {
                                    let ix = (ox0 + t) * g.strideX + xOff
                                    d[t] = ix >= 0 && ix < W ? src[ix] : 0
                                }
                            }
                        }
                        j += run
                        p += run
                    }
                    row += cols
                }
            }
        }
    }

    @inline(__always)
    private func applyEpilogue(_ out: UnsafeMutablePointer<Float>, rows: Int, cols: Int, rowStride: Int,
                               bias: UnsafePointer<Float>, residualDelta: Int?) {
        let (lo, hi) = epilogue.bounds
        ConvEpilogueKernel.biasClamp(out, rows: rows, cols: cols, rowStride: rowStride, bias: bias, lo: lo, hi: hi,
                                     residualDelta: residualDelta)
    }
}

extension Conv2DIm2col {
    /// Where each thread's im2col tile lies in the scratch of a ``Conv2DIm2col``, in floats: thread `w`
    /// owns ``threadFloats`` floats from `w · threadFloats`. Both ``Conv2DIm2col/scratchFloatsPerThread``
    /// and `run` take their numbers from here.
    package struct ScratchLayout: Equatable, PerThreadScratch {
        /// One im2col tile: patchSize rows × tileColumns columns, in floats (0 for a pointwise
        /// convolution, which multiplies its input in place).
        package let columnsFloats: Int

        /// - Parameter patchSize: rows of the im2col matrix, 0 when none is built.
        package init(patchSize: Int, tileColumns: Int) {
            columnsFloats = patchSize * tileColumns
        }

        /// One thread's share, in floats: its im2col tile.
        package var threadFloats: Int { columnsFloats }

        /// The im2col tile of thread `worker`, in `scratch` (``floats(threads:)`` floats for more than
        /// `worker` threads).
        @inline(__always)
        package func columns(worker: Int, in scratch: ScratchRegion) -> ScratchRegion {
            share(worker: worker, in: scratch)
        }
    }
}

/// Bias, activation and residual applied to output rows.
enum ConvEpilogueKernel {
    /// `dst[i] = clamp(src[i]) + dst[i + residualDelta]` (no residual term when `residualDelta` is nil).
    @inline(__always)
    static func store(_ src: UnsafeRawPointer, to dst: UnsafeMutablePointer<Float>, count: Int,
                      lo: SIMD8<Float>, hi: SIMD8<Float>, residualDelta: Int?) {
        let hasLower = lo[0] > -.infinity, hasUpper = hi[0] < .infinity
        var i = 0
        while i + 8 <= count {
            var v = src.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self)
            if hasLower { v = v.replacing(with: lo, where: v .< lo) }
            if hasUpper { v = v.replacing(with: hi, where: v .> hi) }
            if let d = residualDelta { v += UnsafeRawPointer(dst + i + d).loadUnaligned(as: SIMD8<Float>.self) }
            UnsafeMutableRawPointer(dst + i).storeBytes(of: v, as: SIMD8<Float>.self)
            i += 8
        }
        let s = src.assumingMemoryBound(to: Float.self)
        while i < count {
            dst[i] = min(max(s[i], lo[0]), hi[0]) + (residualDelta.map { UnsafePointer(dst)[i + $0] } ?? 0)
            i += 1
        }
    }

    @inline(__always)
    static func biasClamp(_ out: UnsafeMutablePointer<Float>, rows: Int, cols: Int, rowStride: Int,
                          bias: UnsafePointer<Float>, lo: Float, hi: Float, residualDelta: Int?) {
        let vlo = SIMD8<Float>(repeating: lo), vhi = SIMD8<Float>(repeating: hi)
        for r in 0..<rows {
            let p = out + r * rowStride
            let b = bias[r]
            let vb = SIMD8<Float>(repeating: b)
            var i = 0
            while i + 8 <= cols {
                let raw = UnsafeMutableRawPointer(p + i)
                var v = SIMDMath.clamp(raw.loadUnaligned(as: SIMD8<Float>.self) + vb, vlo, vhi)
                if let d = residualDelta { v += UnsafeRawPointer(p + i + d).loadUnaligned(as: SIMD8<Float>.self) }
                raw.storeBytes(of: v, as: SIMD8<Float>.self)
                i += 8
            }
            while i < cols {
                p[i] = min(max(p[i] + b, lo), hi) + (residualDelta.map { UnsafePointer(p)[i + $0] } ?? 0)
                i += 1
            }
        }
    }
}

/// Process-wide OpenBLAS settings.
package enum BLAS {
    /// Sets OpenBLAS's own thread count. The engine splits convolutions itself and calls sgemm from
    /// several threads at once, so it runs OpenBLAS single-threaded.
    package static func setThreads(_ n: Int) {
        openblas_set_num_threads(Int32(max(n, 1)))
    }
}
