import NNTensor
import XCTest

/// Every kernel's scratch layout: the areas of all threads tile the scratch exactly — no two overlap,
/// none is left out, and together they are as long as the kernel's `scratchFloats`.
final class ScratchLayoutTests: XCTestCase {
    /// Checks that the areas of threads `0..<threads`, as `areas(scratch, worker)` gives them (a
    /// ``ScratchRegion`` or a struct of them), tile a scratch of `scratchFloats` floats.
    func checkTiling(_ name: String, scratchFloats: Int, threads: Int,
                     areas: (ScratchRegion, Int) -> Any, file: StaticString = #filePath, line: UInt = #line) {
        let memory = UnsafeMutablePointer<Float>.allocate(capacity: max(scratchFloats, 1))
        defer { memory.deallocate() }
        let scratch = ScratchRegion(memory, count: scratchFloats)
        var ranges: [Range<Int>] = []
        for worker in 0..<threads {
            let found = areas(scratch, worker)
            let regions = (found as? ScratchRegion).map { [$0] }
                ?? Mirror(reflecting: found).children.compactMap { $0.value as? ScratchRegion }
            XCTAssertFalse(regions.isEmpty, "\(name): no areas", file: file, line: line)
            for region in regions {
                let start = region.base - memory
                ranges.append(start..<start + region.count)
            }
        }
        // Sorted by start (an empty area before a non-empty one at the same start), each area must begin
        // where the previous ended: no overlap and no gap.
        ranges.sort { ($0.lowerBound, $0.upperBound) < ($1.lowerBound, $1.upperBound) }
        var end = 0
        for range in ranges {
            XCTAssertEqual(range.lowerBound, end, "\(name): areas \(ranges) overlap or leave a gap", file: file, line: line)
            end = max(end, range.upperBound)
        }
        XCTAssertEqual(end, scratchFloats, "\(name): the areas do not add up to scratchFloats", file: file, line: line)
    }

    /// 3×3 stride-1 geometries: u2netp's largest and smallest layers, odd sizes, a tall image that takes
    /// several bands, batch 2, a single output channel.
    var geometries: [Conv2DGeometry] {
        var list: [Conv2DGeometry] = []
        for (n, cin, h, w, cout) in [(1, 64, 320, 320, 64), (1, 16, 20, 20, 16), (1, 3, 7, 11, 5), (1, 96, 300, 90, 8),
                                     (2, 13, 17, 41, 27), (1, 64, 301, 157, 1)] {
            var g = Conv2DGeometry(batch: n, inChannels: cin, inHeight: h, inWidth: w, outChannels: cout,
                                   kernelHeight: 3, kernelWidth: 3)
            (g.padTop, g.padLeft, g.padBottom, g.padRight) = (1, 1, 1, 1)
            list.append(g)
        }
        return list
    }

    func weights(_ g: Conv2DGeometry) -> [Float] { [Float](repeating: 0.5, count: g.outChannels * g.patchSize) }

    func testWinogradF43AreasTileTheScratch() {
        for g in geometries {
            let conv = WinogradF43(geometry: g, weights: weights(g), bias: nil)
            let layout = conv.scratchLayout
            XCTAssertEqual(layout.threadFloats, layout.bandFloats + layout.transformedTilesFloats + layout.columnsFloats
                           + layout.productsFloats + layout.outputRowsFloats)
            for threads in 1...3 {
                XCTAssertEqual(layout.floats(threads: threads), conv.scratchFloats(threads: threads))
                checkTiling("F(4x4,3x3) \(g)", scratchFloats: conv.scratchFloats(threads: threads), threads: threads) {
                    layout.areas(worker: $1, in: $0)
                }
            }
        }
    }

    func testWinogradF23AreasTileTheScratch() {
        for g in geometries {
            let conv = WinogradF23(geometry: g, weights: weights(g), bias: nil)
            let layout = conv.scratchLayout
            XCTAssertEqual(layout.threadFloats, layout.bandFloats + layout.transformedTilesFloats + layout.productsFloats)
            for threads in 1...3 {
                XCTAssertEqual(layout.floats(threads: threads), conv.scratchFloats(threads: threads))
                checkTiling("F(2x2,3x3) \(g)", scratchFloats: conv.scratchFloats(threads: threads), threads: threads) {
                    layout.areas(worker: $1, in: $0)
                }
            }
        }
    }

    func testDirectConvolutionAreasTileTheScratch() {
        var dilated = geometries[2]
        (dilated.dilationY, dilated.dilationX) = (4, 4)
        (dilated.padTop, dilated.padLeft, dilated.padBottom, dilated.padRight) = (4, 4, 4, 4)
        for g in geometries + [dilated] {
            let conv = Conv2DDirect(geometry: g, weights: weights(g), bias: nil)
            let layout = conv.scratchLayout
            XCTAssertEqual(layout.threadFloats, layout.bandFloats + layout.tileFloats)
            for threads in 1...3 {
                XCTAssertEqual(layout.floats(threads: threads), conv.scratchFloats(threads: threads))
                checkTiling("direct \(g)", scratchFloats: conv.scratchFloats(threads: threads), threads: threads) {
                    layout.areas(worker: $1, in: $0)
                }
            }
        }
    }

    func testIm2colAreasTileTheScratch() {
        var strided = geometries[3]
        (strided.strideY, strided.strideX) = (2, 2)
        let pointwise = Conv2DGeometry(batch: 1, inChannels: 8, inHeight: 9, inWidth: 9, outChannels: 4,
                                       kernelHeight: 1, kernelWidth: 1)
        var grouped = geometries[1]
        grouped.groups = 4
        for g in geometries + [strided, pointwise, grouped] {
            let conv = Conv2DIm2col(geometry: g, weights: weights(g), bias: nil)
            let layout = conv.scratchLayout
            XCTAssertEqual(layout.threadFloats, conv.scratchFloatsPerThread)
            XCTAssertEqual(layout.columnsFloats, g.isPointwise ? 0 : g.patchSize * conv.tileColumns)
            for threads in 1...3 {
                checkTiling("im2col \(g)", scratchFloats: conv.scratchFloatsPerThread * threads, threads: threads) {
                    layout.columns(worker: $1, in: $0)
                }
            }
        }
    }

    func testDepthwiseAreasTileTheScratch() {
        for (h, w, stride, pad) in [(20, 20, 1, 1), (7, 13, 2, 1), (1, 1, 1, 2), (33, 5, 2, 0)] {
            var g = Conv2DGeometry(batch: 1, inChannels: 6, inHeight: h, inWidth: w, outChannels: 6,
                                   kernelHeight: 3, kernelWidth: 3)
            g.groups = 6
            (g.strideY, g.strideX) = (stride, stride)
            (g.padTop, g.padLeft, g.padBottom, g.padRight) = (pad, pad, pad, pad)
            guard g.outHeight > 0, g.outWidth > 0 else { continue }
            let conv = DepthwiseConv3x3(geometry: g, weights: [Float](repeating: 1, count: 6 * 9), bias: nil, epilogue: .none)
            let layout = conv.scratchLayout
            XCTAssertEqual(layout.threadFloats, layout.planeFloats + layout.rowFloats)
            for threads in 1...3 {
                XCTAssertEqual(layout.floats(threads: threads), conv.scratchFloats(threads: threads))
                checkTiling("depthwise \(g)", scratchFloats: conv.scratchFloats(threads: threads), threads: threads) {
                    layout.areas(worker: $1, in: $0)
                }
            }
        }
    }

    func testResizedRowAreasTileTheRowScratch() {
        let doubling = ResizeTaps(mode: .linear, transform: .halfPixel, inHeight: 5, inWidth: 7, outHeight: 10,
                                  outWidth: 14, scaleY: 2, scaleX: 2)
        let nearest = ResizeTaps(mode: .nearest(.floor), transform: .asymmetric, inHeight: 4, inWidth: 4, outHeight: 10,
                                 outWidth: 14, scaleY: 2.5, scaleX: 3.5)
        for taps in [doubling, nearest] {
            let layout = ChannelPlanes.ResizedRowScratch(taps)
            XCTAssertEqual(layout.rowFloats, taps.outWidth)
            XCTAssertEqual(layout.blendFloats, taps.rowScratchFloats)
            checkTiling("resized row \(taps.inWidth) → \(taps.outWidth)", scratchFloats: layout.floats, threads: 1) {
                scratch, _ in
                let areas = layout.areas(in: scratch)
                return [areas.row, areas.blend]
            }
        }
        // Planes read through both resizes need the larger of the two row scratches.
        let tensor = UnsafeMutablePointer<Float>.allocate(capacity: 1)
        defer { tensor.deallocate() }
        let planes = ChannelPlanes(planeSize: 10 * 14, count: 3) { i in
            ChannelPlanes.Segment(tensor: tensor, channels: 2, resize: [doubling, nil, nearest][i])
        }
        XCTAssertEqual(planes.rowScratchFloats, max(ChannelPlanes.ResizedRowScratch(doubling).floats,
                                                    ChannelPlanes.ResizedRowScratch(nearest).floats))
    }
}
