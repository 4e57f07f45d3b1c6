import NNTensor
import XCTest

/// ``PermutedCopy`` against an index-by-index transpose, for permutations that move the innermost axis
/// (the register-tile path and its edges) and ones that keep it.
final class PermutedCopyTests: XCTestCase {
    private func reference(_ x: [Float], shape: [Int], perm: [Int]) -> [Float] {
        let outShape = perm.map { shape[$0] }
        var inStride = [Int](repeating: 1, count: shape.count)
        for d in stride(from: shape.count - 2, through: 0, by: -1) { inStride[d] = inStride[d + 1] * shape[d + 1] }
        var out = [Float](repeating: 0, count: x.count)
        for flat in 0..<x.count {
            var r = flat, src = 0
            for d in stride(from: outShape.count - 1, through: 0, by: -1) {
                src += (r % outShape[d]) * inStride[perm[d]]
                r /= outShape[d]
            }
            out[flat] = x[src]
        }
        return out
    }

    func testPermutationsMatchAnIndexByIndexCopy() {
        let cases: [([Int], [Int])] = [([96, 200], [1, 0]), ([13, 67], [1, 0]), ([8, 8], [1, 0]), ([2, 19, 24], [0, 2, 1]),
                                       ([3, 16, 9, 5], [0, 3, 1, 2]), ([4, 7, 3, 32], [0, 2, 1, 3]), ([5, 6, 7], [2, 1, 0]),
                                       ([1, 40, 1, 17], [3, 1, 2, 0])]
        for (shape, perm) in cases {
            let count = shape.reduce(1, *)
            let x = (0..<count).map { Float($0) * 0.5 - 3 }
            var y = [Float](repeating: .nan, count: count)
            for threads in [1, 2] {
                x.withUnsafeBufferPointer { xp in y.withUnsafeMutableBufferPointer { yp in
                    PermutedCopy(shape: shape, perm: perm).run(xp.baseAddress!, yp.baseAddress!, threads: threads)
                }}
                XCTAssertEqual(y, reference(x, shape: shape, perm: perm), "\(shape) \(perm) threads \(threads)")
            }
        }
    }

    func testRowGatherWithClampAndResidual() {
        // Rows of 11 (a vector and a tail): output row r = clamp(input row sources[r], or zeros) + residual row r.
        let n = 11, sources: [Int32] = [2, -1, 0, 2, 1]
        let input = (0..<(3 * n)).map { Float($0) * 0.25 - 4 }, residual = (0..<(5 * n)).map { Float($0 % 7) - 3 }
        var output = [Float](repeating: .nan, count: 5 * n)
        for threads in [1, 2] {
            input.withUnsafeBufferPointer { x in residual.withUnsafeBufferPointer { res in output.withUnsafeMutableBufferPointer { y in
                RowGather(rowLength: n, sources: sources).run(x.baseAddress!, y.baseAddress!, epilogue: .clip(min: -1, max: 2),
                                                              residual: res.baseAddress!, threads: threads)
            }}}
            for r in 0..<5 {
                for j in 0..<n {
                    let v: Float = sources[r] < 0 ? 0 : input[Int(sources[r]) * n + j]
                    XCTAssertEqual(output[r * n + j], min(max(v, -1), 2) + residual[r * n + j], "row \(r) column \(j)")
                }
            }
        }
    }
}
