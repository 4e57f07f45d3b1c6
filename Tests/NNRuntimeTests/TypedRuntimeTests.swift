import Foundation
import NNRuntime
import NNTensor
import ONNXFormat
import TestSupport
import XCTest

/// Integer and boolean values at run time, each in its own element type in the arena, and the deformable
/// convolution kernel on maps larger than one tile. (The op fixtures check every op against ONNX Runtime.)
final class TypedRuntimeTests: XCTestCase {
    private func load(_ name: String) throws -> (ONNXModel, URL) {
        let folder = Fixtures.root.appendingPathComponent("ops/\(name)")
        return (try ONNXModel.load(path: folder.appendingPathComponent("model.onnx").path), folder)
    }

    /// Float → int64 of values above 2²⁴ and int64 arithmetic above 2³¹ run as steps, and their results are
    /// values a float arena would round: the fixtures could not pass with integers held as floats.
    func testLargeIntegersRunAtRunTimeExactly() throws {
        for (name, output) in [("typed_cast_float_to_int64_large", 2), ("typed_int64_arithmetic", 2)] {
            let (model, folder) = try load(name)
            let plan = try Plan(model: model)
            XCTAssertFalse(plan.stepOpTypes.isEmpty, name)
            var feeds: [String: Tensor] = [:]
            for (k, input) in model.graph.feedInputs.enumerated() {
                feeds[input.name] = try Fixtures.npy(folder.appendingPathComponent("input_\(k).npy"))
            }
            let result = try Session(plan: plan).run(feeds)[model.graph.outputs[output].name]!
            let expected = try Fixtures.npy(folder.appendingPathComponent("output_\(output).npy"))
            XCTAssertEqual(result.dtype, .int64, name)
            XCTAssertEqual(result.integers, expected.integers, name)
            XCTAssertTrue(expected.integers.contains { Int64(exactly: Float($0)) != $0 }, "\(name): no value beyond float precision")
        }
        let (model, _) = try load("typed_cast_float_to_int64_large")
        XCTAssertEqual(try Plan(model: model).stepOpTypes, ["Cast", "Add", "Mul"])
    }

    /// Each value takes its element width in the arena: int64 two slots (8-byte aligned), bool a byte.
    func testArenaSizesValuesByElementWidth() throws {
        XCTAssertEqual(ArenaMemory.slots(count: 5, dtype: .int64), 10)
        XCTAssertEqual(ArenaMemory.slots(count: 5, dtype: .float32), 5)
        XCTAssertEqual(ArenaMemory.slots(count: 5, dtype: .int32), 5)
        XCTAssertEqual(ArenaMemory.slots(count: 5, dtype: .bool), 2)
        let (model, _) = try load("typed_int64_data_movement")
        let plan = try Plan(model: model)
        for step in plan.steps { for offset in step.inputs + step.outputs where offset >= 0 {
            XCTAssertEqual(offset % 16, 0, "\(step.name): slot \(offset) is not 64-byte aligned")
        } }
    }

    /// A session reads and writes inputs and outputs in their own types, and refuses a float tensor for an
    /// integer input.
    func testIntegerInputsAndOutputsKeepTheirType() throws {
        let a = ONNXValueInfo(name: "A", elementType: .int64, shape: [.fixed(3)])
        let model = ONNXModel(irVersion: 8, opsetImports: ["": 13], graph: ONNXGraph(
            nodes: [ONNXNode(name: "add", opType: "Add", inputs: ["A", "A"], outputs: ["Y"]),
                    ONNXNode(name: "less", opType: "Less", inputs: ["A", "Y"], outputs: ["L"])],
            inputs: [a], outputs: [ONNXValueInfo(name: "Y", elementType: .int64, shape: nil),
                                   ONNXValueInfo(name: "L", elementType: .bool, shape: nil)]))
        let session = Session(plan: try Plan(model: model))
        let big: Int64 = (1 << 53) + 1
        let out = try session.run(["A": Tensor(shape: [3], integers: [big, -7, 0])])
        XCTAssertEqual(out["Y"]!.dtype, .int64)
        XCTAssertEqual(out["Y"]!.integers, [2 * big, -14, 0])
        XCTAssertEqual(out["L"]!.dtype, .bool)
        XCTAssertEqual(out["L"]!.integers, [1, 0, 0])
        XCTAssertThrowsError(try session.run(["A": Tensor(shape: [3], values: [1, 2, 3])]))
    }

    func testEinsumRefusesOtherEquationsNamingThem() throws {
        let x = ONNXValueInfo(name: "X", elementType: .float, shape: [.fixed(3), .fixed(3)])
        let model = ONNXModel(irVersion: 8, opsetImports: ["": 13], graph: ONNXGraph(
            nodes: [ONNXNode(name: "trace", opType: "Einsum", inputs: ["X"], outputs: ["Y"], attributes: ["equation": .string("ii->i")])],
            inputs: [x], outputs: [ONNXValueInfo(name: "Y", elementType: .float, shape: nil)]))
        XCTAssertThrowsError(try Plan(model: model)) { error in
            guard case let .unsupportedOperator(op, _, node, _, detail)? = error as? RuntimeError else { return XCTFail("\(error)") }
            XCTAssertEqual(op, "Einsum")
            XCTAssertEqual(node, "trace")
            XCTAssertTrue(detail?.contains("'ii->i'") == true, detail ?? "")
        }
    }

    /// The tiled deformable convolution against a direct loop, on maps of several tiles, with groups,
    /// offset groups, mask, stride and dilation; its scratch does not grow with the map.
    func testDeformConvTilesAgreeWithDirectLoop() {
        var generator = SystemRandomNumberGenerator()
        for (c, h, w, oc, k, groups, offsetGroups, stride, dilation) in [
            (64, 20, 21, 16, 7, 1, 1, 1, 1), (16, 17, 15, 8, 3, 2, 4, 2, 1), (8, 30, 29, 12, 3, 1, 2, 1, 2),
        ] {
            let pad = dilation * (k - 1) / 2
            let g = DeformConvGeometry(batch: 2, inChannels: c, inHeight: h, inWidth: w, outChannels: oc, kernelHeight: k,
                                       kernelWidth: k, strideY: stride, strideX: stride, padTop: pad, padLeft: pad,
                                       padBottom: pad, padRight: pad, dilationY: dilation, dilationX: dilation,
                                       groups: groups, offsetGroups: offsetGroups)
            let random = { (n: Int, scale: Float) in (0..<n).map { _ in Float.random(in: -scale...scale, using: &generator) } }
            let pixels = g.outHeight * g.outWidth
            let x = random(2 * c * h * w, 1), weights = random(oc * g.patchSize, 0.2), bias = random(oc, 1)
            let offsets = random(2 * offsetGroups * k * k * 2 * pixels, 3)
            let mask = (0..<(2 * offsetGroups * k * k * pixels)).map { _ in Float.random(in: 0...1, using: &generator) }
            let conv = DeformConv2D(geometry: g, weights: weights, bias: bias)
            XCTAssertLessThan(conv.tileColumns, pixels, "one tile covers the map")
            var out = [Float](repeating: 0, count: 2 * oc * pixels)
            var scratch = [Float](repeating: 0, count: conv.scratchLayout.floats(threads: 2))
            x.withUnsafeBufferPointer { xp in offsets.withUnsafeBufferPointer { op in mask.withUnsafeBufferPointer { mp in
                out.withUnsafeMutableBufferPointer { yp in scratch.withUnsafeMutableBufferPointer { sp in
                    conv.run(input: xp.baseAddress!, offset: op.baseAddress!, mask: mp.baseAddress!, output: yp.baseAddress!,
                             scratch: sp.baseAddress!, threads: 2)
                } }
            } } }
            let expected = Self.directDeformConv(g, x: x, weights: weights, bias: bias, offsets: offsets, mask: mask)
            let worst = zip(out, expected).map { abs($0 - $1) }.max() ?? 0
            XCTAssertLessThan(worst, 1e-3, "geometry \(g)")
        }
        let small = DeformConvGeometry(batch: 1, inChannels: 64, inHeight: 64, inWidth: 64, outChannels: 64, kernelHeight: 3,
                                       kernelWidth: 3, strideY: 1, strideX: 1, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1,
                                       dilationY: 1, dilationX: 1, groups: 1, offsetGroups: 1)
        var large = small
        large.inHeight = 256; large.inWidth = 256; large.outHeight = 256; large.outWidth = 256
        let weights = [Float](repeating: 0, count: 64 * small.patchSize)
        XCTAssertEqual(DeformConv2D(geometry: small, weights: weights, bias: nil).scratchFloatsPerThread,
                       DeformConv2D(geometry: large, weights: weights, bias: nil).scratchFloatsPerThread)
        XCTAssertLessThanOrEqual(DeformConv2D(geometry: large, weights: weights, bias: nil).scratchFloatsPerThread, 1 << 19)
    }

    /// Deformable convolution by its definition, in double precision.
    static func directDeformConv(_ g: DeformConvGeometry, x: [Float], weights: [Float], bias: [Float], offsets: [Float],
                                 mask: [Float]) -> [Float] {
        let kk = g.kernelArea, pixels = g.outHeight * g.outWidth
        let cinG = g.inChannels / g.groups, coutG = g.outChannels / g.groups, cpo = g.inChannels / g.offsetGroups
        func at(_ n: Int, _ c: Int, _ yy: Int, _ xx: Int) -> Double {
            yy >= 0 && yy < g.inHeight && xx >= 0 && xx < g.inWidth ? Double(x[((n * g.inChannels + c) * g.inHeight + yy) * g.inWidth + xx]) : 0
        }
        var out = [Float](repeating: 0, count: g.batch * g.outChannels * pixels)
        for n in 0..<g.batch { for o in 0..<g.outChannels { for p in 0..<pixels {
            let oy = p / g.outWidth, ox = p % g.outWidth, group = o / coutG
            var sum = Double(bias[o])
            for ci in 0..<cinG {
                let c = group * cinG + ci, og = c / cpo
                for k in 0..<kk {
                    let tap = (n * g.offsetGroups + og) * kk + k
                    let y = Double(oy * g.strideY - g.padTop + (k / g.kernelWidth) * g.dilationY) + Double(offsets[(2 * tap) * pixels + p])
                    let xx = Double(ox * g.strideX - g.padLeft + (k % g.kernelWidth) * g.dilationX) + Double(offsets[(2 * tap + 1) * pixels + p])
                    var v = 0.0
                    if y > -1 && y < Double(g.inHeight) && xx > -1 && xx < Double(g.inWidth) {
                        let y0 = Int(y.rounded(.down)), x0 = Int(xx.rounded(.down))
                        let ly = y - Double(y0), lx = xx - Double(x0)
                        v = (1 - ly) * (1 - lx) * at(n, c, y0, x0) + (1 - ly) * lx * at(n, c, y0, x0 + 1)
                            + ly * (1 - lx) * at(n, c, y0 + 1, x0) + ly * lx * at(n, c, y0 + 1, x0 + 1)
                    }
                    sum += Double(weights[(o * cinG + ci) * kk + k]) * v * Double(mask[tap * pixels + p])
                }
            }
            out[(n * g.outChannels + o) * pixels + p] = Float(sum)
        } } }
        return out
    }
}
