import Foundation
import Imaging
import TestSupport
import XCTest

/// Damaged and hostile files: typed errors, and no pixel allocated for absurd sizes.
final class DecodingErrorTests: XCTestCase {
    func testDamagedAndHostileFilesAreTypedErrors() throws {
        let good = try JPEGCodec.encode(Image(width: 64, height: 64, color: (10, 20, 30)), quality: 90)
        let png = RawPNG.make(width: 2, height: 2, colorType: .rgb, bitDepth: 8, rows: [[1, 2, 3, 4, 5, 6], [7, 8, 9, 10, 11, 12]])
        let cases: [(Data, String)] = [
            (Data(), "the file is empty"),
            (good.prefix(good.count / 2), "Premature end"),
            (Data("hello, world\n".utf8), "not a PNG, JPEG, WebP"),
            (RawPNG.corruptingCRC(png), "CRC"),
            (png.prefix(40), "end of data"),
        ]
        for (data, message) in cases {
            XCTAssertThrowsError(try ImageFile.decode(data, path: "x")) { error in
                XCTAssertTrue(error is ImagingError, "\(error)")
                XCTAssertTrue("\(error)".contains(message), "\(error)")
            }
        }
        let t0 = Date()
        XCTAssertThrowsError(try ImageFile.decode(RawPNG.headerOnly(width: 60000, height: 60000), path: "huge.png")) {
            XCTAssertEqual($0 as? ImagingError, .tooLarge(path: "huge.png", width: 60000, height: 60000, limit: ImageFile.defaultMaxPixels))
        }
        XCTAssertLessThan(Date().timeIntervalSince(t0), 1)
    }
}
