import NNTensor

/// The matting Laplacian of Levin, Lischinski and Weiss ("A Closed-Form Solution to Natural Image Matting",
/// 2008), kept only for the rows of unknown pixels: for 3 × 3 windows `w` (wholly inside the image, with at
/// least one unknown pixel),
///
///     L_ij = Σ_{w ∋ i, j} ( δ_ij − (1 + (I_i − μ_w)ᵀ (Σ_w + ε/9 · E)⁻¹ (I_j − μ_w)) / 9 )
///
/// with `μ_w`, `Σ_w` the window's mean colour and colour covariance. A pixel's row has at most 25 non-zero
/// entries, at offsets −2…2 × −2…2. Unknown pixels get slots in runs padded to multiples of 8, and each block
/// of 8 slots stores its 25 × 8 entries together, so applying the matrix is one sequential stream of
/// coefficients and 25 vector multiply-adds per 8 pixels. (Storing half of the symmetric matrix and scattering
/// the transposed half measured slower: the scattered stores overlap the next block's loads.)
struct MattingLaplacian {
    let width: Int
    let height: Int
    /// Number of slots (unknown pixels plus padding to whole blocks of 8): the system's size.
    let count: Int
    /// Number of unknown pixels.
    let unknowns: Int
    /// Row-major index of the pixel in each slot, −1 for padding (whose rows and columns are zero).
    let pixels: [Int32]
    /// Maximal horizontal runs of unknown pixels: first slot (a multiple of 8), first pixel index, length.
    let runs: [(unknown: Int, pixel: Int, length: Int)]
    /// `coefficients[(u / 8) · 200 + k · 8 + u % 8]`: the entry of slot `u`'s row at offset `k`
    /// (dy = k / 5 − 2, dx = k % 5 − 2; k = 12 is the diagonal).
    let coefficients: [Float]
    /// `−L_UK α_K`: what the known pixels (foreground 1, background 0) contribute to each unknown row.
    let rhs: [Float]

    /// Padding around the image in the work grid, so every offset of every unknown pixel is addressable.
    static let pad = 2

    /// - Parameters:
    ///   - image: colours in [0, 1].
    ///   - trimap: 255 subject, 0 background, anything else unknown.
    ///   - epsilon: the regulariser ε (pymatting's default is 1e-7).
    init(image: ColorPlanes, trimap: [UInt8], epsilon: Double) {
        let w = image.width, h = image.height, n = w * h
        width = w; height = h
        var index = [Int32](repeating: -1, count: n)
        var pixels: [Int32] = []
        var runs: [(Int, Int, Int)] = []
        for y in 0..<h {
            var x = 0
            while x < w {
                let t = trimap[y * w + x]
                if t == Trimap.foreground || t == Trimap.background { x += 1; continue }
                let start = x, slot = pixels.count
                while x < w, trimap[y * w + x] != Trimap.foreground, trimap[y * w + x] != Trimap.background {
                    index[y * w + x] = Int32(pixels.count)
                    pixels.append(Int32(y * w + x))
                    x += 1
                }
                runs.append((slot, y * w + start, x - start))
                while pixels.count % 8 != 0 { pixels.append(-1) }
            }
        }
        let m = pixels.count
        count = m
        unknowns = runs.reduce(0) { $0 + $1.2 }
        self.pixels = pixels
        self.runs = runs.map { (unknown: $0.0, pixel: $0.1, length: $0.2) }
        var coef = [Float](repeating: 0, count: 25 * m)
        var rhs = [Double](repeating: 0, count: m)
        guard m > 0, w >= 3, h >= 3 else {
            // No window fits: rows stay zero (the solver then keeps its starting values).
            coefficients = coef; self.rhs = rhs.map(Float.init); return
        }
        // Windows to visit: centres within one pixel of an unknown pixel, away from the image's edge.
        var needed = [Bool](repeating: false, count: n)
        for p in pixels where p >= 0 {
            let y = Int(p) / w, x = Int(p) % w
            for cy in max(1, y - 1)...min(h - 2, y + 1) where cy >= 1 && cy <= h - 2 {
                for cx in max(1, x - 1)...min(w - 2, x + 1) where cx >= 1 && cx <= w - 2 { needed[cy * w + cx] = true }
            }
        }
        let eps = epsilon
        image.values.withUnsafeBufferPointer { img in
            coef.withUnsafeMutableBufferPointer { cf in rhs.withUnsafeMutableBufferPointer { rh in
              // Windows centred on `rows` write the rows of pixels in rows − 1 … rows + 1.
              func windows(_ rows: Range<Int>) {
                var c = [SIMD3<Double>](repeating: .zero, count: 9)
                for cy in rows {
                    for cx in 1..<w - 1 where needed[cy * w + cx] {
                        var mean = SIMD3<Double>.zero
                        for k in 0..<9 {
                            let p = (cy + k / 3 - 1) * w + cx + k % 3 - 1
                            c[k] = SIMD3(Double(img[p]), Double(img[n + p]), Double(img[2 * n + p]))
                            mean += c[k]
                        }
                        mean /= 9
                        var a00 = eps, a01 = 0.0, a02 = 0.0, a11 = eps, a12 = 0.0, a22 = eps
                        for k in 0..<9 {
                            c[k] -= mean
                            let v = c[k]
                            a00 += v.x * v.x; a01 += v.x * v.y; a02 += v.x * v.z
                            a11 += v.y * v.y; a12 += v.y * v.z; a22 += v.z * v.z
                        }
                        a00 /= 9; a01 /= 9; a02 /= 9; a11 /= 9; a12 /= 9; a22 /= 9
                        // Inverse by cofactors.
                        let i00 = a11 * a22 - a12 * a12, i01 = a02 * a12 - a01 * a22, i02 = a01 * a12 - a02 * a11
                        let i11 = a00 * a22 - a02 * a02, i12 = a01 * a02 - a00 * a12, i22 = a00 * a11 - a01 * a01
                        let inv = 1 / (a00 * i00 + a01 * i01 + a02 * i02)
                        let r0 = SIMD3(i00, i01, i02) * inv, r1 = SIMD3(i01, i11, i12) * inv, r2 = SIMD3(i02, i12, i22) * inv
                        for ki in 0..<9 {
                            let pi = (cy + ki / 3 - 1) * w + cx + ki % 3 - 1
                            let u = Int(index[pi])
                            if u < 0 { continue }
                            let v = c[ki]
                            let mv = SIMD3((r0 * v).sum(), (r1 * v).sum(), (r2 * v).sum())
                            for kj in 0..<9 {
                                let dy = kj / 3 - ki / 3, dx = kj % 3 - ki % 3
                                let value = (ki == kj ? 1.0 : 0.0) - (1 + (mv * c[kj]).sum()) / 9
                                let k = (dy + 2) * 5 + dx + 2
                                cf[(u >> 3) * 200 + k * 8 + (u & 7)] += Float(value)
                                // Known subject neighbours move to the right-hand side: −L_UK α_K.
                                let pj = (cy + kj / 3 - 1) * w + cx + kj % 3 - 1
                                if trimap[pj] == Trimap.foreground { rh[u] -= value }
                            }
                        }
                    }
                }
              }
                // Two halves whose written rows are disjoint, then the two centre rows between them.
                let mid = h / 2
                if h >= 8 {
                    Parallel.forEach(2, threads: 2) { half in windows(half == 0 ? 1..<mid : mid + 2..<h - 1) }
                    windows(mid..<mid + 2)
                } else {
                    windows(1..<h - 1)
                }
            }}
        }
        coefficients = coef
        self.rhs = rhs.map(Float.init)
    }

    /// Copies `x` (over the slots) into `grid`, the padded image where the matrix reads it. Entries of the grid
    /// that are not unknown pixels stay as they are (zero).
    func scatter(_ x: UnsafePointer<Float>, into grid: UnsafeMutablePointer<Float>) {
        let gw = width + 2 * Self.pad
        for run in runs {
            let p = run.pixel
            (grid + (p / width + Self.pad) * gw + p % width + Self.pad).update(from: x + run.unknown, count: run.length)
        }
    }

    /// `y = L_UU x` with `x` already scattered into `grid` (see ``scatter(_:into:)``); returns `x · y` in double
    /// precision. `grid` has ``gridCount`` floats, zero wherever no unknown pixel is.
    func apply(grid: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, threads: Int) -> Double {
        let gw = width + 2 * Self.pad
        var offsets = [Int](repeating: 0, count: 25)
        for k in 0..<25 { offsets[k] = (k / 5 - 2) * gw + k % 5 - 2 }
        let workers = max(1, min(threads, runs.count))
        var partial = [Double](repeating: 0, count: workers)
        coefficients.withUnsafeBufferPointer { cb in
            offsets.withUnsafeBufferPointer { ob in
                partial.withUnsafeMutableBufferPointer { pb in
                    let c = cb.baseAddress!, off = ob.baseAddress!, sums = pb.baseAddress!
                    let runs = self.runs
                    let width = self.width
                    Parallel.forRanges(runs.count, threads: workers) { worker, range in
                        var dot = 0.0
                        for r in range {
                            let run = runs[r]
                            let p = run.pixel
                            let g = grid + (p / width + Self.pad) * gw + p % width + Self.pad
                            var u = run.unknown, t = 0
                            var runDot = SIMD8<Float>.zero
                            // Whole blocks: lanes past the run's end have zero coefficients (and read the grid
                            // harmlessly: it has slack after its last row).
                            while t < run.length {
                                let block = UnsafeRawPointer(c + (u >> 3) * 200)
                                let gt = g + t
                                var acc = SIMD8<Float>.zero, acc2 = SIMD8<Float>.zero
                                var k = 0
                                while k < 24 {
                                    acc.addProduct(block.loadUnaligned(fromByteOffset: k * 32, as: SIMD8<Float>.self),
                                                   UnsafeRawPointer(gt + off[k]).loadUnaligned(as: SIMD8<Float>.self))
                                    acc2.addProduct(block.loadUnaligned(fromByteOffset: k * 32 + 32, as: SIMD8<Float>.self),
                                                    UnsafeRawPointer(gt + off[k + 1]).loadUnaligned(as: SIMD8<Float>.self))
                                    k += 2
                                }
                                acc.addProduct(block.loadUnaligned(fromByteOffset: 24 * 32, as: SIMD8<Float>.self),
                                               UnsafeRawPointer(gt + off[24]).loadUnaligned(as: SIMD8<Float>.self))
                                acc += acc2
                                UnsafeMutableRawPointer(y + u).storeBytes(of: acc, as: SIMD8<Float>.self)
                                // Lanes past the run's end have acc = 0.
                                runDot.addProduct(acc, UnsafeRawPointer(gt).loadUnaligned(as: SIMD8<Float>.self))
                                t += 8; u += 8
                            }
                            dot += Double(runDot.sum())
                        }
                        sums[worker] = dot
                    }
                }
            }
        }
        return partial.reduce(0, +)
    }

    /// Size of the scratch grid ``apply(_:into:grid:threads:)`` needs.
    var gridCount: Int { (width + 2 * Self.pad) * (height + 2 * Self.pad) + 16 }

    /// The diagonal, for Jacobi preconditioning (0 for padding slots).
    var diagonal: [Float] { (0..<count).map { coefficients[($0 >> 3) * 200 + 12 * 8 + ($0 & 7)] } }
}
