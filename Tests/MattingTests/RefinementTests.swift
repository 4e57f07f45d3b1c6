import Imaging
import Matting
import XCTest

/// Matte refinement against values computed independently: direct per-window formulas, hand-derived
/// Laplacian entries, dense elimination, and composites with a known foreground.
final class RefinementTests: XCTestCase {
    /// A deterministic pseudo-random generator, so cases are the same on every run.
    struct Lcg { var s: UInt64; mutating func next() -> Double { s = s &* 6364136223846793005 &+ 1442695040888963407; return Double(s >> 11) / Double(1 << 53) } }

    func randomImage(_ w: Int, _ h: Int, seed: UInt64) -> Image {
        var g = Lcg(s: seed)
        return Image(width: w, height: h, rgb: (0..<w * h * 3).map { _ in UInt8(g.next() * 255) })
    }

    // MARK: guided filter

    /// He et al.'s filter written directly: per window (clipped to the image) mean, covariance, a and b; then
    /// each pixel averages the a, b of every window covering it.
    func directGuidedFilter(_ image: Image, _ p: [Double], radius r: Int, eps: Double) -> [Double] {
        let w = image.width, h = image.height
        func colour(_ i: Int) -> [Double] { (0..<3).map { Double(image.rgb[3 * i + $0]) / 255 } }
        var a = [[Double]](repeating: [0, 0, 0], count: w * h), b = [Double](repeating: 0, count: w * h)
        for y in 0..<h {
            for x in 0..<w {
                var idx: [Int] = []
                for yy in max(0, y - r)...min(h - 1, y + r) { for xx in max(0, x - r)...min(w - 1, x + r) { idx.append(yy * w + xx) } }
                let n = Double(idx.count)
                var mu = [0.0, 0, 0], mp = 0.0
                for i in idx { let c = colour(i); for k in 0..<3 { mu[k] += c[k] / n }; mp += p[i] / n }
                var cov = [[Double]](repeating: [0, 0, 0], count: 3), cip = [0.0, 0, 0]
                for i in idx {
                    let c = colour(i)
                    for k in 0..<3 {
                        cip[k] += (c[k] - mu[k]) * (p[i] - mp) / n
                        for l in 0..<3 { cov[k][l] += (c[k] - mu[k]) * (c[l] - mu[l]) / n }
                    }
                }
                for k in 0..<3 { cov[k][k] += eps }
                let coef = solve3(cov, cip)
                a[y * w + x] = coef
                b[y * w + x] = mp - (0..<3).reduce(0) { $0 + coef[$1] * mu[$1] }
            }
        }
        var q = [Double](repeating: 0, count: w * h)
        for y in 0..<h {
            for x in 0..<w {
                var sa = [0.0, 0, 0], sb = 0.0, n = 0.0
                for yy in max(0, y - r)...min(h - 1, y + r) {
                    for xx in max(0, x - r)...min(w - 1, x + r) {
                        for k in 0..<3 { sa[k] += a[yy * w + xx][k] }; sb += b[yy * w + xx]; n += 1
                    }
                }
                let c = colour(y * w + x)
                q[y * w + x] = (0..<3).reduce(sb / n) { $0 + sa[$1] / n * c[$1] }
            }
        }
        return q
    }

    /// Gaussian elimination with partial pivoting (3 × 3).
    func solve3(_ m: [[Double]], _ v: [Double]) -> [Double] {
        solveDense(m, v)
    }

    func solveDense(_ m: [[Double]], _ v: [Double]) -> [Double] {
        var a = m, b = v
        let n = b.count
        for c in 0..<n {
            let pivot = (c..<n).max { abs(a[$0][c]) < abs(a[$1][c]) }!
            a.swapAt(c, pivot); b.swapAt(c, pivot)
            for r in c + 1..<n {
                let f = a[r][c] / a[c][c]
                for k in c..<n { a[r][k] -= f * a[c][k] }
                b[r] -= f * b[c]
            }
        }
        var x = [Double](repeating: 0, count: n)
        for r in stride(from: n - 1, through: 0, by: -1) {
            x[r] = (b[r] - (r + 1..<n).reduce(0) { $0 + a[r][$1] * x[$1] }) / a[r][r]
        }
        return x
    }

    func testGuidedFilterMatchesTheDirectFormula() {
        let image = randomImage(17, 13, seed: 7)
        var g = Lcg(s: 99)
        let matte = GrayImage(width: 17, height: 13, pixels: (0..<17 * 13).map { _ in UInt8(g.next() * 255) })
        for (r, eps) in [(1, 1e-2), (3, 1e-3), (5, 1e-1)] {
            let ours = MatteRefiner.guidedFilter(image: image, matte: matte, radius: r, epsilon: Float(eps), subsample: 1, threads: 2)
            let direct = directGuidedFilter(image, matte.pixels.map { Double($0) / 255 }, radius: r, eps: eps)
            for i in 0..<direct.count {
                let expected = max(0, min(255, (direct[i] * 255).rounded()))
                XCTAssertLessThanOrEqual(abs(Double(ours.pixels[i]) - expected), 1, "radius \(r), pixel \(i)")
            }
        }
    }

    func testGuidedFilterKeepsAMatteThatFollowsTheImage() {
        // A matte that is an affine function of the colour is reproduced exactly (a = slope, b = offset).
        let image = randomImage(20, 20, seed: 3)
        let matte = GrayImage(width: 20, height: 20, pixels: (0..<400).map { image.rgb[3 * $0] })
        let out = MatteRefiner.guidedFilter(image: image, matte: matte, radius: 2, epsilon: 1e-6, subsample: 1)
        for i in 0..<400 { XCTAssertLessThanOrEqual(abs(Int(out.pixels[i]) - Int(matte.pixels[i])), 1) }
    }

    // MARK: matting Laplacian

    func testLaplacianOfAFlatWindowByHand() {
        // One 3 × 3 window, one colour: every centred colour is 0, so L = E − 1/9 (a row sums to 0).
        let image = Image(width: 3, height: 3, color: (90, 120, 30))
        let trimap = GrayImage(width: 3, height: 3, pixels: [UInt8](repeating: 128, count: 9))
        let rows = MatteRefiner.laplacianRows(image: image, trimap: trimap)
        XCTAssertEqual(rows.count, 9)
        for i in 0..<9 { for j in 0..<9 { XCTAssertEqual(rows[i][j], (i == j ? 1 : 0) - 1.0 / 9, accuracy: 1e-6) } }
    }

    func testLaplacianOfARedRampByHand() {
        // Red varies, green and blue do not: Σ + ε/9 = diag(σ² + ε/9, ε/9, ε/9), and only red enters, so
        // L_ij = δ_ij − (1 + (r_i − μ)(r_j − μ) / (σ² + ε/9)) / 9.
        let reds: [UInt8] = [0, 30, 60, 90, 120, 150, 180, 210, 240]
        var rgb: [UInt8] = []
        for r in reds { rgb += [r, 50, 50] }
        let image = Image(width: 3, height: 3, rgb: rgb)
        let trimap = GrayImage(width: 3, height: 3, pixels: [UInt8](repeating: 128, count: 9))
        let eps = 1e-3
        let rows = MatteRefiner.laplacianRows(image: image, trimap: trimap, epsilon: eps)
        let v = reds.map { Double($0) / 255 }
        let mu = v.reduce(0, +) / 9
        let variance = v.reduce(0) { $0 + ($1 - mu) * ($1 - mu) } / 9
        for i in 0..<9 {
            for j in 0..<9 {
                let expected = (i == j ? 1 : 0) - (1 + (v[i] - mu) * (v[j] - mu) / (variance + eps / 9)) / 9
                XCTAssertEqual(rows[i][j], expected, accuracy: 1e-5, "L[\(i)][\(j)]")
            }
        }
    }

    func testSolverMatchesADenseSolve() {
        // 8 × 8, the outer ring known (left half subject, right half background), the inside unknown.
        let w = 8, h = 8
        let image = randomImage(w, h, seed: 11)
        var t = [UInt8](repeating: 128, count: w * h)
        for y in 0..<h { for x in 0..<w where x == 0 || y == 0 || x == w - 1 || y == h - 1 { t[y * w + x] = x < w / 2 ? 255 : 0 } }
        let trimap = GrayImage(width: w, height: h, pixels: t)
        let eps = 1e-4
        let rows = MatteRefiner.laplacianRows(image: image, trimap: trimap, epsilon: eps)
        let unknown = (0..<w * h).filter { t[$0] == 128 }
        let known = (0..<w * h).map { t[$0] == 255 ? 1.0 : 0.0 }
        let a = rows.map { row in unknown.map { row[$0] } }
        let b = rows.map { row in -(0..<w * h).filter { t[$0] != 128 }.reduce(0) { $0 + row[$1] * known[$1] } }
        let exact = solveDense(a, b)
        let (matte, report) = MatteRefiner.closedForm(image: image, trimap: trimap, epsilon: eps, tolerance: 1e-7,
                                                      maxIterations: 500, threads: 2)
        XCTAssertEqual(report.unknowns, unknown.count)
        XCTAssertLessThan(report.relativeResidual, 1e-5)
        for (k, p) in unknown.enumerated() {
            let expected = max(0, min(255, (exact[k] * 255).rounded()))
            XCTAssertLessThanOrEqual(abs(Double(matte.pixels[p]) - expected), 1, "pixel \(p)")
        }
        for p in 0..<w * h where t[p] != 128 { XCTAssertEqual(matte.pixels[p], t[p]) }
    }

    func testClosedFormRecoversASoftEdge() {
        // A vertical soft edge between two flat colours: the colour-line model makes alpha linear in colour,
        // so the solve recovers the true ramp from a trimap that only fixes the ends.
        let w = 40, h = 12
        var rgb = [UInt8](repeating: 0, count: w * h * 3)
        var truth = [Double](repeating: 0, count: w * h)
        for y in 0..<h {
            for x in 0..<w {
                let a = max(0, min(1, Double(x - 10) / 20))
                truth[y * w + x] = a
                let f = [220.0, 60, 40], bg = [30.0, 90, 200]
                for c in 0..<3 { rgb[(y * w + x) * 3 + c] = UInt8((a * f[c] + (1 - a) * bg[c]).rounded()) }
            }
        }
        let t = (0..<w * h).map { i -> UInt8 in i % w < 6 ? 0 : i % w >= w - 6 ? 255 : 128 }
        let (matte, _) = MatteRefiner.closedForm(image: Image(width: w, height: h, rgb: rgb),
                                                 trimap: GrayImage(width: w, height: h, pixels: t), tolerance: 1e-6)
        for i in 0..<w * h { XCTAssertEqual(Double(matte.pixels[i]) / 255, truth[i], accuracy: 0.03, "pixel \(i)") }
    }

    // MARK: trimap, clean-up

    func testTrimapThresholdsAndErosion() {
        // One row of 8 pixels; erode 3 → offsets −1…1, the square clipped at the image's edge.
        let m = GrayImage(width: 8, height: 1, pixels: [0, 0, 5, 100, 250, 250, 250, 250])
        let t = Trimap.make(from: m, foregroundThreshold: 240, backgroundThreshold: 10, erode: 3)
        // Background {0, 1, 2} loses 2 (its window reaches 3); subject {4…7} loses 4 (window reaches 3) but
        // keeps 7 (its window is clipped to 6…7).
        XCTAssertEqual(t.pixels, [0, 0, 128, 128, 128, 255, 255, 255])
        // Even size 2 → offsets −1…0: pixel 2's window is 1…2 (kept), pixel 4's is 3…4 (lost).
        let t2 = Trimap.make(from: m, foregroundThreshold: 240, backgroundThreshold: 10, erode: 2)
        XCTAssertEqual(t2.pixels, [0, 0, 0, 128, 128, 255, 255, 255])
        // Thresholds are strict: 240 is not subject, 10 is not background.
        let edge = GrayImage(width: 4, height: 1, pixels: [10, 9, 240, 241])
        XCTAssertEqual(Trimap.make(from: edge, erode: 0).pixels, [128, 0, 128, 255])
        // Vertically too: background, subject, background rows; with erode 3 every window reaches the other
        // kind, so all is unknown; with erode 0 nothing changes.
        let rows = GrayImage(width: 2, height: 3, pixels: [0, 0, 255, 255, 0, 0])
        XCTAssertEqual(Trimap.make(from: rows, erode: 3).pixels, [UInt8](repeating: 128, count: 6))
        XCTAssertEqual(Trimap.make(from: rows, erode: 0).pixels, [0, 0, 255, 255, 0, 0])
    }

    func testCleanupDropsIslandsAndFillsHoles() {
        let w = 40, h = 40
        var px = [UInt8](repeating: 0, count: w * h)
        for y in 5..<35 { for x in 5..<25 { px[y * w + x] = 255 } }  // the subject
        px[20 * w + 15] = 0; px[20 * w + 16] = 0                          // a pinhole
        px[3 * w + 36] = 200; px[3 * w + 37] = 255                        // a speck
        let (clean, report) = MatteCleanup.clean(GrayImage(width: w, height: h, pixels: px))
        XCTAssertEqual(report.islandsRemoved, 1)
        XCTAssertEqual(report.holesFilled, 1)
        XCTAssertEqual(clean.pixels[20 * w + 15], 255)
        XCTAssertEqual(clean.pixels[3 * w + 37], 0)
        XCTAssertEqual(clean.pixels.filter { $0 == 255 }.count, 30 * 20)
        // Shrink by 2 removes two pixels on every side; feathering keeps flat regions flat.
        let shrunk = MatteCleanup.shrink(clean, pixels: 2)
        XCTAssertEqual(shrunk.pixels.filter { $0 == 255 }.count, 26 * 16)
        let soft = MatteCleanup.feather(clean, radius: 4)
        XCTAssertEqual(soft.pixels[20 * w + 15], 255)
        XCTAssertEqual(soft.pixels[20 * w + 38], 0)
        XCTAssertEqual(Double(soft.pixels[20 * w + 24]), 127.5, accuracy: 30, "the edge is half-way")
    }

    // MARK: foreground

    func testForegroundEstimationRecoversAKnownForeground() {
        // I = αF + (1 − α)B with smooth F and B and an alpha ramp: the estimate must find F, not I.
        let w = 64, h = 48
        var rgb = [UInt8](repeating: 0, count: w * h * 3), alpha = [UInt8](repeating: 0, count: w * h)
        var truth = [Double](repeating: 0, count: w * h * 3)
        for y in 0..<h {
            for x in 0..<w {
                let a = max(0, min(1, Double(x - 16) / 32))
                alpha[y * w + x] = UInt8((a * 255).rounded())
                let f = [0.8, 0.5 + 0.2 * Double(y) / Double(h), 0.2], b = [0.1, 0.6, 0.9]
                for c in 0..<3 {
                    truth[(y * w + x) * 3 + c] = f[c]
                    rgb[(y * w + x) * 3 + c] = UInt8(((Double(alpha[y * w + x]) / 255 * f[c] + (1 - Double(alpha[y * w + x]) / 255) * b[c]) * 255).rounded())
                }
            }
        }
        let image = Image(width: w, height: h, rgb: rgb)
        let fg = ForegroundEstimator.estimate(image: image, matte: GrayImage(width: w, height: h, pixels: alpha), threads: 2)
        var worst = 0.0, rawWorst = 0.0
        for i in 0..<w * h where alpha[i] >= 64 {
            for c in 0..<3 {
                worst = max(worst, abs(Double(fg.rgb[3 * i + c]) / 255 - truth[3 * i + c]))
                rawWorst = max(rawWorst, abs(Double(rgb[3 * i + c]) / 255 - truth[3 * i + c]))
            }
        }
        XCTAssertLessThan(worst, 0.05, "foreground within 5% where alpha ≥ 1/4")
        XCTAssertGreaterThan(rawWorst, 0.4, "the photo itself is far from F there")
    }
}
