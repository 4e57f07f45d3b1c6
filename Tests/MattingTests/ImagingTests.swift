import Foundation
import Imaging
import TestImages
import XCTest

/// Decoding, orientation and resampling against Pillow's results and hand-built files.
final class ImagingTests: XCTestCase {
    static var fixtures: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    }
    static func photo(_ name: String) throws -> Image { try ImageFile.load(path: fixtures.appendingPathComponent("photos/\(name)").path) }
    static func pillow(_ name: String) throws -> Image { try ImageFile.load(path: fixtures.appendingPathComponent("lanczos/\(name)").path) }

    func channel0(_ image: Image) -> [UInt8] { stride(from: 0, to: image.rgb.count, by: 3).map { image.rgb[$0] } }

    func testLanczosIsExactlyPillows() throws {
        for (name, file, w, h) in [("chelsea.png", "chelsea-320x320.png", 320, 320), ("coffee.png", "coffee-97x211.png", 97, 211),
                                   ("rocket.jpg", "rocket-320x320.png", 320, 320)] {
            let src = try Self.photo(name)
            let ours = Resample.lanczos(src.rgb, width: src.width, height: src.height, channels: 3, outWidth: w, outHeight: h)
            XCTAssertEqual(ours, try Self.pillow(file).rgb, name)
        }
        let camera = try Self.photo("camera.png")
        let grey = channel0(camera)
        XCTAssertEqual(Resample.lanczos(grey, width: 512, height: 512, channels: 1, outWidth: 333, outHeight: 45),
                       channel0(try Self.pillow("camera-333x45.png")))
        let small = Resample.lanczos(grey, width: 512, height: 512, channels: 1, outWidth: 40, outHeight: 30)
        XCTAssertEqual(small, channel0(try Self.pillow("camera-40x30.png")))
        XCTAssertEqual(Resample.lanczos(small, width: 40, height: 30, channels: 1, outWidth: 451, outHeight: 300),
                       channel0(try Self.pillow("camera-40x30-to-451x300.png")), "upscaling")
    }

    func testJPEGDecodingMatchesPillow() throws {
        let ours = try Self.photo("rocket.jpg")
        let theirs = try Self.pillow("rocket-decoded.png")
        XCTAssertEqual(ours.width, 640)
        XCTAssertEqual(ours.height, 427)
        let worst = zip(ours.rgb, theirs.rgb).map { abs(Int($0) - Int($1)) }.max()!
        XCTAssertLessThanOrEqual(worst, 1)
    }

    func testPNGColourTypesAndDepths() throws {
        // 16-bit grey: v·257 must read back as v; its 8-bit twin gives the same pixels.
        let values: [UInt8] = [0, 1, 127, 128, 254, 255]
        let sixteen = RawPNG.make(width: 6, height: 1, colorType: .gray, bitDepth: 16, rows: [values.flatMap { [$0, $0] }])
        let eight = RawPNG.make(width: 6, height: 1, colorType: .gray, bitDepth: 8, rows: [values])
        let a = try ImageFile.decode(sixteen, path: "16.png"), b = try ImageFile.decode(eight, path: "8.png")
        XCTAssertEqual(channel0(a), values)
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
        XCTAssertEqual(channel0(bits), [255, 0, 255, 0, 0, 0, 0, 255])
        let one = try ImageFile.decode(RawPNG.make(width: 1, height: 1, colorType: .rgb, bitDepth: 8, rows: [[9, 8, 7]]), path: "1x1.png")
        XCTAssertEqual(one, Image(width: 1, height: 1, rgb: [9, 8, 7]))
    }

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

    func testDamagedAndHostileFilesAreTypedErrors() throws {
        let good = try JPEGCodec.encode(Image(width: 64, height: 64, color: (10, 20, 30)), quality: 90)
        let png = RawPNG.make(width: 2, height: 2, colorType: .rgb, bitDepth: 8, rows: [[1, 2, 3, 4, 5, 6], [7, 8, 9, 10, 11, 12]])
        let cases: [(Data, String)] = [
            (Data(), "the file is empty"),
            (good.prefix(good.count / 2), "Premature end"),
            (Data("hello, world\n".utf8), "not a PNG or JPEG"),
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
