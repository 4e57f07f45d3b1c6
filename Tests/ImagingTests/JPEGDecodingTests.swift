import Foundation
import Imaging
import XCTest

/// JPEG decoding against Pillow, and CMYK and progressive files against their plain twins.
final class JPEGDecodingTests: XCTestCase {
    func testJPEGDecodingMatchesPillow() throws {
        let ours = try ImagingFixtures.photo("rocket.jpg")
        let theirs = try ImagingFixtures.pillow("rocket-decoded.png")
        XCTAssertEqual(ours.width, 640)
        XCTAssertEqual(ours.height, 427)
        let worst = zip(ours.rgb, theirs.rgb).map { abs(Int($0) - Int($1)) }.max()!
        XCTAssertLessThanOrEqual(worst, 1)
    }

    func testCMYKAndProgressiveJPEG() throws {
        let w = 32, h = 16
        let rgb = (0..<w * h * 3).map { UInt8(($0 * 37) % 256) }
        // Adobe-convention CMYK as stored: inverted inks, so stored C,M,Y = R,G,B with no black (stored K 255).
        var cmyk = [UInt8](repeating: 255, count: w * h * 4)
        for i in 0..<w * h { for c in 0..<3 { cmyk[4 * i + c] = rgb[3 * i + c] } }
        let cmykFile = try JPEGCodec.encode(pixels: cmyk, width: w, height: h, components: 4, quality: 100)
        let rgbFile = try JPEGCodec.encode(pixels: rgb, width: w, height: h, components: 3, quality: 100)
        let fromCMYK = try ImageFile.decode(cmykFile, path: "cmyk.jpg")
        let fromRGB = try ImageFile.decode(rgbFile, path: "rgb.jpg")
        let diff = zip(fromCMYK.rgb, rgb).map { abs(Int($0) - Int($1)) }
        XCTAssertLessThanOrEqual(Double(diff.reduce(0, +)) / Double(diff.count), 4, "CMYK twin within a few levels")
        let progressive = try JPEGCodec.encode(pixels: rgb, width: w, height: h, components: 3, quality: 100, progressive: true)
        let fromProgressive = try ImageFile.decode(progressive, path: "progressive.jpg")
        let pdiff = zip(fromProgressive.rgb, fromRGB.rgb).map { abs(Int($0) - Int($1)) }
        XCTAssertLessThanOrEqual(pdiff.max()!, 2)
    }
}
