import Foundation
import Imaging
import TestSupport
import XCTest

/// EXIF orientations applied on decoding, and the orientation transforms by hand.
final class OrientationTests: XCTestCase {
    /// A 3×2 image whose pixels are all different, stored under each orientation.
    func testEXIFOrientationsOneToEight() throws {
        // Big blocks so JPEG's loss does not blur which block is where.
        let w = 48, h = 32
        var rgb = [UInt8](repeating: 0, count: w * h * 3)
        let colors: [(UInt8, UInt8, UInt8)] = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 0), (0, 255, 255), (255, 0, 255)]
        for y in 0..<h { for x in 0..<w {
            let c = colors[(y / 16) * 3 + x / 16]
            rgb[3 * (y * w + x)] = c.0; rgb[3 * (y * w + x) + 1] = c.1; rgb[3 * (y * w + x) + 2] = c.2
        } }
        let stored = try JPEGCodec.encode(Image(width: w, height: h, rgb: rgb), quality: 95)
        let plain = try ImageFile.decode(stored, path: "plain.jpg")
        // Hand-worked: orientation 6 means the stored image must be turned 90° clockwise to display,
        // so the displayed top-left block is the stored bottom-left one (colour 3).
        let six = try ImageFile.decode(RawJPEG.withOrientation(stored, 6), path: "6.jpg")
        XCTAssertEqual(six.width, h)
        XCTAssertEqual(six.height, w)
        XCTAssertEqual(Int(six.rgb[0]), 255, "displayed top-left is yellow")
        XCTAssertEqual(Int(six.rgb[1]), 255)
        XCTAssertLessThan(Int(six.rgb[2]), 20)
        for o in 1...8 {
            let decoded = try ImageFile.decode(RawJPEG.withOrientation(stored, UInt16(o)), path: "\(o).jpg")
            XCTAssertEqual(decoded, Orientation.apply(o, to: plain), "orientation \(o)")
            XCTAssertEqual(decoded.width, o >= 5 ? h : w)
        }
        // Mirror + rotation composition: 5 is the transpose.
        let t = Orientation.apply(5, to: Image(width: 2, height: 1, rgb: [1, 1, 1, 2, 2, 2]))
        XCTAssertEqual(t, Image(width: 1, height: 2, rgb: [1, 1, 1, 2, 2, 2]))
        let r8 = Orientation.apply(8, to: Image(width: 2, height: 1, rgb: [1, 1, 1, 2, 2, 2]))
        XCTAssertEqual(r8, Image(width: 1, height: 2, rgb: [2, 2, 2, 1, 1, 1]), "8 turns 90° counter-clockwise")
    }
}
