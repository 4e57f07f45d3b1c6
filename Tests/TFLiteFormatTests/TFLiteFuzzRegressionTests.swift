import Foundation
import TFLiteFormat
import XCTest

/// Inputs that crashed the reader or the translation under the fuzzer (`Tools/fuzz.sh tflite`), rebuilt as small
/// models that show the same defect, and files that would make the reader copy far more than the file holds.
/// Each must fail with a ``TFLiteError`` instead of trapping or allocating.
final class TFLiteFuzzRegressionTests: XCTestCase {
    /// Found by the fuzzer: a DEQUANTIZE output used as depthwise weights, declaring more values than the
    /// dequantized constant has, made the weight transpose index past the end.
    func testDequantizedConstantOfTheWrongSizeIsRefused() throws {
        let bytes = Self.model(
            tensors: [([1, 2, 2, 1], 0, 0, "x"), ([2], 1, 1, "wq"), ([1, 1, 1, 4], 0, 0, "w"), ([1, 2, 2, 4], 0, 0, "y")],
            buffers: [[], [0, 0x3C, 0, 0x40]],   // float16 1, 2
            codes: [6, 4],
            operators: [(0, [1], [2], 0, nil), (1, [0, 2], [3], 2, [.i8(1), .i32(1), .i32(1), .i32(4)])],
            inputs: [0], outputs: [3])
        assertInvalid(bytes, mentioning: "DEQUANTIZE of 2 values")
    }

    /// A convolution with stride 0 divided by zero in the padding rule.
    func testZeroStrideIsRefused() throws {
        let weights = (0..<9).flatMap { _ in Self.float32(1) }
        let bytes = Self.model(
            tensors: [([1, 4, 4, 1], 0, 0, "x"), ([1, 3, 3, 1], 0, 1, "w"), ([1, 4, 4, 1], 0, 0, "y")],
            buffers: [[], weights],
            codes: [3],
            operators: [(0, [0, 1], [2], 1, [.i8(0), .i32(0), .i32(0)])],
            inputs: [0], outputs: [2])
        assertInvalid(bytes, mentioning: "stride (0, 0)")
    }

    /// A constant whose shape's element count overflows Int trapped when its size was multiplied out.
    func testOverflowingShapeIsRefused() throws {
        let bytes = Self.model(
            tensors: [([1, 2, 2, 1], 0, 0, "x"), ([Int32.max, Int32.max, Int32.max], 0, 1, "c"), ([1, 2, 2, 1], 0, 0, "y")],
            buffers: [[], Self.float32(1)],
            codes: [0],
            operators: [(0, [0, 1], [2], 0, nil)],
            inputs: [0], outputs: [2])
        assertInvalid(bytes, mentioning: "too many elements")
    }

    /// A PAD whose paddings are NaN trapped converting them to integers.
    func testNonFinitePaddingIsRefused() throws {
        let bytes = Self.model(
            tensors: [([1, 2, 2, 1], 0, 0, "x"), ([4, 2], 0, 1, "p"), ([1, 2, 2, 1], 0, 0, "y")],
            buffers: [[], (0..<8).flatMap { _ in Self.float32(.nan) }],
            codes: [34],
            operators: [(0, [0, 1], [2], 0, nil)],
            inputs: [0], outputs: [2])
        assertInvalid(bytes, mentioning: "padding nan")
    }

    /// Buffer entries pointing at one large data vector: each would be copied, so the copies together are held
    /// to the file's size.
    func testBuffersSharingOneLargeVectorAreRefused() throws {
        let big = [UInt8](repeating: 0x5A, count: 1000)
        var bytes = Self.model(
            tensors: [([1, 2, 2, 1], 0, 0, "x"), ([1, 2, 2, 1], 0, 0, "y")],
            buffers: [[], [0x11], [0x22], big],
            codes: [19],
            operators: [(0, [0], [1], 0, nil)],
            inputs: [0], outputs: [1])
        XCTAssertNoThrow(try TFLiteModel(bytes: bytes))
        let bigVector = try XCTUnwrap(Self.find([0xE8, 0x03, 0, 0, 0x5A, 0x5A], in: bytes))
        for marker: UInt8 in [0x11, 0x22] {
            Self.redirect(&bytes, from: try XCTUnwrap(Self.find([1, 0, 0, 0, marker], in: bytes)), to: bigVector)
        }
        XCTAssertLessThan(bytes.count, 3000)
        assertInvalid(bytes, mentioning: "buffers together exceed")
    }

    /// Tensor tables whose shapes all point at one long shape vector: the reader's element budget (four
    /// elements per file byte) refuses them before copying the vector hundreds of times.
    func testShapesSharingOneLongVectorAreRefused() throws {
        let count = 300
        var tensors: [([Int32], Int8, UInt32, String)] = (0..<(count - 1)).map { ([7000 + Int32($0)], 0, 0, "t\($0)") }
        tensors.append(([Int32](repeating: 1, count: 1000), 0, 0, "long"))
        var bytes = Self.model(tensors: tensors, buffers: [[]], codes: [19],
                               operators: [(0, [0], [1], 0, nil)], inputs: [0], outputs: [1])
        XCTAssertNoThrow(try TFLiteModel(bytes: bytes))
        let long = try XCTUnwrap(Self.find([0xE8, 0x03, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0], in: bytes))
        for k in 0..<(count - 1) {
            let value = UInt32(7000 + k)
            let vector = try XCTUnwrap(Self.find([1, 0, 0, 0, UInt8(value & 0xFF), UInt8(value >> 8), 0, 0], in: bytes))
            Self.redirect(&bytes, from: vector, to: long)
        }
        XCTAssertGreaterThan(count * 1000, 4 * bytes.count + 4096)   // the copies would exceed the budget
        assertInvalid(bytes, mentioning: "more elements than its size allows")
    }

    // MARK: - Helpers

    private func assertInvalid(_ bytes: [UInt8], mentioning text: String, line: UInt = #line) {
        XCTAssertThrowsError(try TFLiteModel(bytes: bytes).onnxModel(), line: line) { error in
            guard case let TFLiteError.invalidModel(detail) = error else { return XCTFail("\(error)", line: line) }
            XCTAssertTrue(detail.contains(text), detail, line: line)
        }
    }

    static func float32(_ v: Float) -> [UInt8] {
        withUnsafeBytes(of: v.bitPattern.littleEndian) { Array($0) }
    }

    /// A one-subgraph model: tensors (shape, type code, buffer index, name), buffers' data, builtin codes, and
    /// operators (opcode index, inputs, outputs, options type, option fields).
    static func model(tensors: [([Int32], Int8, UInt32, String)], buffers: [[UInt8]], codes: [Int32],
                      operators: [(UInt32, [Int32], [Int32], UInt8, [FBField]?)],
                      inputs: [Int32], outputs: [Int32]) -> [UInt8] {
        FlatBufferBuilder.file(root: [
            .u32(3),
            .tables(codes.map { [.i8(Int8(clamping: $0)), .absent, .i32(1), .i32($0)] }),
            .tables([[
                .tables(tensors.map { [.ints($0.0), .i8($0.1), .u32($0.2), .string($0.3)] }),
                .ints(inputs), .ints(outputs),
                .tables(operators.map { [.u32($0.0), .ints($0.1), .ints($0.2), .u8($0.3), $0.4.map { .table($0) } ?? .absent] }),
                .string("main"),
            ]]),
            .string("fuzz regression"),
            .tables(buffers.map { $0.isEmpty ? [] : [.bytes($0)] }),
        ])
    }

    /// The first position of `pattern` in `bytes`.
    static func find(_ pattern: [UInt8], in bytes: [UInt8]) -> Int? {
        guard bytes.count >= pattern.count else { return nil }
        return (0...(bytes.count - pattern.count)).first { bytes[$0..<($0 + pattern.count)].elementsEqual(pattern) }
    }

    /// Re-points the uoffset that targets `old` at `new` (which must lie after it): the nearest 4-aligned word
    /// before `old` whose value leads there (a table's soffset to its vtable can also add up to `old`, further back).
    static func redirect(_ bytes: inout [UInt8], from old: Int, to new: Int) {
        func word(_ p: Int) -> Int { Int(bytes[p]) | Int(bytes[p + 1]) << 8 | Int(bytes[p + 2]) << 16 | Int(bytes[p + 3]) << 24 }
        guard let p = stride(from: (old - 4) & ~3, through: 0, by: -4).first(where: { p in p + word(p) == old }),
              new > p else { return }
        let offset = UInt32(new - p)
        for k in 0..<4 { bytes[p + k] = UInt8((offset >> (8 * UInt32(k))) & 0xFF) }
    }
}
