import Foundation
import NNTensor
import XCTest

/// ``PanelMatMul`` against a double-precision product, over shapes that exercise every edge of its tiling,
/// and the vectorised GELU and erf against libm's `erf`.
final class PanelMatMulTests: XCTestCase {
    /// Deterministic values in [-1, 1) (a linear congruential generator: the tests never change).
    private func values(_ count: Int, seed: UInt64) -> [Float] {
        var s = seed
        return (0..<count).map { _ in
            s = s &* 6364136223846793005 &+ 1442695040888963407
            return Float(Int64(bitPattern: s >> 11) % 2_000_000) / 1_000_000 - 1
        }
    }

    private func gelu(_ x: Double) -> Double { x * 0.5 * (1 + Foundation.erf(x / 2.0.squareRoot())) }

    /// Runs one product and returns the largest error relative to the largest magnitude of the product itself.
    private func worstError(m: Int, k: Int, n: Int, transposed: Bool, bias: Bool, activation: MatMulActivation,
                            residual: Bool, threads: Int) -> Double {
        let a = values(m * k, seed: UInt64(m * 31 + k)), b = values(k * n, seed: UInt64(n * 17 + k))
        let bi = bias ? values(n, seed: 5) : [], res = residual ? values(m * n, seed: 9) : []
        var c = [Float](repeating: .nan, count: m * n)
        let packed = b.withUnsafeBufferPointer { PanelPackedMatrix($0.baseAddress!, k: k, n: n, transposed: transposed) }
        a.withUnsafeBufferPointer { pa in bi.withUnsafeBufferPointer { pbias in res.withUnsafeBufferPointer { pres in
            c.withUnsafeMutableBufferPointer { pc in
                PanelMatMul.run(a: pa.baseAddress!, packed: packed, c: pc.baseAddress!, m: m,
                                bias: bias ? pbias.baseAddress! : nil, activation: activation,
                                residual: residual ? pres.baseAddress! : nil, threads: threads)
            }
        }}}
        var worst = 0.0, scale = 1e-30
        for i in 0..<m {
            for j in 0..<n {
                var s = bias ? Double(bi[j]) : 0
                for p in 0..<k { s += Double(a[i * k + p]) * Double(transposed ? b[j * k + p] : b[p * n + j]) }
                scale = max(scale, abs(s))  // float rounding scales with the product, not with what is left after a clip
                switch activation {
                case .none: break
                case .relu: s = max(s, 0)
                case let .clip(lo, hi): s = min(max(s, Double(lo)), Double(hi))
                case .gelu: s = gelu(s)
                }
                if residual { s += Double(res[i * n + j]) }
                worst = max(worst, abs(Double(c[i * n + j]) - s))
            }
        }
        return worst / scale
    }

    func testEdgeShapesMatchADoublePrecisionProduct() {
        // m not a multiple of 6 (and below 6), n not a multiple of 16 (and below 16), k across depth blocks.
        for (m, k, n) in [(1, 1, 1), (5, 3, 7), (7, 17, 33), (13, 96, 16), (50, 385, 40), (6, 800, 48), (97, 384, 100)] {
            for threads in [1, 2, 3] {
                let e = worstError(m: m, k: k, n: n, transposed: false, bias: false, activation: .none, residual: false, threads: threads)
                XCTAssertLessThan(e, 1e-6, "m \(m) k \(k) n \(n) threads \(threads)")
            }
        }
    }

    func testTransposedOperandBiasActivationsAndResidual() {
        for activation in [MatMulActivation.none, .relu, .clip(min: -0.5, max: 0.75), .gelu] {
            for (transposed, residual) in [(false, false), (true, true), (true, false), (false, true)] {
                let e = worstError(m: 61, k: 400, n: 35, transposed: transposed, bias: true, activation: activation,
                                   residual: residual, threads: 2)
                XCTAssertLessThan(e, 1e-6, "\(activation) transposed \(transposed) residual \(residual)")
            }
        }
    }

    func testGeluAndErfAgainstLibm() {
        var worstGelu = 0.0, worstErf = 0.0
        var x: Float = -15
        while x < 15 {
            let v = SIMD8<Float>((0..<8).map { x + Float($0) * 1e-3 })
            let g = SIMDMath.gelu(v), e = SIMDMath.erf(v)
            for j in 0..<8 {
                let r = gelu(Double(v[j]))
                worstGelu = max(worstGelu, abs(Double(g[j]) - r) / max(abs(Double(v[j])), 1))
                worstErf = max(worstErf, abs(Double(e[j]) - Foundation.erf(Double(v[j]))))
            }
            x += 0.0071
        }
        XCTAssertLessThan(worstGelu, 3e-7)
        XCTAssertLessThan(worstErf, 3e-7)
        let special = SIMDMath.gelu(SIMD8<Float>(.infinity, -.infinity, .nan, 40, -40, 0, 1e-30, -1e-30))
        XCTAssertEqual(special[0], .infinity)
        XCTAssertEqual(special[1], 0, accuracy: 1e-8)
        XCTAssertTrue(special[2].isNaN)
        XCTAssertEqual(special[3], 40)
        XCTAssertEqual(special[4], 0, accuracy: 1e-8)
        XCTAssertEqual(special[5], 0)
        XCTAssertEqual(special[6], 1e-30 * 0.5, accuracy: 1e-36)
    }
}
