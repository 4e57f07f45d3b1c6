import Foundation
import ONNXFormat
import XCTest

/// A file's declarations never make the decoder allocate what the file cannot back: a tensor declaring 2 GB in a
/// file of a few bytes is refused before any allocation.
final class MemoryBoundTests: XCTestCase {
    static let twoGigabytesOfFloats: Int64 = 1 << 29  // 2^29 float32 = 2 GiB

    func peakRSSMegabytes() -> Int {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return usage.ru_maxrss / 1024
    }

    func testDeclaredTwoGigabyteTensorInATinyFileIsRefused() throws {
        let before = peakRSSMegabytes()
        let t0 = Date()
        // dims [2^29], FLOAT, no data.
        var tensor = ProtoWriter()
        tensor.int(1, Self.twoGigabytesOfFloats); tensor.int(2, 1); tensor.string(8, "huge")
        XCTAssertLessThan(tensor.bytes.count, 1024)
        XCTAssertThrowsError(try ONNXTensor(serialized: tensor.data)) {
            XCTAssertEqual($0 as? ONNXError, .tensorSizeMismatch(tensor: "huge", expected: 1 << 29, found: 0, unit: "elements"))
        }
        // The same tensor as a model initializer with a raw_data field that claims 2 GiB but holds 8 bytes.
        var model = ProtoWriter.model { t in
            t.int(1, Self.twoGigabytesOfFloats); t.int(2, 1); t.string(8, "huge")
            t.key(9, 2); t.varint(UInt64(1) << 31); t.bytes += [UInt8](repeating: 0, count: 8)
        }
        model.bytes += [UInt8](repeating: 0, count: 16)
        XCTAssertLessThan(model.bytes.count, 1024)
        XCTAssertThrowsError(try ONNXModel(serialized: model.data)) { XCTAssertTrue($0 is ONNXError, "\($0)") }
        XCTAssertLessThan(Date().timeIntervalSince(t0), 1)
        XCTAssertLessThan(peakRSSMegabytes() - before, 256, "no gigabyte allocation")
    }

    func testExternalDataDeclaringMoreThanTheFileHoldsIsRefusedBeforeReading() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("huge-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data(count: 64).write(to: dir.appendingPathComponent("weights.bin"))
        let model = ProtoWriter.model { t in
            t.int(1, Self.twoGigabytesOfFloats); t.int(2, 1); t.string(8, "E")
            t.message(13) { $0.string(1, "location"); $0.string(2, "weights.bin") }
            t.message(13) { $0.string(1, "length"); $0.string(2, "\(Int64(1) << 31)") }
            t.int(14, 1)
        }
        let path = dir.appendingPathComponent("m.onnx")
        try model.data.write(to: path)
        let before = peakRSSMegabytes()
        XCTAssertThrowsError(try ONNXModel.load(path: path.path)) {
            XCTAssertEqual($0 as? ONNXError, .externalData(tensor: "E", location: "weights.bin",
                                                          reason: "file ends after 64 of 2147483648 bytes at offset 0"))
        }
        XCTAssertLessThan(peakRSSMegabytes() - before, 256)
    }
}
