import Foundation
import TestSupport
import U2Net
import XCTest

/// The façade's `InferenceModel`: the input shape it plans for, from the declared shape and a size.
final class InferenceModelTests: XCTestCase {
    func testPlanningAtAnotherSizeGivesOutputsOfThatSize() throws {
        try FixturePaths.requireU2netp()
        let model = try InferenceModel(path: FixturePaths.u2netpModel.path)
        XCTAssertEqual(try model.inputShape(), [1, 3, 320, 320])
        let plan = try model.plan(size: 160)
        XCTAssertEqual(plan.outputs.map(\.shape), Array(repeating: [1, 1, 160, 160], count: 7))
    }

    func testDynamicDimensionsNeedASize() throws {
        let path = FixturePaths.runtimeFixtures.appendingPathComponent("modnet/model.onnx").path
        let model = try InferenceModel(path: path, threads: 2)
        XCTAssertEqual(model.declaredInputShape.count, 4)
        XCTAssertNil(model.declaredInputShape[2], "height is dynamic")
        XCTAssertThrowsError(try model.inputShape())
        XCTAssertEqual(try model.inputShape(size: 128), [1, 3, 128, 128])
        XCTAssertEqual(try model.plan(size: 128).statistics.foldedBatchNorms, 52)
    }
}
