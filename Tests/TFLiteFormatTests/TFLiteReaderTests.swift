import Foundation
import NNRuntime
import NNTensor
import ONNXFormat
import TFLiteFormat
import TestSupport
import XCTest

final class TFLiteReaderTests: XCTestCase {
    func testOneOperatorModelTranslatesAndRuns() throws {
        let model = try TFLiteModel(bytes: FlatBufferBuilder.oneOperatorModel(code: 19))   // RELU
        XCTAssertEqual(model.tensors.map(\.name), ["x", "y"])
        XCTAssertEqual(model.tensors[0].shape, [1, 2, 2, 1])
        XCTAssertEqual(model.operators.first?.builtinCode, 19)
        let graph = try model.onnxModel()
        XCTAssertEqual(graph.graph.feedInputs.first?.shape, [.fixed(1), .fixed(1), .fixed(2), .fixed(2)])
        let plan = try Plan(model: graph, inputShapes: ["x": [1, 1, 2, 2]], threads: 1)
        let out = try Session(plan: plan).run(Tensor(shape: [1, 1, 2, 2], values: [-1, 2, -3, 4]))
        XCTAssertEqual(out.first?.shape, [1, 2, 2, 1])
        XCTAssertEqual(out.first?.floats, [0, 2, 0, 4])
    }

    func testUnknownOperatorIsRefusedByName() throws {
        let model = try TFLiteModel(bytes: FlatBufferBuilder.oneOperatorModel(code: 9))   // FULLY_CONNECTED
        XCTAssertThrowsError(try model.onnxModel()) { error in
            XCTAssertEqual(error as? TFLiteError, .unsupportedOperator(name: "FULLY_CONNECTED", code: 9, operatorIndex: 0))
            XCTAssertTrue("\(error)".contains("FULLY_CONNECTED"))
        }
        let high = try TFLiteModel(bytes: FlatBufferBuilder.oneOperatorModel(code: 150))
        XCTAssertThrowsError(try high.onnxModel()) { error in
            XCTAssertEqual(error as? TFLiteError, .unsupportedOperator(name: "BUILTIN_150", code: 150, operatorIndex: 0))
        }
    }

    func testWrongMagicIsRefused() throws {
        XCTAssertThrowsError(try TFLiteModel(bytes: FlatBufferBuilder.oneOperatorModel(code: 19, identifier: "ONNX"))) {
            XCTAssertEqual($0 as? TFLiteError, .badIdentifier(found: "ONNX"))
        }
        var real = try realDetectorBytes()
        real[4] = UInt8(ascii: "X")
        XCTAssertThrowsError(try TFLiteModel(bytes: real)) { XCTAssertEqual($0 as? TFLiteError, .badIdentifier(found: "XFL3")) }
        // An ONNX file is not a TFLite file.
        let onnx = [UInt8](try Data(contentsOf: URL(fileURLWithPath: FixturePaths.packagePath(
            "Tests/NNRuntimeTests/Fixtures/ops/conv_grouped/model.onnx").path)))
        XCTAssertThrowsError(try TFLiteModel(bytes: onnx)) {
            guard case .badIdentifier = $0 as? TFLiteError else { return XCTFail("\($0)") }
        }
    }

    func testTruncatedFilesAreRefused() throws {
        for n in [0, 3, 7] {
            XCTAssertThrowsError(try TFLiteModel(bytes: Array(repeating: 0, count: n))) {
                XCTAssertEqual($0 as? TFLiteError, .truncated(what: "file header", needed: 8, size: n))
            }
        }
        let real = try realDetectorBytes()
        for cut in [8, 12, 64, 1000, real.count / 2, real.count - 100] {
            XCTAssertThrowsError(try TFLiteModel(bytes: Array(real[..<cut])), "cut at \(cut)") { error in
                switch error as? TFLiteError {
                case .truncated?, .offsetOutOfRange?: break
                default: XCTFail("cut at \(cut): \(error)")
                }
            }
        }
        let small = FlatBufferBuilder.oneOperatorModel(code: 19)
        for cut in stride(from: 8, to: small.count, by: 1) {
            XCTAssertThrowsError(try TFLiteModel(bytes: Array(small[..<cut])).onnxModel(), "cut at \(cut)") {
                XCTAssertNotNil($0 as? TFLiteError, "cut at \(cut): \($0)")
            }
        }
    }

    func testOutOfRangeOffsetsAreRefused() throws {
        var bytes = FlatBufferBuilder.oneOperatorModel(code: 19)
        bytes[0] = 0xF0; bytes[1] = 0xFF; bytes[2] = 0xFF; bytes[3] = 0x7F   // root offset far past the end
        XCTAssertThrowsError(try TFLiteModel(bytes: bytes)) {
            guard case .offsetOutOfRange(let what, let value, _)? = $0 as? TFLiteError else { return XCTFail("\($0)") }
            XCTAssertTrue(what.contains("root"))
            XCTAssertEqual(value, 0x7FFF_FFF0)
        }
        XCTAssertThrowsError(try TFLiteModel(bytes: FlatBufferBuilder.oneOperatorModel(code: 19, tensorBuffer: 5))) {
            XCTAssertEqual($0 as? TFLiteError, .offsetOutOfRange(what: "tensor 0 buffer index", value: 5, limit: 1))
        }
        XCTAssertThrowsError(try TFLiteModel(bytes: FlatBufferBuilder.oneOperatorModel(code: 19, inputIndex: 7))) {
            XCTAssertEqual($0 as? TFLiteError, .offsetOutOfRange(what: "operator 0 input tensor index", value: 7, limit: 2))
        }
    }

    func testFaceModelsDecode() throws {
        try requireFaceModels()
        let detector = try TFLiteModel.load(path: FixturePaths.packagePath("Weights/face_detection_short_range.tflite").path)
        XCTAssertEqual(detector.tensors[detector.inputs[0]].shape, [1, 128, 128, 3])
        XCTAssertEqual(detector.outputs.map { detector.tensors[$0].name }, ["regressors", "classificators"])
        XCTAssertEqual(detector.operators.filter { $0.builtinCode == 6 }.count, 74)   // DEQUANTIZE of float16 weights
        let mesh = try TFLiteModel.load(path: FixturePaths.packagePath("Weights/face_landmark.tflite").path)
        XCTAssertEqual(mesh.tensors[mesh.inputs[0]].shape, [1, 192, 192, 3])
        XCTAssertEqual(mesh.operators.filter { $0.builtinCode == 54 }.count, 23)   // PRELU
        XCTAssertThrowsError(try TFLiteModel.load(path: "/nonexistent.tflite")) {
            XCTAssertEqual($0 as? TFLiteError, .unreadable(path: "/nonexistent.tflite", reason: "no such file"))
        }
    }

    private func realDetectorBytes() throws -> [UInt8] {
        try requireFaceModels()
        return [UInt8](try Data(contentsOf: FixturePaths.packagePath("Weights/face_detection_short_range.tflite")))
    }
}

func requireFaceModels(file: StaticString = #filePath, line: UInt = #line) throws {
    try XCTSkipUnless(FileManager.default.fileExists(atPath: FixturePaths.packagePath("Weights/face_landmark.tflite").path),
                      "run Tools/fetch-weights.sh first", file: file, line: line)
}
