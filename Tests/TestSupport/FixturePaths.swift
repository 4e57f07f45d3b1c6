import Foundation
import XCTest

/// Where the committed fixtures and the default model are, found from this file's place in the package
/// (`Tests/TestSupport/FixturePaths.swift`), so tests read them in place.
public enum FixturePaths {
    /// The package's root folder.
    public static var packageRoot: URL {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url
    }

    /// A path relative to the package root.
    public static func packagePath(_ relative: String) -> URL { packageRoot.appendingPathComponent(relative) }

    /// The default model, `Weights/u2netp.onnx` (put in place by Tools/fetch-weights.sh; not committed).
    public static var u2netpModel: URL { packagePath("Weights/u2netp.onnx") }

    /// Skips the calling test when `Weights/u2netp.onnx` is missing.
    public static func requireU2netp(file: StaticString = #filePath, line: UInt = #line) throws {
        try XCTSkipUnless(FileManager.default.fileExists(atPath: u2netpModel.path), "run Tools/fetch-weights.sh first",
                          file: file, line: line)
    }

    /// The engine's reference fixtures (Tools/make-fixtures.sh with ONNX Runtime): `ops/`, `u2netp/`, `modnet/`.
    public static var runtimeFixtures: URL { packagePath("Tests/NNRuntimeTests/Fixtures") }

    /// The test photos (PNG and JPEG; see their SOURCES.md).
    public static var photos: URL { packagePath("Tests/MattingTests/Fixtures/photos") }
    /// The astronaut photo (256×256) as PNG, WebP, HEIC, AVIF and TIFF, and 64×64 files with the Adobe RGB
    /// (1998)-compatible profile in every container (Tools/make-format-fixtures.sh).
    public static var formats: URL { packagePath("Tests/MattingTests/Fixtures/formats") }
    /// Debian's `icc-profiles-free` Adobe RGB (1998)-compatible profile, embedded in the `adobe.*` fixtures.
    public static let adobeRGBProfile = "/usr/share/color/icc/compatibleWithAdobeRGB1998.icc"
    /// Pillow's Lanczos resizes and decodes of the test photos (Tools/make-pipeline-fixtures.sh).
    public static var pillowResults: URL { packagePath("Tests/MattingTests/Fixtures/lanczos") }
    /// rembg 2.0.86's u2netp masks of the test photos (Tools/make-pipeline-fixtures.sh).
    public static var rembgMasks: URL { packagePath("Tests/MattingTests/Fixtures/rembg") }

    /// ONNX's own backend node test cases (Tools/make-op-fixtures.sh).
    public static var onnxNodeCases: URL { packagePath("Tests/EndToEndTests/Fixtures/onnx-node") }
    /// Ops whose form changed across opsets, each form at its opset (Tools/reference/make_opset_fixtures.py).
    public static var onnxOpsetCases: URL { packagePath("Tests/EndToEndTests/Fixtures/onnx-opsets") }
    /// The astronaut photo as u2netp's 1×3×320×320 input tensor (`.npy`).
    public static var astronautInput: URL { packagePath("Tests/EndToEndTests/Fixtures/astronaut-320.npy") }

    /// The subfolders of `folder`, in name order.
    public static func subfolders(of folder: URL) throws -> [URL] {
        try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: [.isDirectoryKey])
            .filter { (try? $0.resourceValues(forKeys: [.isDirectoryKey]).isDirectory) == true }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
    }
}
