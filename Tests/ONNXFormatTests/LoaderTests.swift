import Foundation
import ONNXFormat
import TestSupport
import XCTest

final class LoaderTests: XCTestCase {
    func testDecodesAHandBuiltModel() throws {
        let w = ProtoWriter.model { ProtoWriter.floatTensor(&$0, name: "K", dims: [2], raw: [1.5, -2]) }
        let model = try ONNXModel(serialized: w.data)
        XCTAssertEqual(model.irVersion, 8)
        XCTAssertEqual(model.opsetVersion, 13)
        XCTAssertEqual(model.graph.nodes.map(\.opType), ["Relu"])
        XCTAssertEqual(model.graph.nodes[0].name, "n1")
        XCTAssertEqual(model.graph.inputs[0].shape, [.fixed(1), .fixed(2)])
        XCTAssertEqual(model.graph.initializers[0].floatValues(), [1.5, -2])
        XCTAssertEqual(model.graph.initializers[0].dims, [2])
    }

    func testTypedFieldsAreRead() throws {
        // float_data packed, int64_data unpacked.
        let w = ProtoWriter.model { t in
            t.int(1, 3); t.int(2, 1); t.string(8, "F")
            t.bytes(4, [Float(1), 2, 3].flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian, Array.init) })
        }
        XCTAssertEqual(try ONNXModel(serialized: w.data).graph.initializers[0].floatValues(), [1, 2, 3])
        let v = ProtoWriter.model { t in
            t.int(1, 2); t.int(2, 7); t.string(8, "I"); t.int(7, -5); t.int(7, 9)
        }
        XCTAssertEqual(try ONNXModel(serialized: v.data).graph.initializers[0].int64Values(), [-5, 9])
    }

    func testTruncatedModelIsAMalformedError() throws {
        let full = ProtoWriter.model { ProtoWriter.floatTensor(&$0, name: "K", dims: [4], raw: [1, 2, 3, 4]) }.data
        for cut in [full.count - 1, full.count - 7, full.count / 2, 5] {
            XCTAssertThrowsError(try ONNXModel(serialized: full.prefix(cut))) { error in
                guard let e = error as? ONNXError else { return XCTFail("not an ONNXError: \(error)") }
                switch e {
                case .malformed, .invalidModel: break
                default: XCTFail("unexpected \(e)")
                }
            }
        }
    }

    func testTruncatedRealModelIsRefused() throws {
        try FixturePaths.requireU2netp()
        let path = FixturePaths.u2netpModel.path
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try ONNXModel(serialized: data.prefix(data.count - 1000))) {
            XCTAssertTrue("\($0)".contains("not a valid ONNX protobuf file"), "\($0)")
        }
    }

    func testFilesThatAreNotProtobufAreRefused() {
        let png = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13])
        let text = Data("hello, this is not a model\n".utf8)
        for data in [png, text, Data([0xFF, 0xFF, 0xFF])] {
            XCTAssertThrowsError(try ONNXModel(serialized: data)) { error in
                XCTAssertTrue(error is ONNXError, "\(error)")
            }
        }
    }

    func testEmptyAndMissingFilesAreUnreadable() throws {
        XCTAssertThrowsError(try ONNXModel.load(path: "/nonexistent/model.onnx")) {
            XCTAssertEqual($0 as? ONNXError, .unreadable(path: "/nonexistent/model.onnx", reason: "no such file"))
        }
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("empty-\(UUID()).onnx")
        FileManager.default.createFile(atPath: empty.path, contents: Data())
        defer { try? FileManager.default.removeItem(at: empty) }
        XCTAssertThrowsError(try ONNXModel.load(path: empty.path)) {
            XCTAssertEqual($0 as? ONNXError, .unreadable(path: empty.path, reason: "the file is empty"))
        }
    }

    func testTensorWhoseBytesDisagreeWithItsDimsIsRefused() {
        let raw = ProtoWriter.model { ProtoWriter.floatTensor(&$0, name: "K", dims: [2, 3], raw: [1, 2, 3, 4, 5]) }
        XCTAssertThrowsError(try ONNXModel(serialized: raw.data)) {
            XCTAssertEqual($0 as? ONNXError, .tensorSizeMismatch(tensor: "K", expected: 24, found: 20, unit: "bytes"))
        }
        let typed = ProtoWriter.model { t in t.int(1, 3); t.int(2, 7); t.string(8, "I"); t.int(7, 1) }
        XCTAssertThrowsError(try ONNXModel(serialized: typed.data)) {
            XCTAssertEqual($0 as? ONNXError, .tensorSizeMismatch(tensor: "I", expected: 3, found: 1, unit: "elements"))
        }
    }

    func testExternalDataIsReadRelativeToTheModel() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ext-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let values: [Float] = [9, 8, 7]
        var blob = Data([0xAA, 0xBB, 0xCC, 0xDD])  // 4 bytes before the tensor: offset 4
        blob.append(contentsOf: values.flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian, Array.init) })
        try blob.write(to: dir.appendingPathComponent("weights.bin"))
        func model(location: String) -> ProtoWriter {
            ProtoWriter.model { t in
                t.int(1, 3); t.int(2, 1); t.string(8, "E")
                t.message(13) { $0.string(1, "location"); $0.string(2, location) }
                t.message(13) { $0.string(1, "offset"); $0.string(2, "4") }
                t.message(13) { $0.string(1, "length"); $0.string(2, "12") }
                t.int(14, 1)
            }
        }
        let good = dir.appendingPathComponent("good.onnx")
        try model(location: "weights.bin").data.write(to: good)
        XCTAssertEqual(try ONNXModel.load(path: good.path).graph.initializers[0].floatValues(), values)

        let bad = dir.appendingPathComponent("bad.onnx")
        try model(location: "missing.bin").data.write(to: bad)
        XCTAssertThrowsError(try ONNXModel.load(path: bad.path)) {
            XCTAssertEqual($0 as? ONNXError,
                           .externalData(tensor: "E", location: "missing.bin", reason: "file not found next to the model"))
        }
    }
}
