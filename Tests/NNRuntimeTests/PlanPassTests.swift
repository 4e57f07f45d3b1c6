import Foundation
import NNRuntime
import NNTensor
import ONNXFormat
import TestSupport
import XCTest

/// Each planner pass on a tiny graph: what it rewrites, what it leaves, and the statistic it returns.
final class PlanPassTests: XCTestCase {
    private let x = ONNXValueInfo(name: "X", elementType: .float, shape: [.fixed(1), .fixed(2), .fixed(4), .fixed(4)])

    /// A 3×3 convolution's weights, 2 → `outChannels`, as an initializer.
    private func weights(_ name: String, inChannels: Int = 2, outChannels: Int = 2) -> ONNXTensor {
        ONNXTensor(name: name, dataType: .float, dims: [outChannels, inChannels, 3, 3],
                   payload: .floats((0..<(outChannels * inChannels * 9)).map { Float($0 % 5) / 5 - 0.4 }))
    }

    private func conv(_ name: String, _ input: String, _ w: String, _ output: String) -> ONNXNode {
        ONNXNode(name: name, opType: "Conv", inputs: [input, w], outputs: [output], attributes: ["pads": .ints([1, 1, 1, 1])])
    }

    /// The graph after binding and shape inference (and dead-step removal when `prune`), before any fusion.
    private func inferred(_ nodes: [ONNXNode], outputs: [String], initializers: [ONNXTensor] = [],
                          inputs: [ONNXValueInfo]? = nil, convolution: PlanOptions.Convolution = .direct,
                          prune: Bool = true) throws -> PlanGraph {
        let feeds = inputs ?? [x]
        let graph = PlanGraph(outputNames: outputs)
        try ConstantBinding(initializers: initializers, inputValues: [:], inputs: feeds).run(on: graph)
        try InputBinding(inputs: feeds, givenShapes: [:], knownInputs: []).run(on: graph)
        try ShapeInference(nodes: nodes, opset: 13, options: PlanOptions(convolution: convolution)).run(on: graph)
        if prune { try DeadStepRemoval().run(on: graph) }
        return graph
    }

    func testConstantBindingDefinesInitializersAndGivenInputs() throws {
        let graph = PlanGraph(outputNames: [])
        let w = weights("W")
        let count = try ConstantBinding(initializers: [w], inputValues: ["X": Tensor.zeros([1, 2, 4, 4]), "nope": Tensor.zeros([1])],
                                        inputs: [x]).run(on: graph)
        XCTAssertEqual(count, 2, "one initializer and one given input; a value for a name that is no input is ignored")
        XCTAssertEqual(graph.parameterCount, 36)
        XCTAssertEqual(graph.states["W"]?.shape, [2, 2, 3, 3])
        XCTAssertNotNil(graph.states["X"]?.constant)
        XCTAssertNil(graph.states["nope"])
    }

    func testInputBindingTakesDeclaredOrGivenShapes() throws {
        let graph = PlanGraph(outputNames: [])
        XCTAssertEqual(try InputBinding(inputs: [x], givenShapes: ["X": [1, 2, 8, 6]], knownInputs: []).run(on: graph), 1)
        XCTAssertEqual(graph.states["X"]?.shape, [1, 2, 8, 6], "height and width may differ from the declaration")
        XCTAssertEqual(graph.feedNames, ["X"])
        XCTAssertThrowsError(try InputBinding(inputs: [x], givenShapes: ["X": [1, 3, 4, 4]], knownInputs: []).run(on: PlanGraph(outputNames: [])))
        XCTAssertThrowsError(try InputBinding(inputs: [x], givenShapes: ["Q": [1]], knownInputs: []).run(on: PlanGraph(outputNames: [])))
        let known = PlanGraph(outputNames: [])
        XCTAssertEqual(try InputBinding(inputs: [x], givenShapes: [:], knownInputs: ["X"]).run(on: known), 0)
        XCTAssertTrue(known.feedNames.isEmpty)
    }

    func testShapeInferenceFoldsKnownValuesAndSchedulesTheRest() throws {
        let graph = try inferred([
            ONNXNode(name: "shape", opType: "Shape", inputs: ["X"], outputs: ["S"]),
            ONNXNode(name: "neg", opType: "Neg", inputs: ["S"], outputs: ["N"]),
            ONNXNode(name: "relu", opType: "Relu", inputs: ["X"], outputs: ["Y"]),
        ], outputs: ["Y", "N"], prune: false)
        XCTAssertEqual(graph.steps.map(\.name), ["relu"])
        XCTAssertEqual(graph.states["N"]?.constant?.integers, [-1, -2, -4, -4])
        XCTAssertEqual(graph.states["Y"]?.shape, [1, 2, 4, 4])
        XCTAssertThrowsError(try inferred([ONNXNode(name: "r", opType: "Relu", inputs: ["X"], outputs: ["Y"])], outputs: ["Z"]))
    }

    func testDeadStepRemovalKeepsWhatTheOutputsNeed() throws {
        let graph = try inferred([
            ONNXNode(name: "a", opType: "Relu", inputs: ["X"], outputs: ["A"]),
            ONNXNode(name: "unused", opType: "Sigmoid", inputs: ["A"], outputs: ["U"]),
            ONNXNode(name: "b", opType: "Neg", inputs: ["A"], outputs: ["B"]),
        ], outputs: ["B"], prune: false)
        XCTAssertEqual(try DeadStepRemoval().run(on: graph), 1)
        XCTAssertEqual(graph.steps.map(\.name), ["a", "b"])
    }

    func testActivationFusionNeedsASoleReader() throws {
        let fusible = try inferred([conv("c", "X", "W", "C"), ONNXNode(name: "r", opType: "Relu", inputs: ["C"], outputs: ["R"])],
                                   outputs: ["R"], initializers: [weights("W")])
        XCTAssertEqual(try ActivationFusion().run(on: fusible), 1)
        XCTAssertEqual(fusible.steps.map(\.name), ["c"])
        XCTAssertEqual(fusible.steps[0].outputs, ["R"])
        XCTAssertEqual((fusible.steps[0].op as? AcceptsEpilogue)?.epilogue, .relu)

        let shared = try inferred([conv("c", "X", "W", "C"), ONNXNode(name: "r", opType: "Relu", inputs: ["C"], outputs: ["R"])],
                                  outputs: ["R", "C"], initializers: [weights("W")])
        XCTAssertEqual(try ActivationFusion().run(on: shared), 0, "the convolution's own output is also a graph output")
        XCTAssertEqual(shared.steps.count, 2)
    }

    func testResidualFusionNeedsTheOtherOperandFirst() throws {
        func graph(yFirst: Bool) throws -> PlanGraph {
            let y = ONNXNode(name: "y", opType: "Neg", inputs: ["X"], outputs: ["Y"])
            let c = conv("c", "X", "W", "C")
            let add = ONNXNode(name: "add", opType: "Add", inputs: ["C", "Y"], outputs: ["S"])
            return try inferred(yFirst ? [y, c, add] : [c, y, add], outputs: ["S"], initializers: [weights("W")])
        }
        let before = try graph(yFirst: true)
        XCTAssertEqual(try ResidualFusion().run(on: before), 1)
        XCTAssertEqual(before.steps.map(\.name), ["y", "c"])
        XCTAssertEqual(before.steps[1].residual, "Y")
        XCTAssertEqual(before.steps[1].outputs, ["S"])
        XCTAssertEqual(before.steps[1].stepInputs.last, "Y")
        let after = try graph(yFirst: false)
        XCTAssertEqual(try ResidualFusion().run(on: after), 0)
        XCTAssertEqual(after.steps.count, 3)
    }

    func testConcatReadInPlaceGivesTheConvolutionItsSegments() throws {
        let nodes = [
            ONNXNode(name: "a", opType: "Relu", inputs: ["X"], outputs: ["A"]),
            ONNXNode(name: "b", opType: "Neg", inputs: ["X"], outputs: ["B"]),
            ONNXNode(name: "cat", opType: "Concat", inputs: ["A", "B"], outputs: ["C"], attributes: ["axis": .int(1)]),
            conv("conv", "C", "W", "Y"),
        ]
        let graph = try inferred(nodes, outputs: ["Y"], initializers: [weights("W", inChannels: 4)])
        XCTAssertEqual(try ConcatReadInPlace().run(on: graph), 1)
        XCTAssertEqual(graph.steps.map(\.name), ["a", "b", "conv"])
        XCTAssertEqual(graph.steps[2].inputSegments, ["A", "B"])
        XCTAssertEqual((graph.steps[2].op as? AcceptsSegmentedInput)?.inputSegments?.map(\.channels), [2, 2])
        // im2col reads one tensor: the Concat stays.
        let reference = try inferred(nodes, outputs: ["Y"], initializers: [weights("W", inChannels: 4)], convolution: .im2col)
        XCTAssertEqual(try ConcatReadInPlace().run(on: reference), 0)
        // A second reader of the Concat keeps it too.
        let twice = try inferred(nodes + [ONNXNode(name: "s", opType: "Sigmoid", inputs: ["C"], outputs: ["T"])],
                                 outputs: ["Y", "T"], initializers: [weights("W", inChannels: 4)])
        XCTAssertEqual(try ConcatReadInPlace().run(on: twice), 0)
    }

    func testResizeReadInPlaceMovesTheTapsIntoTheConvolution() throws {
        let small = ONNXValueInfo(name: "X", elementType: .float, shape: [.fixed(1), .fixed(2), .fixed(2), .fixed(2)])
        let scales = ONNXTensor(name: "scales", dataType: .float, dims: [4], payload: .floats([1, 1, 2, 2]))
        let graph = try inferred([
            ONNXNode(name: "up", opType: "Resize", inputs: ["X", "", "scales"], outputs: ["U"], attributes: ["mode": .string("linear")]),
            conv("conv", "U", "W", "Y"),
        ], outputs: ["Y"], initializers: [weights("W"), scales], inputs: [small])
        XCTAssertEqual(try ResizeReadInPlace().run(on: graph), 1)
        XCTAssertEqual(graph.steps.map(\.name), ["conv"])
        XCTAssertEqual(graph.steps[0].inputSegments, ["X"])
        let segment = (graph.steps[0].op as? AcceptsSegmentedInput)?.inputSegments?.first
        XCTAssertEqual(segment?.channels, 2)
        XCTAssertNotNil(segment?.resize)
    }

    func testConcatElisionWritesInputsIntoTheirSlices() throws {
        let graph = try inferred([
            ONNXNode(name: "a", opType: "Relu", inputs: ["X"], outputs: ["A"]),
            ONNXNode(name: "b", opType: "Neg", inputs: ["X"], outputs: ["B"]),
            ONNXNode(name: "cat", opType: "Concat", inputs: ["A", "B"], outputs: ["C"], attributes: ["axis": .int(1)]),
        ], outputs: ["C"])
        XCTAssertEqual(try ConcatElision().run(on: graph), 1)
        XCTAssertEqual(graph.steps.map(\.name), ["a", "b"])
        XCTAssertEqual(graph.homes["A"]?.root, "C")
        XCTAssertEqual(graph.homes["A"]?.offset, 0)
        XCTAssertEqual(graph.homes["B"]?.offset, 32)
        let layout = MemoryPlanning().layout(graph)
        XCTAssertEqual(layout.offset("B"), layout.offset("C") + 32)
    }

    func testMemoryPlanningReusesSpaceOfDeadValues() throws {
        var nodes: [ONNXNode] = []
        for k in 0..<4 { nodes.append(ONNXNode(name: "r\(k)", opType: "Relu", inputs: [k == 0 ? "X" : "v\(k - 1)"], outputs: ["v\(k)"])) }
        let graph = try inferred(nodes, outputs: ["v3"])
        let layout = MemoryPlanning().layout(graph)
        // Lifetimes (first definition … last read): X −1…0, v0 0…1, v1 1…2, v2 2…3, v3 3…end: two buffers in turn.
        XCTAssertEqual(layout.valueFloats, 2 * 32)
        XCTAssertNotEqual(layout.offset("v0"), layout.offset("v1"))
        XCTAssertEqual(layout.offset("v0"), layout.offset("v2"))
        XCTAssertEqual(layout.offset("X"), layout.offset("v1"), "the input is dead once r0 has read it")
    }

    func testArenaPlacementPacksLargestFirstAtTheLowestFreeOffset() {
        var arena = ArenaPlacement()
        let offsets = arena.place([
            .init(name: "a", first: 0, last: 1, count: 100),
            .init(name: "b", first: 1, last: 2, count: 40),
            .init(name: "c", first: 2, last: 3, count: 60),
        ])
        XCTAssertEqual(offsets["a"], 0)
        XCTAssertEqual(offsets["b"], 112, "a (rounded to 112) is alive at step 1")
        XCTAssertEqual(offsets["c"], 0, "a is dead by step 2")
        XCTAssertEqual(arena.size, 112 + 48)
    }

    func testStepBuildingBindsConstantsAndTheResidualSlot() throws {
        let graph = try inferred([
            ONNXNode(name: "y", opType: "Neg", inputs: ["X"], outputs: ["Y"]),
            conv("c", "X", "W", "C"),
            ONNXNode(name: "add", opType: "Add", inputs: ["C", "Y"], outputs: ["S"]),
        ], outputs: ["S"], initializers: [weights("W")])
        try ResidualFusion().run(on: graph)
        let layout = MemoryPlanning().layout(graph)
        let built = StepBuilding(threads: 1).build(graph, layout: layout)
        XCTAssertEqual(built.steps.map(\.opType), ["Neg", "Conv"])
        XCTAssertEqual(built.steps[1].inputs, [layout.offset("X"), -1, layout.offset("Y")], "weights are constants; the residual is last")
        XCTAssertEqual((graph.steps[1].op as? AcceptsResidual)?.residualSlot, 2)
        XCTAssertEqual(built.convolutions, 1)
        XCTAssertEqual(built.inputs.map(\.name), ["X"])
        XCTAssertEqual(built.outputs.map(\.shape), [[1, 2, 4, 4]])
    }
}
