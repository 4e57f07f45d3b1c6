import Foundation
import Imaging
import TestSupport
import XCTest

/// PNG colour types and bit depths, on files built byte by byte.
final class PNGDecodingTests: XCTestCase {
    func testPNGColourTypesAndDepths() throws {
        // 16-bit grey: v·257 must read back as v; its 8-bit twin gives the same pixels.
        let values: [UInt8] = [0, 1, 127, 128, 254, 255]
        let sixteen = RawPNG.make(width: 6, height: 1, colorType: .gray, bitDepth: 16, rows: [values.flatMap { [$0, $0] }])
        let eight = RawPNG.make(width: 6, height: 1, colorType: .gray, bitDepth: 8, rows: [values])
        let a = try ImageFile.decode(sixteen, path: "16.png"), b = try ImageFile.decode(eight, path: "8.png")
        XCTAssertEqual(ImagingFixtures.channel0(a), values)
        XCTAssertEqual(a, b)
        XCTAssertNil(a.alpha)

        // Palette with transparency: index 1 is half-transparent red.
        let palette = RawPNG.make(width: 2, height: 1, colorType: .palette, bitDepth: 8, rows: [[0, 1]],
                                  palette: [0, 0, 255, 255, 0, 0], transparency: [255, 128])
        let p = try ImageFile.decode(palette, path: "p.png")
        XCTAssertEqual(p.rgb, [0, 0, 255, 255, 0, 0])
        XCTAssertEqual(p.alpha, [255, 128])

        // Grey + alpha, RGBA, 16-bit RGBA, 1-bit grey.
        let ga = try ImageFile.decode(RawPNG.make(width: 2, height: 1, colorType: .grayAlpha, bitDepth: 8, rows: [[10, 0, 200, 255]]), path: "ga.png")
        XCTAssertEqual(ga.rgb, [10, 10, 10, 200, 200, 200])
        XCTAssertEqual(ga.alpha, [0, 255])
        let rgba = try ImageFile.decode(RawPNG.make(width: 1, height: 2, colorType: .rgba, bitDepth: 8, rows: [[1, 2, 3, 4], [5, 6, 7, 255]]), path: "rgba.png")
        XCTAssertEqual(rgba.rgb, [1, 2, 3, 5, 6, 7])
        XCTAssertEqual(rgba.alpha, [4, 255])
        let rgba16 = try ImageFile.decode(RawPNG.make(width: 1, height: 1, colorType: .rgba, bitDepth: 16,
                                                      rows: [[0x80, 0x80, 0x40, 0x40, 0xFF, 0xFF, 0xFF, 0xFF]]), path: "rgba16.png")
        XCTAssertEqual(rgba16.rgb, [128, 64, 255])
        XCTAssertEqual(rgba16.alpha, [255])
        let bits = try ImageFile.decode(RawPNG.make(width: 8, height: 1, colorType: .gray, bitDepth: 1, rows: [[0b1010_0001]]), path: "1bit.png")
        XCTAssertEqual(ImagingFixtures.channel0(bits), [255, 0, 255, 0, 0, 0, 0, 255])
        let one = try ImageFile.decode(RawPNG.make(width: 1, height: 1, colorType: .rgb, bitDepth: 8, rows: [[9, 8, 7]]), path: "1x1.png")
        XCTAssertEqual(one, Image(width: 1, height: 1, rgb: [9, 8, 7]))
    }
}
