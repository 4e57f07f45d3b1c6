import Foundation
import NNTensor
import XCTest

/// `.npy` files and atomic writes.
final class FileTests: XCTestCase {
    private func scratchFolder() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("files-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        return dir
    }

    func testNPYRoundTrip() throws {
        let path = try scratchFolder().appendingPathComponent("t.npy").path
        let tensor = Tensor(shape: [2, 3], values: [0, -1.5, 2, .infinity, 1e-30, 7])
        try NPYFile.write(tensor, path: path)
        XCTAssertEqual(try NPYFile.read(path: path), tensor)
        let scalar = Tensor(shape: [], values: [4])
        XCTAssertEqual(try NPYFile.decode(NPYFile.encode(scalar)), scalar)
    }

    func testUnreadableAndInvalidFilesAreTypedErrors() throws {
        XCTAssertThrowsError(try NPYFile.read(path: "/nonexistent/x.npy")) {
            XCTAssertEqual($0 as? TensorFileError, .unreadable(path: "/nonexistent/x.npy", reason: "no such file"))
        }
        XCTAssertThrowsError(try NPYFile.decode(Data("hello, world".utf8), path: "h.npy")) {
            XCTAssertEqual($0 as? TensorFileError, .invalid(path: "h.npy", reason: "missing the \\x93NUMPY magic"))
        }
    }

    func testFailedWriteIsAWriteErrorWithTheSystemsReason() throws {
        let missing = try scratchFolder().appendingPathComponent("no-such-folder/t.npy").path
        XCTAssertThrowsError(try NPYFile.write(Tensor(shape: [1], values: [1]), path: missing)) {
            XCTAssertEqual($0 as? AtomicFileError, .writeFailed(path: missing, reason: "No such file or directory"))
            XCTAssertEqual("\($0)", "cannot write '\(missing)': No such file or directory")
        }
        // Renaming onto a folder fails after the data was written: nothing is left behind.
        let dir = try scratchFolder()
        let folder = dir.appendingPathComponent("taken")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("inside"), withIntermediateDirectories: true)
        XCTAssertThrowsError(try AtomicFile.write(Data([1, 2, 3]), to: folder.path)) {
            guard case .writeFailed(let path, let reason)? = $0 as? AtomicFileError else { return XCTFail("\($0)") }
            XCTAssertEqual(path, folder.path)
            XCTAssertFalse(reason.isEmpty)
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["taken"])
    }

    func testWriteReplacesTheFileWhole() throws {
        let path = try scratchFolder().appendingPathComponent("out.bin").path
        try AtomicFile.write(Data(repeating: 7, count: 100_000), to: path)
        try AtomicFile.write(Data([1, 2, 3]), to: path)
        XCTAssertEqual(FileManager.default.contents(atPath: path), Data([1, 2, 3]))
    }
}
