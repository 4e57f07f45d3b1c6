import Foundation
import U2Net
import XCTest

/// Locations of the committed reference fixtures (made by Tools/make-fixtures.sh with ONNX Runtime).
enum Fixtures {
    static var root: URL { Bundle.module.resourceURL!.appendingPathComponent("Fixtures") }

    static func caseFolders(_ group: String) throws -> [URL] {
        let dir = root.appendingPathComponent(group)
        return try FileManager.default.contentsOfDirectory(at: dir, includingPropertiesForKeys: nil)
            .filter { $0.hasDirectoryPath || (try? $0.resourceValues(forKeys: [.isDirectoryKey]).isDirectory) == true }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
    }

    static func npy(_ url: URL) throws -> Tensor { try NPYFile.read(path: url.path) }

    /// Default model, put in place by Tools/fetch-weights.sh.
    static var u2netpPath: String {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.appendingPathComponent("Weights/u2netp.onnx").path
    }
}

/// Asserts elementwise closeness: |a − b| ≤ atol + rtol·|b|.
func assertClose(_ actual: Tensor, _ expected: Tensor, atol: Float, rtol: Float, _ what: String,
                 file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(actual.shape, expected.shape, "\(what): shape", file: file, line: line)
    guard actual.shape == expected.shape else { return }
    let a = actual.floats, b = expected.floats
    var worst: (Int, Float) = (0, 0)
    for i in 0..<a.count {
        let excess = abs(a[i] - b[i]) - (atol + rtol * abs(b[i]))
        if !(excess <= worst.1) || a[i].isNaN != b[i].isNaN { worst = (i, excess.isNaN ? .infinity : excess) }
    }
    XCTAssertLessThanOrEqual(worst.1, 0, "\(what): element \(worst.0) is \(a[worst.0]), expected \(b[worst.0])",
                             file: file, line: line)
}
