import Foundation
import Imaging
import XCTest

final class PixelDensityTests: XCTestCase {
    func testJPEGAndPNGRecordTheirDPI() throws {
        let image = Image(width: 8, height: 6, color: (10, 200, 30))
        let jpeg = PixelDensity.setting(try JPEGCodec.encode(image, quality: 90), dpi: 300)
        XCTAssertEqual(PixelDensity.read(jpeg), 300)
        XCTAssertEqual(try ImageFile.decode(jpeg, path: "x.jpg").width, 8)
        let png = PixelDensity.setting(try PNGCodec.encode(image), dpi: 600)
        XCTAssertEqual(PixelDensity.read(png), 600)
        XCTAssertEqual(try ImageFile.decode(png, path: "x.png"), image, "libpng accepts the pHYs chunk (its CRC is right)")
        XCTAssertNil(PixelDensity.read(try PNGCodec.encode(image)))
        XCTAssertEqual(PixelDensity.setting(Data([1, 2, 3]), dpi: 300), Data([1, 2, 3]))
    }
}
