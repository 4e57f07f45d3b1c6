import NNTensor
import XCTest

/// Every fast convolution path against the im2col + sgemm reference, on random shapes.
final class ConvolutionAgreementTests: XCTestCase {
    struct LCG {
        var state: UInt64
        mutating func next() -> UInt64 { state = state &* 6364136223846793005 &+ 1442695040888963407; return state >> 33 }
        mutating func int(_ r: ClosedRange<Int>) -> Int { r.lowerBound + Int(next() % UInt64(r.count)) }
        mutating func float() -> Float { Float(next() % 20001) / 10000 - 1 }
    }

    func reference(_ g: Conv2DGeometry, _ x: [Float], _ w: [Float], _ b: [Float], _ e: ConvEpilogue) -> [Float] {
        let conv = Conv2DIm2col(geometry: g, weights: w, bias: b, epilogue: e)
        var y = [Float](repeating: 0, count: g.batch * g.outChannels * g.outHeight * g.outWidth)
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: max(conv.scratchFloatsPerThread, 1))
        defer { scratch.deallocate() }
        conv.run(input: x, output: &y, scratch: scratch, threads: 1)
        return y
    }

    func testDirectConvolutionAgreesWithIm2col() {
        var rng = LCG(state: 42)
        var tested = 0
        for trial in 0..<60 {
            let d = [1, 2, 4, 8][trial % 4]
            let k = trial % 5 == 4 ? 5 : 3
            var g = Conv2DGeometry(batch: trial % 7 == 0 ? 2 : 1, inChannels: rng.int(1...37), inHeight: rng.int(1...45),
                                   inWidth: rng.int(1...53), outChannels: rng.int(1...29), kernelHeight: k, kernelWidth: k)
            g.dilationY = d; g.dilationX = d
            if trial % 5 == 2 { g.outChannels = 1 }  // the single-channel register tile
            let p = d * (k - 1) / 2
            g.padTop = p; g.padLeft = p; g.padBottom = p; g.padRight = p
            if trial % 6 == 5 { g.padBottom = 0; g.padLeft = 0 }  // asymmetric padding
            guard g.outHeight > 0, g.outWidth > 0, Conv2DDirect.supports(g) else { continue }
            let x = (0..<g.batch * g.inChannels * g.inHeight * g.inWidth).map { _ in rng.float() }
            let w = (0..<g.outChannels * g.patchSize).map { _ in rng.float() }
            let b = (0..<g.outChannels).map { _ in rng.float() }
            let epilogue: ConvEpilogue = trial % 3 == 0 ? .none : trial % 3 == 1 ? .relu : .clip(min: -0.5, max: 0.75)
            let expected = reference(g, x, w, b, epilogue)
            for threads in [1, 2] {
                let conv = Conv2DDirect(geometry: g, weights: w, bias: b, epilogue: epilogue)
                var y = [Float](repeating: .nan, count: expected.count)
                let scratch = UnsafeMutablePointer<Float>.allocate(capacity: conv.scratchFloats(threads: threads))
                defer { scratch.deallocate() }
                conv.run(input: x, output: &y, scratch: scratch, threads: threads)
                let tolerance = 1e-5 * Float(g.patchSize)
                let worst = zip(y, expected).map { abs($0 - $1) }.max() ?? 0
                XCTAssertLessThanOrEqual(worst, tolerance, "trial \(trial) \(g) threads \(threads)")
            }
            tested += 1
        }
        XCTAssertGreaterThan(tested, 40)
    }

    func testSingleChannelOneByOneHeadAgreesWithIm2col() {
        // The 1×1 head to one channel from 16 or more runs on the direct kernel (so a Resize before it is read
        // row by row); 15 channels stay with im2col.
        var rng = LCG(state: 11)
        for (channels, height, width) in [(16, 9, 7), (48, 33, 70), (97, 5, 130)] {
            let g = Conv2DGeometry(batch: 1, inChannels: channels, inHeight: height, inWidth: width, outChannels: 1,
                                   kernelHeight: 1, kernelWidth: 1)
            XCTAssertTrue(Conv2DDirect.supports(g))
            let x = (0..<channels * height * width).map { _ in rng.float() }
            let w = (0..<channels).map { _ in rng.float() }, b = [rng.float()]
            let expected = reference(g, x, w, b, .none)
            for threads in [1, 2] {
                let conv = Conv2DDirect(geometry: g, weights: w, bias: b)
                var y = [Float](repeating: .nan, count: expected.count)
                let scratch = UnsafeMutablePointer<Float>.allocate(capacity: conv.scratchFloats(threads: threads))
                defer { scratch.deallocate() }
                conv.run(input: x, output: &y, scratch: scratch, threads: threads)
                XCTAssertLessThanOrEqual(zip(y, expected).map { abs($0 - $1) }.max() ?? 0, 1e-5 * Float(channels), "\(g)")
            }
        }
        XCTAssertFalse(Conv2DDirect.supports(Conv2DGeometry(batch: 1, inChannels: 15, inHeight: 8, inWidth: 8, outChannels: 1,
                                                            kernelHeight: 1, kernelWidth: 1)))
    }

    func testDirectConvolutionBandsAgreeOnATallImage() {
        // Enough channels × width that the padded input is processed in several bands.
        var g = Conv2DGeometry(batch: 1, inChannels: 96, inHeight: 300, inWidth: 90, outChannels: 8, kernelHeight: 3, kernelWidth: 3)
        g.padTop = 1; g.padLeft = 1; g.padBottom = 1; g.padRight = 1
        var rng = LCG(state: 7)
        let x = (0..<96 * 300 * 90).map { _ in rng.float() }
        let w = (0..<8 * g.patchSize).map { _ in rng.float() }
        let b = (0..<8).map { _ in rng.float() }
        let conv = Conv2DDirect(geometry: g, weights: w, bias: b, epilogue: .relu)
        XCTAssertLessThan(conv.bandRows, 300, "the test must exercise several bands")
        var y = [Float](repeating: .nan, count: 8 * 300 * 90)
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: conv.scratchFloats(threads: 2))
        defer { scratch.deallocate() }
        conv.run(input: x, output: &y, scratch: scratch, threads: 2, residual: nil)
        let expected = reference(g, x, w, b, .relu)
        XCTAssertLessThanOrEqual(zip(y, expected).map { abs($0 - $1) }.max()!, 1e-3)
    }

    typealias Make = (Conv2DGeometry, [Float], [Float], ConvEpilogue) -> any ScratchConvolution
    let winogradKernels: [(String, Make)] = [
        ("F(2x2,3x3)", { WinogradF23(geometry: $0, weights: $1, bias: $2, epilogue: $3) }),
        ("F(4x4,3x3)", { WinogradF43(geometry: $0, weights: $1, bias: $2, epilogue: $3) }),
    ]

    func testWinogradAgreesWithIm2col() {
        for (name, make) in winogradKernels { checkWinograd(name, make) }
    }

    /// Measured worst error against im2col, divided by the number of summed terms (inputs and weights uniform
    /// in [−1, 1]): 9.3e-8 for F(2×2,3×3), 1.9e-6 for F(4×4,3×3). The bound, 2e-5 per term, leaves a factor
    /// of 10 for the larger. On u2netp against ONNX Runtime, F(4×4,3×3) gives 8.7e-5 max-abs, 2.8e-6 mean-abs
    /// (U2NetpReferenceTests).
    func checkWinograd(_ name: String, _ make: Make) {
        var rng = LCG(state: 99)
        var worstPerTerm: Float = 0
        defer { print("\(name): worst error per summed term \(worstPerTerm)") }
        for trial in 0..<40 {
            var g = Conv2DGeometry(batch: trial % 9 == 0 ? 2 : 1, inChannels: rng.int(1...41), inHeight: rng.int(1...37),
                                   inWidth: rng.int(1...61), outChannels: rng.int(1...27), kernelHeight: 3, kernelWidth: 3)
            let pads = [(1, 1, 1, 1), (0, 0, 0, 0), (1, 0, 2, 1), (2, 2, 0, 1)][trial % 4]
            (g.padTop, g.padLeft, g.padBottom, g.padRight) = pads
            guard g.outHeight > 0, g.outWidth > 0 else { continue }
            let x = (0..<g.batch * g.inChannels * g.inHeight * g.inWidth).map { _ in rng.float() }
            let w = (0..<g.outChannels * g.patchSize).map { _ in rng.float() }
            let b = (0..<g.outChannels).map { _ in rng.float() }
            let epilogue: ConvEpilogue = trial % 3 == 0 ? .relu : trial % 3 == 1 ? .none : .clip(min: -0.5, max: 0.75)
            let expected = reference(g, x, w, b, epilogue)
            for threads in [1, 2] {
                let conv = make(g, w, b, epilogue)
                var y = [Float](repeating: .nan, count: expected.count)
                let scratch = UnsafeMutablePointer<Float>.allocate(capacity: conv.scratchFloats(threads: threads))
                defer { scratch.deallocate() }
                conv.run(input: x, output: &y, scratch: scratch, threads: threads, residual: nil)
                let worst = zip(y, expected).map { abs($0 - $1) }.max() ?? 0
                worstPerTerm = max(worstPerTerm, worst / Float(g.patchSize))
                XCTAssertLessThanOrEqual(worst, 2e-5 * Float(g.patchSize), "\(name) trial \(trial) \(g) threads \(threads)")
            }
        }
    }

    func testWinogradBandsOnATallImage() {
        for (name, make) in winogradKernels { checkBands(name, make) }
    }

    func checkBands(_ name: String, _ make: Make) {
        var g = Conv2DGeometry(batch: 1, inChannels: 64, inHeight: 301, inWidth: 157, outChannels: 16, kernelHeight: 3, kernelWidth: 3)
        g.padTop = 1; g.padLeft = 1; g.padBottom = 1; g.padRight = 1
        var rng = LCG(state: 3)
        let x = (0..<64 * 301 * 157).map { _ in rng.float() }
        let w = (0..<16 * g.patchSize).map { _ in rng.float() }
        let b = (0..<16).map { _ in rng.float() }
        let conv = make(g, w, b, .relu)
        let (bandRows, tileRows) = (conv as? WinogradF23).map { ($0.bandTileRows, 151) } ?? ((conv as! WinogradF43).bandTileRows, 76)
        XCTAssertLessThan(bandRows, tileRows, "\(name): the test must exercise several bands")
        var y = [Float](repeating: .nan, count: 16 * 301 * 157)
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: conv.scratchFloats(threads: 2))
        defer { scratch.deallocate() }
        conv.run(input: x, output: &y, scratch: scratch, threads: 2, residual: nil)
        let expected = reference(g, x, w, b, .relu)
        XCTAssertLessThanOrEqual(zip(y, expected).map { abs($0 - $1) }.max()!, 1e-3, name)
    }

    /// A fused residual is added after the activation, by every kernel, at every output position.
    func testResidualIsAddedAfterTheActivation() {
        var rng = LCG(state: 5)
        for (cout, h, w) in [(1, 13, 29), (5, 9, 17), (19, 23, 41)] {
            var g = Conv2DGeometry(batch: 1, inChannels: 11, inHeight: h, inWidth: w, outChannels: cout, kernelHeight: 3, kernelWidth: 3)
            g.padTop = 1; g.padLeft = 1; g.padBottom = 1; g.padRight = 1
            let x = (0..<11 * h * w).map { _ in rng.float() }
            let wt = (0..<cout * g.patchSize).map { _ in rng.float() }
            let b = (0..<cout).map { _ in rng.float() }
            let r = (0..<cout * h * w).map { _ in rng.float() }
            let expected = zip(reference(g, x, wt, b, .relu), r).map { $0 + $1 }
            var kernels: [(String, any ScratchConvolution)] = [("direct", Conv2DDirect(geometry: g, weights: wt, bias: b, epilogue: .relu))]
            for (name, make) in winogradKernels { kernels.append((name, make(g, wt, b, .relu))) }
            for (name, conv) in kernels {
                var y = [Float](repeating: .nan, count: expected.count)
                let scratch = UnsafeMutablePointer<Float>.allocate(capacity: conv.scratchFloats(threads: 2))
                defer { scratch.deallocate() }
                r.withUnsafeBufferPointer { conv.run(input: x, output: &y, scratch: scratch, threads: 2, residual: $0.baseAddress) }
                XCTAssertLessThanOrEqual(zip(y, expected).map { abs($0 - $1) }.max()!, 1e-3, "\(name) \(cout) channels")
            }
            let im2col = Conv2DIm2col(geometry: g, weights: wt, bias: b, epilogue: .relu)
            var y = [Float](repeating: .nan, count: expected.count)
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: im2col.scratchFloatsPerThread * 2)
            defer { scratch.deallocate() }
            r.withUnsafeBufferPointer { im2col.run(input: x, output: &y, scratch: scratch, threads: 2, residual: $0.baseAddress) }
            XCTAssertLessThanOrEqual(zip(y, expected).map { abs($0 - $1) }.max()!, 1e-5, "im2col \(cout) channels")
        }
    }

    func testDepthwiseAgreesWithIm2col() {
        var rng = LCG(state: 11)
        for trial in 0..<24 {
            let c = rng.int(1...19), stride = trial % 2 + 1
            var g = Conv2DGeometry(batch: trial % 5 == 0 ? 2 : 1, inChannels: c, inHeight: rng.int(1...29),
                                   inWidth: rng.int(1...47), outChannels: c, kernelHeight: 3, kernelWidth: 3)
            g.groups = c
            (g.strideY, g.strideX) = (stride, stride)
            (g.padTop, g.padLeft, g.padBottom, g.padRight) = [(1, 1, 1, 1), (0, 0, 0, 0), (2, 1, 0, 2)][trial % 3]
            guard g.outHeight > 0, g.outWidth > 0, DepthwiseConv3x3.supports(g) else { continue }
            let x = (0..<g.batch * c * g.inHeight * g.inWidth).map { _ in rng.float() }
            let w = (0..<c * 9).map { _ in rng.float() }
            let b = (0..<c).map { _ in rng.float() }
            let epilogue: ConvEpilogue = trial % 3 == 0 ? .none : trial % 3 == 1 ? .relu : .clip(min: -0.5, max: 0.75)
            let expected = reference(g, x, w, b, epilogue)
            for threads in [1, 2] {
                let conv = DepthwiseConv3x3(geometry: g, weights: w, bias: b, epilogue: epilogue)
                var y = [Float](repeating: .nan, count: expected.count)
                let scratch = UnsafeMutablePointer<Float>.allocate(capacity: conv.scratchFloats(threads: threads))
                defer { scratch.deallocate() }
                conv.run(input: x, output: &y, scratch: scratch, threads: threads)
                let worst = zip(y, expected).map { abs($0 - $1) }.max() ?? 0
                XCTAssertLessThanOrEqual(worst, 1e-5 * 9, "trial \(trial) \(g) threads \(threads)")
            }
        }
    }

    /// A Concat of a tensor and two Resizes, read in place (``ChannelPlanes`` with ``ResizeTaps``), gives
    /// every scratch-using kernel exactly the input it gets from the materialised tensor.
    func testConcatAndResizesReadInPlaceMatchTheMaterialisedInput() {
        let (h, w) = (24, 46)
        var rng = LCG(state: 17)
        let doubled = ResizeTaps(mode: .linear, transform: .halfPixel, inHeight: 12, inWidth: 23, outHeight: h,
                                 outWidth: w, scaleY: 2, scaleX: 2)
        let nearest = ResizeTaps(mode: .nearest(.roundPreferFloor), transform: .asymmetric, inHeight: 8, inWidth: 15,
                                 outHeight: h, outWidth: w, scaleY: 3, scaleX: Float(w) / 15)
        XCTAssertTrue(doubled.doublesWidth, "the vectorised doubling path")
        let plain = (0..<5 * h * w).map { _ in rng.float() }
        let small = (0..<7 * 12 * 23).map { _ in rng.float() }
        let tiny = (0..<4 * 8 * 15).map { _ in rng.float() }
        var materialised = plain + [Float](repeating: 0, count: 11 * h * w)
        materialised.withUnsafeMutableBufferPointer { m in
            doubled.run(input: small, planes: 7, output: m.baseAddress! + 5 * h * w, threads: 1)
            nearest.run(input: tiny, planes: 4, output: m.baseAddress! + 12 * h * w, threads: 1)
        }
        var g = Conv2DGeometry(batch: 1, inChannels: 16, inHeight: h, inWidth: w, outChannels: 19, kernelHeight: 3, kernelWidth: 3)
        (g.padTop, g.padLeft, g.padBottom, g.padRight) = (1, 1, 1, 1)
        let wt = (0..<19 * g.patchSize).map { _ in rng.float() }
        let b = (0..<19).map { _ in rng.float() }
        var kernels: [(String, any ScratchConvolution)] = [("direct", Conv2DDirect(geometry: g, weights: wt, bias: b, epilogue: .relu))]
        for (name, make) in winogradKernels { kernels.append((name, make(g, wt, b, .relu))) }
        for (name, conv) in kernels {
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: conv.scratchFloats(threads: 2))
            defer { scratch.deallocate() }
            var expected = [Float](repeating: .nan, count: 19 * h * w), y = expected
            conv.run(input: materialised, output: &expected, scratch: scratch, threads: 2)
            plain.withUnsafeBufferPointer { p in small.withUnsafeBufferPointer { s in tiny.withUnsafeBufferPointer { t in
                let segments = [ChannelPlanes.Segment(tensor: p.baseAddress!, channels: 5),
                                ChannelPlanes.Segment(tensor: s.baseAddress!, channels: 7, resize: doubled),
                                ChannelPlanes.Segment(tensor: t.baseAddress!, channels: 4, resize: nearest)]
                let input = ChannelPlanes(planeSize: h * w, count: 3) { segments[$0] }
                conv.run(input: input, output: &y, scratch: scratch, threads: 2, residual: nil)
            }}}
            XCTAssertEqual(y, expected, name)
        }
    }
}
