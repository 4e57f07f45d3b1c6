import Foundation
import U2Net
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
}
