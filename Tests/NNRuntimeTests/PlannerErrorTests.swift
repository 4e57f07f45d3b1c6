import Foundation
import NNRuntime
import NNTensor
import ONNXFormat
import TestSupport
import XCTest

final class PlannerErrorTests: XCTestCase {
    private func graph(_ nodes: [ONNXNode], inputs: [ONNXValueInfo], outputs: [String], opset: Int64 = 13,
                       initializers: [ONNXTensor] = []) -> ONNXModel {
        ONNXModel(irVersion: 8, opsetImports: ["": opset],
                  graph: ONNXGraph(nodes: nodes, initializers: initializers, inputs: inputs,
                                   outputs: outputs.map { ONNXValueInfo(name: $0, elementType: .float, shape: nil) }))
    }

    private let x = ONNXValueInfo(name: "X", elementType: .float, shape: [.fixed(1), .fixed(2), .fixed(3), .fixed(3)])

    func testUnsupportedOperatorNamesOpNodeAndOpset() {
        let model = graph([ONNXNode(name: "mystery", opType: "FancyOp", inputs: ["X"], outputs: ["Y"])],
                          inputs: [x], outputs: ["Y"], opset: 17)
        XCTAssertThrowsError(try Plan(model: model)) { error in
            XCTAssertEqual(error as? RuntimeError,
                           .unsupportedOperator(op: "FancyOp", domain: "", node: "mystery", opset: 17, detail: nil))
            XCTAssertEqual("\(error)", "unsupported operator FancyOp at node 'mystery', opset 17")
        }
    }

    func testUndefinedValueIsAGraphError() {
        let model = graph([ONNXNode(name: "r", opType: "Relu", inputs: ["nowhere"], outputs: ["Y"])],
                          inputs: [x], outputs: ["Y"])
        XCTAssertThrowsError(try Plan(model: model)) {
            XCTAssertTrue("\($0)".contains("reads 'nowhere'"), "\($0)")
        }
    }

    func testDynamicInputNeedsAShape() throws {
        let dynamic = ONNXValueInfo(name: "X", elementType: .float, shape: [.fixed(1), .fixed(2), .symbolic("h"), .symbolic("w")])
        let model = graph([ONNXNode(name: "r", opType: "Relu", inputs: ["X"], outputs: ["Y"])], inputs: [dynamic], outputs: ["Y"])
        XCTAssertThrowsError(try Plan(model: model))
        let plan = try Plan(model: model, inputShapes: ["X": [1, 2, 5, 7]])
        XCTAssertEqual(plan.outputs[0].shape, [1, 2, 5, 7])
    }

    func testWrongInputShapeAtRunTimeIsRefused() throws {
        let model = graph([ONNXNode(name: "r", opType: "Relu", inputs: ["X"], outputs: ["Y"])], inputs: [x], outputs: ["Y"])
        let session = Session(plan: try Plan(model: model))
        XCTAssertThrowsError(try session.run(["X": Tensor.zeros([1, 2, 3, 4])]))
        XCTAssertThrowsError(try session.run([:]))
    }

    func testDeadNodesAreDropped() throws {
        let model = graph([
            ONNXNode(name: "used", opType: "Relu", inputs: ["X"], outputs: ["Y"]),
            ONNXNode(name: "unused", opType: "Sigmoid", inputs: ["X"], outputs: ["Z"]),
        ], inputs: [x], outputs: ["Y"])
        XCTAssertEqual(try Plan(model: model).stepOpTypes, ["Relu"])
    }

    func testArenaReusesMemoryOfDeadValues() throws {
        // A chain of 6 Relu: liveness needs two buffers (plus the input), not seven.
        var nodes: [ONNXNode] = []
        var prev = "X"
        for i in 0..<6 {
            nodes.append(ONNXNode(name: "r\(i)", opType: i % 2 == 0 ? "Relu" : "Sigmoid", inputs: [prev], outputs: ["v\(i)"]))
            prev = "v\(i)"
        }
        let big = ONNXValueInfo(name: "X", elementType: .float, shape: [.fixed(1), .fixed(4), .fixed(32), .fixed(32)])
        let plan = try Plan(model: graph(nodes, inputs: [big], outputs: [prev]))
        XCTAssertLessThanOrEqual(plan.arenaFloats, 3 * 4 * 32 * 32)
        let input = Tensor(shape: [1, 4, 32, 32], values: (0..<4096).map { Float($0 % 13) - 6 })
        let out = try Session(plan: plan).run(["X": input])[prev]!
        // relu, sigmoid, relu, sigmoid, relu, sigmoid of x
        let expected = input.floats.map { v -> Float in
            var y = v
            for i in 0..<6 { y = i % 2 == 0 ? max(y, 0) : 1 / (1 + Foundation.exp(-y)) }
            return y
        }
        assertClose(out, Tensor(shape: [1, 4, 32, 32], values: expected), atol: 1e-6, rtol: 1e-6, "chain")
    }

    func testConcatOfComputedValuesIsWrittenInPlace() throws {
        let model = graph([
            ONNXNode(name: "a", opType: "Relu", inputs: ["X"], outputs: ["A"]),
            ONNXNode(name: "b", opType: "Neg", inputs: ["X"], outputs: ["B"]),
            ONNXNode(name: "c", opType: "Concat", inputs: ["A", "B"], outputs: ["C"], attributes: ["axis": .int(1)]),
            ONNXNode(name: "d", opType: "Sigmoid", inputs: ["C"], outputs: ["Y"]),
            ONNXNode(name: "e", opType: "Concat", inputs: ["X", "Y"], outputs: ["Z"], attributes: ["axis": .int(1)]),
        ], inputs: [x], outputs: ["Z"])
        let plan = try Plan(model: model)
        // The first Concat disappears; the second reads a graph input, so it stays a copy.
        XCTAssertEqual(plan.stepOpTypes, ["Relu", "Neg", "Sigmoid", "Concat"])
        XCTAssertEqual(plan.statistics.elidedConcats, 1)
        let input = Tensor(shape: [1, 2, 3, 3], values: (0..<18).map { Float($0) - 8.5 })
        let z = try Session(plan: plan).run(["X": input])["Z"]!
        let v = input.floats
        let c = v.map { max($0, 0) } + v.map { -$0 }
        let expected = v + c.map { 1 / (1 + Foundation.exp(-$0)) }
        assertClose(z, Tensor(shape: [1, 6, 3, 3], values: expected), atol: 1e-6, rtol: 1e-6, "concat in place")
    }

    /// Conv → Relu → Add(·, y) becomes one step when y exists before the convolution runs; not when y is
    /// computed after it, nor when something else reads the convolution's output.
    func testResidualAddIsFusedIntoTheConvolutionThatFeedsIt() throws {
        let weights: [Float] = (0..<36).map { i -> Float in Float(i % 7) / 7 - 0.4 }
        let w = ONNXTensor(name: "W", dataType: .float, dims: [2, 2, 3, 3], payload: .floats(weights))
        func model(residualAfterConv: Bool, extraReader: Bool) -> ONNXModel {
            var nodes = [ONNXNode(name: "y", opType: "Neg", inputs: ["X"], outputs: ["Y"])]
            let conv = [
                ONNXNode(name: "conv", opType: "Conv", inputs: ["X", "W"], outputs: ["C"],
                         attributes: ["pads": .ints([1, 1, 1, 1])]),
                ONNXNode(name: "relu", opType: "Relu", inputs: ["C"], outputs: ["R"]),
            ]
            nodes = residualAfterConv ? conv + nodes : nodes + conv
            nodes.append(ONNXNode(name: "add", opType: "Add", inputs: ["R", "Y"], outputs: ["S"]))
            var outputs = ["S"]
            if extraReader {
                nodes.append(ONNXNode(name: "other", opType: "Sigmoid", inputs: ["R"], outputs: ["T"]))
                outputs.append("T")
            }
            return graph(nodes, inputs: [x], outputs: outputs, initializers: [w])
        }
        let input = Tensor(shape: [1, 2, 3, 3], values: (0..<18).map { i -> Float in Float(i) / 3 - 3 })
        let reference = try Session(plan: Plan(model: model(residualAfterConv: false, extraReader: false),
                                               options: PlanOptions(convolution: .im2col))).run(["X": input])["S"]!
        // Independent value: Relu(conv(x))[0,0,1,1] + (−x[0,0,1,1]), the full 3×3 window at the centre.
        let v = input.floats
        var centre: Float = 0
        for ci in 0..<2 { for k in 0..<9 { centre += weights[ci * 9 + k] * v[ci * 9 + k] } }
        XCTAssertEqual(reference.floats[4], max(centre, 0) - v[4], accuracy: 1e-5)
        for (after, reader, fused) in [(false, false, 1), (true, false, 0), (false, true, 0)] {
            for convolution in [PlanOptions.Convolution.im2col, .direct] {
                let plan = try Plan(model: model(residualAfterConv: after, extraReader: reader),
                                    options: PlanOptions(convolution: convolution))
                XCTAssertEqual(plan.statistics.fusedResiduals, fused, "residual after conv: \(after), extra reader: \(reader)")
                XCTAssertEqual(plan.stepOpTypes.contains("Add"), fused == 0)
                let s = try Session(plan: plan).run(["X": input])["S"]!
                assertClose(s, reference, atol: 1e-5, rtol: 1e-5, "\(convolution) after \(after) reader \(reader)")
            }
        }
    }

    /// A channel Concat read only by a 3×3 convolution is never built: the convolution reads its inputs
    /// where they lie. The im2col path (which reads one tensor) keeps the Concat; both give the same values.
    func testConcatReadByAConvolutionIsReadInPlace() throws {
        let weights: [Float] = (0..<3 * 4 * 9).map { i -> Float in Float(i % 11) / 11 - 0.45 }
        let w = ONNXTensor(name: "W", dataType: .float, dims: [3, 4, 3, 3], payload: .floats(weights))
        let model = graph([
            ONNXNode(name: "a", opType: "Relu", inputs: ["X"], outputs: ["A"]),
            ONNXNode(name: "b", opType: "Neg", inputs: ["X"], outputs: ["B"]),
            ONNXNode(name: "c", opType: "Concat", inputs: ["A", "B"], outputs: ["C"], attributes: ["axis": .int(1)]),
            ONNXNode(name: "conv", opType: "Conv", inputs: ["C", "W"], outputs: ["Y"], attributes: ["pads": .ints([1, 1, 1, 1])]),
        ], inputs: [x], outputs: ["Y"], initializers: [w])
        let input = Tensor(shape: [1, 2, 3, 3], values: (0..<18).map { i -> Float in Float(i) - 8.5 })
        let direct = try Plan(model: model, options: PlanOptions(convolution: .direct))
        XCTAssertEqual(direct.stepOpTypes, ["Relu", "Neg", "Conv"])
        XCTAssertEqual(direct.statistics.concatsReadInPlace, 1)
        let reference = try Plan(model: model, options: PlanOptions(convolution: .im2col))
        XCTAssertEqual(reference.statistics.concatsReadInPlace, 0)
        let y = try Session(plan: direct).run(["X": input])["Y"]!
        let expected = try Session(plan: reference).run(["X": input])["Y"]!
        assertClose(y, expected, atol: 1e-5, rtol: 1e-5, "concat read in place")
        // An independent value: output channel 0 at the centre, the full window over relu(x) then −x.
        let v = input.floats
        var centre: Float = 0
        for k in 0..<9 {
            centre += weights[k] * max(v[k], 0) + weights[9 + k] * max(v[9 + k], 0)
            centre += weights[18 + k] * -v[k] + weights[27 + k] * -v[9 + k]
        }
        XCTAssertEqual(y.floats[4], centre, accuracy: 1e-4)
    }

    /// Resize (×2, bilinear, half-pixel) → Concat → 3×3 Conv: neither the Resize nor the Concat is stored;
    /// the convolution upsamples each row as it copies it. Same values as the reference path, which keeps both.
    func testResizeReadByAConvolutionIsReadRowByRow() throws {
        let weights: [Float] = (0..<2 * 4 * 9).map { i -> Float in Float(i % 13) / 13 - 0.5 }
        let w = ONNXTensor(name: "W", dataType: .float, dims: [2, 4, 3, 3], payload: .floats(weights))
        let scales = ONNXTensor(name: "scales", dataType: .float, dims: [4], payload: .floats([1, 1, 2, 2]))
        let small = ONNXValueInfo(name: "S", elementType: .float, shape: [.fixed(1), .fixed(2), .fixed(3), .fixed(5)])
        let big = ONNXValueInfo(name: "X", elementType: .float, shape: [.fixed(1), .fixed(2), .fixed(6), .fixed(10)])
        let model = graph([
            ONNXNode(name: "up", opType: "Resize", inputs: ["S", "", "scales"], outputs: ["U"],
                     attributes: ["mode": .string("linear")]),
            ONNXNode(name: "cat", opType: "Concat", inputs: ["U", "X"], outputs: ["C"], attributes: ["axis": .int(1)]),
            ONNXNode(name: "conv", opType: "Conv", inputs: ["C", "W"], outputs: ["Y"], attributes: ["pads": .ints([1, 1, 1, 1])]),
        ], inputs: [small, big], outputs: ["Y"], initializers: [w, scales])
        let feeds = ["S": Tensor(shape: [1, 2, 3, 5], values: (0..<30).map { i -> Float in Float(i * 7 % 11) - 5 }),
                     "X": Tensor(shape: [1, 2, 6, 10], values: (0..<120).map { i -> Float in Float(i % 9) / 4 - 1 })]
        let fast = try Plan(model: model, options: PlanOptions(convolution: .direct))
        XCTAssertEqual(fast.stepOpTypes, ["Conv"])
        XCTAssertEqual(fast.statistics.resizesReadInPlace, 1)
        XCTAssertEqual(fast.statistics.concatsReadInPlace, 1)
        let reference = try Plan(model: model, options: PlanOptions(convolution: .im2col))
        XCTAssertEqual(reference.stepOpTypes, ["Resize", "Concat", "Conv"])
        let y = try Session(plan: fast).run(feeds)["Y"]!
        let expected = try Session(plan: reference).run(feeds)["Y"]!
        assertClose(y, expected, atol: 1e-5, rtol: 1e-5, "resize read row by row")
    }
}
