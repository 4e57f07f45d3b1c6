import Foundation
import Imaging
import TestSupport
import XCTest

/// Inputs the fuzzer (Tools/fuzz.sh) flagged, kept in `Tests/MattingTests/Fixtures/formats/fuzz/`: each must decode
/// or fail with a typed error. Both found so far are damaged AVIF streams on which Debian's libdav1d leaks
/// 40 bytes inside the library (suppressed in Fuzz/lsan.supp; our code releases every libheif object).
final class FuzzRegressionTests: XCTestCase {
    func testFlaggedInputsDecodeOrFailWithATypedError() throws {
        let folder = FixturePaths.formats.appendingPathComponent("fuzz")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        XCTAssertFalse(files.isEmpty)
        for name in files {
            let data = try Data(contentsOf: folder.appendingPathComponent(name))
            do {
                _ = try ImageFile.decode(data, path: name, maxPixels: 4_000_000)
            } catch {
                XCTAssertTrue(error is ImagingError, "\(name): \(error)")
            }
        }
    }
}
