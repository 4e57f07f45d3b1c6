import CBLAS

/// Shape and attributes of a deformable convolution (ONNX DeformConv, torchvision's `deform_conv2d`).
package struct DeformConvGeometry: Sendable, Equatable {
    package var batch: Int, inChannels: Int, inHeight: Int, inWidth: Int
    package var outChannels: Int, kernelHeight: Int, kernelWidth: Int
    package var strideY: Int, strideX: Int, padTop: Int, padLeft: Int, dilationY: Int, dilationX: Int
    package var groups: Int, offsetGroups: Int
    package var outHeight: Int, outWidth: Int

    package init(batch: Int, inChannels: Int, inHeight: Int, inWidth: Int, outChannels: Int, kernelHeight: Int,
                 kernelWidth: Int, strideY: Int, strideX: Int, padTop: Int, padLeft: Int, padBottom: Int, padRight: Int,
                 dilationY: Int, dilationX: Int, groups: Int, offsetGroups: Int) {
        self.batch = batch; self.inChannels = inChannels; self.inHeight = inHeight; self.inWidth = inWidth
        self.outChannels = outChannels; self.kernelHeight = kernelHeight; self.kernelWidth = kernelWidth
        self.strideY = strideY; self.strideX = strideX; self.padTop = padTop; self.padLeft = padLeft
        self.dilationY = dilationY; self.dilationX = dilationX; self.groups = groups; self.offsetGroups = offsetGroups
        outHeight = (inHeight + padTop + padBottom - dilationY * (kernelHeight - 1) - 1) / strideY + 1
        outWidth = (inWidth + padLeft + padRight - dilationX * (kernelWidth - 1) - 1) / strideX + 1
    }

    /// Kernel taps.
    package var kernelArea: Int { kernelHeight * kernelWidth }
    /// Rows of one group's column matrix: its input channels × taps.
    package var patchSize: Int { inChannels / groups * kernelArea }
}

/// Deformable convolution, tile by tile: for a band of output pixels, each tap is sampled bilinearly at
/// its offset position (zero outside the image, the mask multiplied in) into a column tile in scratch,
/// and the tile is multiplied by the weights with sgemm. The full sampled tensor is never built: scratch
/// is one column tile and one sampling plan per thread, whatever the map's size.
///
/// Sampling follows torchvision's `deform_conv2d` (and ONNX Runtime's DeformConv): a point with
/// `y ≤ -1`, `y ≥ H`, `x ≤ -1` or `x ≥ W` samples 0; otherwise each of its four neighbours inside the
/// image contributes with its bilinear weight.
package final class DeformConv2D {
    package let geometry: DeformConvGeometry
    private let weights: UnsafeMutablePointer<Float>
    private let bias: UnsafeMutablePointer<Float>
    /// Output pixels per tile.
    package let tileColumns: Int
    package let scratchLayout: ScratchLayout

    /// Per-thread scratch budget, in floats (2 MiB).
    static let maxScratchFloats = 1 << 19

    /// - Parameters:
    ///   - weights: `outChannels × (inChannels/groups) × kh × kw` floats, ONNX's layout.
    ///   - bias: `outChannels` floats, or nil for none.
    package init(geometry g: DeformConvGeometry, weights w: [Float], bias b: [Float]?) {
        precondition(w.count == g.outChannels * g.patchSize, "DeformConv2D: weight count")
        precondition(g.inChannels % g.groups == 0 && g.outChannels % g.groups == 0 && g.inChannels % g.offsetGroups == 0)
        geometry = g
        weights = .allocate(capacity: max(w.count, 1))
        weights.initialize(from: w, count: w.count)
        bias = .allocate(capacity: max(g.outChannels, 1))
        if let b { bias.initialize(from: b, count: g.outChannels) } else { bias.initialize(repeating: 0, count: g.outChannels) }
        let perColumn = g.inChannels * g.kernelArea + ScratchLayout.planFloatsPerTap * g.kernelArea
        var cols = max(Self.maxScratchFloats / max(perColumn, 1), 16)
        cols = cols >= 32 ? cols / 16 * 16 : cols
        tileColumns = max(1, min(g.outHeight * g.outWidth, cols, 512))
        scratchLayout = ScratchLayout(rows: g.inChannels * g.kernelArea, taps: g.kernelArea, tileColumns: tileColumns)
    }

    deinit {
        weights.deallocate()
        bias.deallocate()
    }

    /// Scratch floats needed by each thread.
    package var scratchFloatsPerThread: Int { scratchLayout.threadFloats }

    /// Runs the convolution.
    /// - Parameters:
    ///   - input: `batch × inChannels × inHeight × inWidth`.
    ///   - offset: `batch × (offsetGroups · kh · kw · 2) × outHeight × outWidth`, (dy, dx) per tap.
    ///   - mask: `batch × (offsetGroups · kh · kw) × outHeight × outWidth`, or nil for none.
    ///   - output: `batch × outChannels × outHeight × outWidth`; must not overlap the inputs.
    ///   - scratch: `threads × scratchFloatsPerThread` floats.
    package func run(input: UnsafePointer<Float>, offset: UnsafePointer<Float>, mask: UnsafePointer<Float>?,
                     output: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>, threads: Int) {
        let g = geometry
        let pixels = g.outHeight * g.outWidth
        guard pixels > 0, g.outChannels > 0 else { return }
        let tiles = (pixels + tileColumns - 1) / tileColumns
        let jobs = g.batch * tiles
        let workers = min(max(threads, 1), jobs)
        let layout = scratchLayout
        let region = ScratchRegion(scratch, count: layout.floats(threads: workers))
        Parallel.forRanges(jobs, threads: workers) { worker, range in
            let share = layout.share(worker: worker, in: region)
            for job in range {
                self.runTile(n: job / tiles, tile: job % tiles, input: input, offset: offset, mask: mask, output: output,
                             share: share)
            }
        }
    }

    /// Output pixels `tile · tileColumns ..<` (at most `tileColumns`) of image `n`.
    @inline(__always)
    private func runTile(n: Int, tile: Int, input: UnsafePointer<Float>, offset: UnsafePointer<Float>,
                         mask: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>, share: ScratchRegion) {
        let g = geometry
        let pixels = g.outHeight * g.outWidth
        let p0 = tile * tileColumns
        let cols = min(tileColumns, pixels - p0)
        let kk = g.kernelArea
        let columns = scratchLayout.columns(in: share)
        let plan = scratchLayout.plan(in: share)
        let col = columns.pointer(at: 0, count: columns.count)
        let channelsPerOffsetGroup = g.inChannels / g.offsetGroups
        let hw = g.inHeight * g.inWidth
        for og in 0..<g.offsetGroups {
            let offsets = offset + (n * g.offsetGroups + og) * 2 * kk * pixels
            let masks = mask.map { $0 + (n * g.offsetGroups + og) * kk * pixels }
            buildPlan(plan, offsets: offsets, masks: masks, firstPixel: p0, cols: cols)
            for c in (og * channelsPerOffsetGroup)..<((og + 1) * channelsPerOffsetGroup) {
                let image = input + (n * g.inChannels + c) * hw
                for k in 0..<kk {
                    let taps = plan.pointer(at: k * ScratchLayout.planFloatsPerTap * tileColumns,
                                            count: ScratchLayout.planFloatsPerTap * tileColumns)
                    let dst = col + (c * kk + k) * cols
                    sample(image, taps: taps, stride: tileColumns, into: dst, count: cols)
                }
            }
        }
        let coutG = g.outChannels / g.groups, K = g.patchSize
        for group in 0..<g.groups {
            let out = output + (n * g.outChannels + group * coutG) * pixels + p0
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(coutG), Int32(cols), Int32(K),
                        1, weights + group * coutG * K, Int32(K), col + group * K * cols, Int32(cols), 0, out, Int32(pixels))
            let b = bias + group * coutG
            for r in 0..<coutG {
                let row = out + r * pixels, v = b[r]
                if v != 0 { for i in 0..<cols { row[i] += v } }
            }
        }
    }

    /// For each tap and each pixel of the tile: four neighbour indices (as bit patterns) and four weights,
    /// the mask and the image bounds folded into the weights (an outside neighbour weighs 0 at index 0).
    @inline(__always)
    private func buildPlan(_ plan: ScratchRegion, offsets: UnsafePointer<Float>, masks: UnsafePointer<Float>?,
                           firstPixel p0: Int, cols: Int) {
        let g = geometry
        let pixels = g.outHeight * g.outWidth
        let H = g.inHeight, W = g.inWidth
        let Hf = Float(H), Wf = Float(W)
        let stride = tileColumns
        for k in 0..<g.kernelArea {
            let ky = k / g.kernelWidth, kx = k % g.kernelWidth
            let baseY = Float(ky * g.dilationY - g.padTop), baseX = Float(kx * g.dilationX - g.padLeft)
            let dy = offsets + 2 * k * pixels + p0, dx = offsets + (2 * k + 1) * pixels + p0
            let m = masks.map { $0 + k * pixels + p0 }
            let t = plan.pointer(at: k * ScratchLayout.planFloatsPerTap * stride, count: ScratchLayout.planFloatsPerTap * stride)
            for j in 0..<cols {
                let p = p0 + j
                let oy = p / g.outWidth, ox = p - oy * g.outWidth
                let y = Float(oy * g.strideY) + baseY + dy[j]
                let x = Float(ox * g.strideX) + baseX + dx[j]
                var w00: Float = 0, w01: Float = 0, w10: Float = 0, w11: Float = 0
                var i00 = 0, i01 = 0, i10 = 0, i11 = 0
                if y > -1 && y < Hf && x > -1 && x < Wf {
                    let yf = y.rounded(.down), xf = x.rounded(.down)
                    let yl = Int(yf), xl = Int(xf)
                    let ly = y - yf, lx = x - xf, hy = 1 - ly, hx = 1 - lx
                    let scale = m?[j] ?? 1
                    let top = yl >= 0, bottom = yl + 1 < H, left = xl >= 0, right = xl + 1 < W
                    if top && left { w00 = hy * hx * scale; i00 = yl * W + xl }
                    if top && right { w01 = hy * lx * scale; i01 = yl * W + xl + 1 }
                    if bottom && left { w10 = ly * hx * scale; i10 = (yl + 1) * W + xl }
                    if bottom && right { w11 = ly * lx * scale; i11 = (yl + 1) * W + xl + 1 }
                }
                t[j] = Float(bitPattern: UInt32(truncatingIfNeeded: i00))
                t[stride + j] = Float(bitPattern: UInt32(truncatingIfNeeded: i01))
                t[2 * stride + j] = Float(bitPattern: UInt32(truncatingIfNeeded: i10))
                t[3 * stride + j] = Float(bitPattern: UInt32(truncatingIfNeeded: i11))
                t[4 * stride + j] = w00
                t[5 * stride + j] = w01
                t[6 * stride + j] = w10
                t[7 * stride + j] = w11
            }
        }
    }

    /// One column-tile row: each pixel's four weighted neighbours in `image`.
    @inline(__always)
    private func sample(_ image: UnsafePointer<Float>, taps t: UnsafeMutablePointer<Float>, stride: Int,
                        into dst: UnsafeMutablePointer<Float>, count: Int) {
        for j in 0..<count {
            let i00 = Int(t[j].bitPattern), i01 = Int(t[stride + j].bitPattern)
            let i10 = Int(t[2 * stride + j].bitPattern), i11 = Int(t[3 * stride + j].bitPattern)
            dst[j] = t[4 * stride + j] * image[i00] + t[5 * stride + j] * image[i01]
                + t[6 * stride + j] * image[i10] + t[7 * stride + j] * image[i11]
        }
    }
}

extension DeformConv2D {
    /// Where each thread's areas lie in the scratch of a ``DeformConv2D``, in floats: thread `w` owns
    /// ``threadFloats`` floats from `w · threadFloats`, first its column tile (`rows × tileColumns`), then its
    /// sampling plan (``planFloatsPerTap`` × `tileColumns` per tap).
    package struct ScratchLayout: Equatable, PerThreadScratch {
        /// Plan floats per tap and pixel: four neighbour indices, four weights.
        package static let planFloatsPerTap = 8
        package let columnsFloats: Int
        package let planFloats: Int

        package init(rows: Int, taps: Int, tileColumns: Int) {
            columnsFloats = rows * tileColumns
            planFloats = Self.planFloatsPerTap * taps * tileColumns
        }

        package var threadFloats: Int { columnsFloats + planFloats }

        /// The column tile, in a thread's share (a tile of fewer pixels packs its rows closer).
        @inline(__always)
        package func columns(in share: ScratchRegion) -> ScratchRegion { share.prefix(columnsFloats) }

        /// The sampling plan, in a thread's share.
        @inline(__always)
        package func plan(in share: ScratchRegion) -> ScratchRegion {
            share.subregion(at: columnsFloats, count: planFloats)
        }
    }
}
