import Foundation
import Imaging
import Matting
import XCTest

/// A colour mask reads the same everywhere: `compare` (``PNGCodec/readGray(path:)``) and `refine`
/// (``GrayImage/matte(from:width:height:)``) both take Pillow's luma.
final class MaskLumaTests: XCTestCase {
    func testLumaIsPillowsAndKeepsGrey() {
        // Pillow: Image.new("RGB", (1, 1), c).convert("L").
        XCTAssertEqual(Grayscale.luma(255, 0, 0), 76)
        XCTAssertEqual(Grayscale.luma(0, 255, 0), 150)
        XCTAssertEqual(Grayscale.luma(0, 0, 255), 29)
        XCTAssertEqual(Grayscale.luma(10, 200, 30), 124)
        // Where 0.299 R + 0.587 G + 0.114 B rounded in thousandths would say 29 and 125.
        XCTAssertEqual(Grayscale.luma(0, 0, 250), 28)
        XCTAssertEqual(Grayscale.luma(0, 207, 35), 126)
        for v in 0...255 { XCTAssertEqual(Grayscale.luma(UInt8(v), UInt8(v), UInt8(v)), UInt8(v)) }
    }

    func testCompareAndRefineReadAColourMaskAlike() throws {
        // Colours on a coarse grid of the cube, six of them where rounding in thousandths differs from Pillow's.
        var rgb = [UInt8](repeating: 0, count: 64 * 64 * 3)
        for i in 0..<64 * 64 { rgb[3 * i] = UInt8(i % 16 * 17); rgb[3 * i + 1] = UInt8(i / 16 % 16 * 17); rgb[3 * i + 2] = UInt8(i / 256 * 17) }
        let mask = Image(width: 64, height: 64, rgb: rgb)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("luma-\(UUID()).png").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try PNGCodec.encode(mask).write(to: URL(fileURLWithPath: path))
        let compared = try PNGCodec.readGray(path: path)
        let refined = GrayImage.matte(from: try ImageFile.load(path: path), width: 64, height: 64)
        XCTAssertEqual(refined, compared)
        XCTAssertEqual(refined, Grayscale.luminance(mask))
    }

    func testGreyImageFromAMask() {
        let grey = Image(gray: GrayImage(width: 2, height: 1, pixels: [7, 250]))
        XCTAssertEqual(grey.rgb, [7, 7, 7, 250, 250, 250])
        XCTAssertNil(grey.alpha)
    }

    func testImageFormatsFromNames() {
        XCTAssertEqual(ImageFormat(fileExtension: "JPEG"), .jpeg)
        XCTAssertEqual(ImageFormat(fileExtension: "jpg"), .jpeg)
        XCTAssertEqual(ImageFormat(fileExtension: "png"), .png)
        XCTAssertNil(ImageFormat(fileExtension: "gif"))
        XCTAssertEqual(ImageFormat(path: "out/photo.JPG"), .jpeg)
        XCTAssertNil(ImageFormat(path: "out.d/photo"))
        XCTAssertNil(ImageFormat(path: "-"))
        XCTAssertEqual(ImageFormat.jpeg.fileExtension, "jpg")
    }
}
