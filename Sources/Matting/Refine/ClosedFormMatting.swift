import Imaging
import NNTensor

extension MatteRefiner {
    /// Closed-form alpha matting (Levin, Lischinski and Weiss 2008) over a trimap's unknown band: the matte that
    /// minimises `αᵀLα` (``MattingLaplacian``) with the trimap's subject pixels fixed at 1 and background at 0.
    /// Solved by conjugate gradients with a Jacobi preconditioner, started from `initial` (the coarse matte), so
    /// the iterations only have to correct it; the system is never formed beyond the unknown pixels' rows.
    ///
    /// - Parameters:
    ///   - image: the photo, `width × height` RGB.
    ///   - trimap: 255 subject, 0 background, other values unknown (see ``Trimap/make(from:foregroundThreshold:backgroundThreshold:erode:)``).
    ///   - initial: the starting matte (the trimap's size); unknown pixels start from it. Nil starts from 0.5.
    ///   - epsilon: the Laplacian's regulariser ε (colours in [0, 1]); 1e-7 is pymatting's default.
    ///   - tolerance: stop when the residual's norm falls below this fraction of the right-hand side's.
    ///   - maxIterations: stop after this many iterations anyway.
    /// - Returns: the matte (the trimap's size) and the solver's report.
    public static func closedForm(image: Image, trimap: GrayImage, initial: GrayImage? = nil, epsilon: Double = 1e-7,
                                  tolerance: Double = 1e-4, maxIterations: Int = 2000,
                                  threads: Int = defaultThreads) -> (matte: GrayImage, report: SolverReport) {
        precondition(image.width == trimap.width && image.height == trimap.height, "closedForm: sizes differ")
        let start = initial.map { Levels.unit($0.pixels) }
        let (alpha, report) = closedForm(image: ColorPlanes(image), trimap: trimap.pixels, initial: start, epsilon: epsilon,
                                         tolerance: tolerance, maxIterations: maxIterations, threads: threads)
        return (GrayImage(width: image.width, height: image.height, pixels: Levels.bytes(alpha)), report)
    }

    /// How a solve ended.
    public struct SolverReport: Sendable, Equatable {
        /// Unknown pixels (the system's size).
        public var unknowns: Int
        /// Conjugate-gradient iterations run.
        public var iterations: Int
        /// Final ‖r‖ / ‖b‖.
        public var relativeResidual: Double
    }

    /// The float version: alpha in [0, 1] for every pixel (known pixels exactly 0 or 1).
    static func closedForm(image: ColorPlanes, trimap: [UInt8], initial: [Float]?, epsilon: Double, tolerance: Double,
                           maxIterations: Int, threads: Int) -> ([Float], SolverReport) {
        let laplacian = MattingLaplacian(image: image, trimap: trimap, epsilon: epsilon)
        let m = laplacian.count
        var alpha = trimap.map { $0 == Trimap.foreground ? Float(1) : 0 }
        var x = laplacian.pixels.map { p in p < 0 ? 0 : initial.map { max(0, min(1, $0[Int(p)])) } ?? 0.5 }
        let (iterations, residual) = ConjugateGradient.solve(laplacian, rhs: laplacian.rhs, x: &x, tolerance: tolerance,
                                                             maxIterations: maxIterations, threads: threads)
        for u in 0..<m where laplacian.pixels[u] >= 0 { alpha[Int(laplacian.pixels[u])] = max(0, min(1, x[u])) }
        return (alpha, SolverReport(unknowns: laplacian.unknowns, iterations: iterations, relativeResidual: residual))
    }
}

/// Preconditioned conjugate gradients for the matting system.
enum ConjugateGradient {
    /// Solves `L x = b` in place from the given `x`, Jacobi-preconditioned. Vectors are over the Laplacian's slots
    /// (padding slots stay zero); reductions in double precision; each step is one matrix product (which also
    /// gives `p · Lp`) and two fused, threaded passes over the vectors.
    /// - Returns: iterations done and the final relative residual ‖r‖ / ‖b‖.
    static func solve(_ L: MattingLaplacian, rhs b: [Float], x: inout [Float], tolerance: Double, maxIterations: Int,
                      threads: Int) -> (Int, Double) {
        let m = L.count
        guard m > 0 else { return (0, 0) }
        let blocks = m / 8
        let workers = max(1, min(threads, blocks))
        var grid = [Float](repeating: 0, count: L.gridCount)
        var r = [Float](repeating: 0, count: m), z = r, p = r, q = r
        let inverseDiagonal = L.diagonal.map { $0 > 1e-12 ? 1 / $0 : 0 }
        let normB = max(b.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot(), 1e-30)
        var iteration = 0
        var residual = 0.0
        grid.withUnsafeMutableBufferPointer { gb in
            x.withUnsafeMutableBufferPointer { xb in
                let g = gb.baseAddress!, xp = xb.baseAddress!
                r.withUnsafeMutableBufferPointer { rb in z.withUnsafeMutableBufferPointer { zb in
                p.withUnsafeMutableBufferPointer { pb in q.withUnsafeMutableBufferPointer { qb in
                b.withUnsafeBufferPointer { bb in inverseDiagonal.withUnsafeBufferPointer { db in
                    let rp = rb.baseAddress!, zp = zb.baseAddress!, pp = pb.baseAddress!, qp = qb.baseAddress!
                    let bp = bb.baseAddress!, dp = db.baseAddress!
                    var partial = [SIMD2<Double>](repeating: .zero, count: workers)
                    /// Runs `body(blockRange)` on every worker and sums the pairs it returns.
                    func pass(_ body: (Range<Int>) -> SIMD2<Double>) -> SIMD2<Double> {
                        partial.withUnsafeMutableBufferPointer { sums in
                            Parallel.forRanges(blocks, threads: workers) { w, range in sums[w] = body(range) }
                        }
                        return partial.reduce(.zero, +)
                    }
                    // r = b − Lx, z = D⁻¹r, p = z.
                    L.scatter(xp, into: g)
                    _ = L.apply(grid: g, into: qp, threads: workers)
                    var sums = pass { range in
                        var s = SIMD2<Double>.zero
                        for i in range.lowerBound * 8..<range.upperBound * 8 {
                            rp[i] = bp[i] - qp[i]; zp[i] = rp[i] * dp[i]; pp[i] = zp[i]
                            s += SIMD2(Double(rp[i]) * Double(zp[i]), Double(rp[i]) * Double(rp[i]))
                        }
                        return s
                    }
                    var rz = sums.x
                    residual = sums.y.squareRoot() / normB
                    L.scatter(pp, into: g)
                    while iteration < maxIterations && residual > tolerance {
                        let pq = L.apply(grid: g, into: qp, threads: workers)
                        guard pq > 0 else { break }
                        let step = Float(rz / pq)
                        sums = pass { range in
                            var s = SIMD8<Double>.zero, t = SIMD8<Double>.zero
                            for block in range {
                                let i = block * 8
                                let pv = UnsafeRawPointer(pp + i).loadUnaligned(as: SIMD8<Float>.self)
                                let qv = UnsafeRawPointer(qp + i).loadUnaligned(as: SIMD8<Float>.self)
                                var xv = UnsafeRawPointer(xp + i).loadUnaligned(as: SIMD8<Float>.self)
                                var rv = UnsafeRawPointer(rp + i).loadUnaligned(as: SIMD8<Float>.self)
                                xv += step * pv
                                rv -= step * qv
                                let zv = rv * UnsafeRawPointer(dp + i).loadUnaligned(as: SIMD8<Float>.self)
                                UnsafeMutableRawPointer(xp + i).storeBytes(of: xv, as: SIMD8<Float>.self)
                                UnsafeMutableRawPointer(rp + i).storeBytes(of: rv, as: SIMD8<Float>.self)
                                UnsafeMutableRawPointer(zp + i).storeBytes(of: zv, as: SIMD8<Float>.self)
                                s += SIMD8<Double>(rv * zv)
                                t += SIMD8<Double>(rv) * SIMD8<Double>(rv)
                            }
                            return SIMD2(s.sum(), t.sum())
                        }
                        let beta = Float(sums.x / rz)
                        rz = sums.x
                        residual = sums.y.squareRoot() / normB
                        _ = pass { range in
                            for block in range {
                                let i = block * 8
                                let zv = UnsafeRawPointer(zp + i).loadUnaligned(as: SIMD8<Float>.self)
                                let pv = UnsafeRawPointer(pp + i).loadUnaligned(as: SIMD8<Float>.self)
                                UnsafeMutableRawPointer(pp + i).storeBytes(of: zv + beta * pv, as: SIMD8<Float>.self)
                            }
                            return .zero
                        }
                        L.scatter(pp, into: g)
                        iteration += 1
                    }
                }}
                }}
                }}
            }
        }
        return (iteration, residual)
    }
}

extension MatteRefiner {
    /// The rows of the matting Laplacian for the trimap's unknown pixels, dense (`unknowns × width·height`,
    /// unknown pixels in row-major order), for inspecting small cases; precondition: at most 4096 pixels.
    public static func laplacianRows(image: Image, trimap: GrayImage, epsilon: Double = 1e-7) -> [[Double]] {
        precondition(image.width * image.height <= 4096, "laplacianRows: for small images only")
        let L = MattingLaplacian(image: ColorPlanes(image), trimap: trimap.pixels, epsilon: epsilon)
        let w = image.width, h = image.height
        var rows: [[Double]] = []
        for u in 0..<L.count where L.pixels[u] >= 0 {
            var row = [Double](repeating: 0, count: w * h)
            let p = Int(L.pixels[u]), y = p / w, x = p % w
            for k in 0..<25 {
                let yy = y + k / 5 - 2, xx = x + k % 5 - 2
                guard yy >= 0, yy < h, xx >= 0, xx < w else { continue }
                row[yy * w + xx] = Double(L.coefficients[(u >> 3) * 200 + k * 8 + (u & 7)])
            }
            rows.append(row)
        }
        return rows
    }
}
