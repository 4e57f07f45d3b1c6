import Foundation
import NNTensor
import XCTest

/// Kernels against hand-worked values and libm.
final class KernelTests: XCTestCase {
    func testVectorisedExpIsWithinFewUlpOfLibm() {
        var x: Float = -87
        var worst: Float = 0
        while x < 88 {
            let v = SIMDMath.exp(SIMD8<Float>(repeating: x))[0]
            let ref = Foundation.exp(x)
            worst = max(worst, abs(v - ref) / ref)
            x += 0.0137
        }
        XCTAssertLessThan(worst, 4e-7)
        XCTAssertEqual(SIMDMath.exp(SIMD8(repeating: 100))[0], .infinity)
        XCTAssertEqual(SIMDMath.exp(SIMD8(repeating: -100))[0], 0)
        XCTAssertTrue(SIMDMath.exp(SIMD8(repeating: .nan))[0].isNaN)
    }

    func testSigmoidHandValues() {
        var y = [Float](repeating: 0, count: 11)
        let x: [Float] = [0, 1, -1, 20, -20, 0.5, 2, -3, 4, 5, -6]
        x.withUnsafeBufferPointer { Elementwise.apply(.sigmoid, $0.baseAddress!, &y, count: 11) }
        for (a, b) in zip(y, x.map { 1 / (1 + Foundation.exp(-$0)) }) { XCTAssertEqual(a, b, accuracy: 1e-7) }
        XCTAssertEqual(y[0], 0.5)
    }

    func testBroadcastShapes() {
        XCTAssertEqual(Elementwise.broadcastShape([2, 3, 4], [3, 1]), [2, 3, 4])
        XCTAssertEqual(Elementwise.broadcastShape([1, 3, 1, 5], [2, 1, 4, 1]), [2, 3, 4, 5])
        XCTAssertEqual(Elementwise.broadcastShape([], [4]), [4])
        XCTAssertNil(Elementwise.broadcastShape([2, 3], [4]))
    }

    func testBroadcastAddByHand() {
        // [2, 3] + [3] and [2, 1] + [1, 3]
        let a: [Float] = [1, 2, 3, 4, 5, 6], b: [Float] = [10, 20, 30]
        var y = [Float](repeating: 0, count: 6)
        Elementwise.binary(.add, a, [2, 3], b, [3], &y)
        XCTAssertEqual(y, [11, 22, 33, 14, 25, 36])
        Elementwise.binary(.mul, [2, 3], [2, 1], [1, 10, 100], [1, 3], &y)
        XCTAssertEqual(y, [2, 20, 200, 3, 30, 300])
    }

    func testConvolutionByHand() {
        // 1×1×3×3 input, one 2×2 kernel, stride 1, no padding → 2×2.
        let g = Conv2DGeometry(batch: 1, inChannels: 1, inHeight: 3, inWidth: 3, outChannels: 1, kernelHeight: 2, kernelWidth: 2)
        let conv = Conv2DIm2col(geometry: g, weights: [1, 2, 3, 4], bias: [0.5])
        let x: [Float] = [1, 2, 3, 4, 5, 6, 7, 8, 9]
        var y = [Float](repeating: 0, count: 4)
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: conv.scratchFloatsPerThread)
        defer { scratch.deallocate() }
        conv.run(input: x, output: &y, scratch: scratch, threads: 1)
        // [1 2; 4 5]·[1 2; 3 4] = 1+4+12+20 = 37, etc.
        XCTAssertEqual(y, [37.5, 47.5, 67.5, 77.5])
    }

    func testPaddedDilatedConvolutionByHand() {
        // 1×1×3×3 input, 2×2 kernel of ones, dilation 2, padding 1 on every side → 3×3 output.
        var g = Conv2DGeometry(batch: 1, inChannels: 1, inHeight: 3, inWidth: 3, outChannels: 1, kernelHeight: 2, kernelWidth: 2)
        g.dilationY = 2; g.dilationX = 2
        g.padTop = 1; g.padLeft = 1; g.padBottom = 1; g.padRight = 1
        XCTAssertEqual(g.outHeight, 3)
        let conv = Conv2DIm2col(geometry: g, weights: [1, 1, 1, 1], bias: nil)
        let x: [Float] = [1, 2, 3, 4, 5, 6, 7, 8, 9]
        var y = [Float](repeating: 0, count: 9)
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: conv.scratchFloatsPerThread)
        defer { scratch.deallocate() }
        conv.run(input: x, output: &y, scratch: scratch, threads: 2)
        // Output (0,0) reads input (-1,-1),(−1,1),(1,−1),(1,1) → only (1,1)=5.
        let expected: [Float] = [5, 10, 5, 10, 20, 10, 5, 10, 5]  // corners 5; edges 4+6 or 2+8; centre 1+3+7+9
        XCTAssertEqual(y, expected)
    }

    func testPoolOutputLengthWithCeilMode() {
        // 7 with kernel 2 stride 2: floor → 3, ceil → 4.
        XCTAssertEqual(Pool2DGeometry.outputLength(input: 7, kernel: 2, stride: 2, dilation: 1, padBegin: 0, padEnd: 0, ceilMode: false), 3)
        XCTAssertEqual(Pool2DGeometry.outputLength(input: 7, kernel: 2, stride: 2, dilation: 1, padBegin: 0, padEnd: 0, ceilMode: true), 4)
        // 5 with kernel 2 stride 2 pad 1: ceil gives 4 windows, but the 4th would start at padded
        // position 6, inside the trailing padding → 3.
        XCTAssertEqual(Pool2DGeometry.outputLength(input: 5, kernel: 2, stride: 2, dilation: 1, padBegin: 1, padEnd: 1, ceilMode: true), 3)
        XCTAssertEqual(Pool2DGeometry.outputLength(input: 6, kernel: 3, stride: 2, dilation: 1, padBegin: 1, padEnd: 1, ceilMode: true), 4)
    }

    func testMaxPoolCeilModeByHand() {
        var g = Pool2DGeometry(planes: 1, inHeight: 3, inWidth: 3, kernelHeight: 2, kernelWidth: 2)
        g.strideY = 2; g.strideX = 2; g.ceilMode = true
        let x: [Float] = [1, 9, 2, 3, 4, 8, 7, 5, 6]
        var y = [Float](repeating: 0, count: 4)
        Pool2D.max(g, input: x, output: &y, threads: 1)
        XCTAssertEqual(y, [9, 8, 7, 6])
    }

    func testResizeCoordinateTransformsByHand() {
        // 4 → 8 (scale 2): output index 3.
        XCTAssertEqual(CoordinateTransform.halfPixel.source(3, scale: 2, inLength: 4, outLength: 8), 1.25)
        XCTAssertEqual(CoordinateTransform.asymmetric.source(3, scale: 2, inLength: 4, outLength: 8), 1.5)
        XCTAssertEqual(CoordinateTransform.alignCorners.source(3, scale: 2, inLength: 4, outLength: 8), 3 * 3 / 7, accuracy: 1e-7)
        XCTAssertEqual(CoordinateTransform.pytorchHalfPixel.source(0, scale: 0.25, inLength: 4, outLength: 1), 0)
        XCTAssertEqual(NearestRounding.roundPreferFloor.index(1.5), 1)
        XCTAssertEqual(NearestRounding.roundPreferCeil.index(1.5), 2)
    }

    func testBilinearUpsampleByHand() {
        // 1×2 → 1×4 with half_pixel: sources −0.25, 0.25, 0.75, 1.25 → clamped 0, 0.25, 0.75, 1.
        let x: [Float] = [0, 4]
        var y = [Float](repeating: 0, count: 4)
        Resize2D.run(input: x, planes: 1, inHeight: 1, inWidth: 2, output: &y, outHeight: 1, outWidth: 4,
                     scaleY: 1, scaleX: 2, mode: .linear, transform: .halfPixel, threads: 1)
        XCTAssertEqual(y, [0, 1, 3, 4])
    }

    func testConcatAlongChannels() {
        let a: [Float] = [1, 2, 3, 4], b: [Float] = [5, 6]
        var y = [Float](repeating: 0, count: 6)
        a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in
            let sources = [pa.baseAddress!, pb.baseAddress!]
            sources.withUnsafeBufferPointer {
                // Two outer rows; a contributes 2 per row, b 1.
                Concat.run(inputs: $0, blocks: [2, 1], outer: 2, output: &y, threads: 1)
            }
        }}
        XCTAssertEqual(y, [1, 2, 5, 3, 4, 6])
    }
}
