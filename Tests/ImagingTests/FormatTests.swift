import Foundation
import Imaging
import TestSupport
import XCTest

/// WebP, HEIC, AVIF and TIFF reading, WebP writing, and ICC profiles carried through every container.
final class FormatTests: XCTestCase {
    static func load(_ name: String, maxPixels: Int = ImageFile.defaultMaxPixels) throws -> Image {
        try ImageFile.load(path: FixturePaths.formats.appendingPathComponent(name).path, maxPixels: maxPixels)
    }

    static func bytes(_ name: String) throws -> Data {
        try Data(contentsOf: FixturePaths.formats.appendingPathComponent(name))
    }

    /// Mean absolute difference of two equally sized byte planes, in levels.
    static func meanDifference(_ a: [UInt8], _ b: [UInt8]) -> Double {
        precondition(a.count == b.count)
        return Double(zip(a, b).reduce(0) { $0 + abs(Int($1.0) - Int($1.1)) }) / Double(a.count)
    }

    func testEveryFormatDecodesToThePNGTwin() throws {
        let twin = try Self.load("astronaut.png")
        let gray = try Self.load("astronaut-gray8.png")
        // (file, the twin it matches, the largest mean difference allowed in levels)
        let cases: [(String, Image, Double)] = [
            ("astronaut-lossless.webp", twin, 0),
            ("astronaut-lossy.webp", twin, 4),
            ("astronaut.heic", twin, 4),
            ("astronaut.avif", twin, 4),
            ("astronaut-rgb8-lzw.tif", twin, 0),
            ("astronaut-rgb16.tif", twin, 0),
            ("astronaut-gray8-packbits.tif", gray, 0),
            ("astronaut-gray16.tif", gray, 0),
        ]
        for (name, expected, limit) in cases {
            let image = try Self.load(name)
            XCTAssertEqual(image.width, 256, name)
            XCTAssertEqual(image.height, 256, name)
            XCTAssertNil(image.alpha, name)
            let d = Self.meanDifference(image.rgb, expected.rgb)
            XCTAssertLessThanOrEqual(d, limit, name)
        }
    }

    func testAlphaIsKeptFromWebPAndTIFF() throws {
        let twin = try Self.load("astronaut-alpha.png")
        let webp = try Self.load("astronaut-alpha.webp")
        XCTAssertEqual(webp.alpha, twin.alpha)
        XCTAssertEqual(webp.rgb, twin.rgb)  // written with exact=True: colour under transparency kept too
        let tiff = try Self.load("astronaut-rgba8-deflate.tif")
        XCTAssertEqual(tiff.alpha, twin.alpha)
        // libtiff premultiplies; colour comes back within rounding where alpha is large enough to carry it.
        var worst = 0
        for i in 0..<256 * 256 where twin.alpha![i] >= 128 {
            for c in 0..<3 { worst = max(worst, abs(Int(tiff.rgb[3 * i + c]) - Int(twin.rgb[3 * i + c]))) }
        }
        XCTAssertLessThanOrEqual(worst, 1)
    }

    func testPixelLimitRefusesBeforeDecoding() throws {
        for name in ["astronaut-lossy.webp", "astronaut.heic", "astronaut.avif", "astronaut-rgb8-lzw.tif", "adobe.jpg", "adobe.png"] {
            XCTAssertThrowsError(try Self.load(name, maxPixels: 1000)) { error in
                guard case .tooLarge = error as? ImagingError else { return XCTFail("\(name): \(error)") }
            }
        }
    }

    func testDamagedFilesAreTypedErrors() throws {
        for name in ["astronaut-lossy.webp", "astronaut-lossless.webp", "astronaut.heic", "astronaut.avif",
                     "astronaut-rgb8-lzw.tif", "astronaut-rgb16.tif"] {
            let data = try Self.bytes(name)
            for cut in [16, 40, data.count / 3, data.count - 200] {
                XCTAssertThrowsError(try ImageFile.decode(data.prefix(cut), path: name), "\(name) cut at \(cut)") { error in
                    XCTAssertTrue(error is ImagingError, "\(error)")
                }
            }
        }
    }

    // MARK: ICC profiles

    /// RGBA bytes from an image's RGB and `alpha` (or a constant).
    static func rgba(_ image: Image, alpha constant: UInt8 = 255) -> RGBAImage {
        let n = image.width * image.height
        var pixels = [UInt8](repeating: 0, count: n * 4)
        for i in 0..<n {
            pixels[4 * i] = image.rgb[3 * i]
            pixels[4 * i + 1] = image.rgb[3 * i + 1]
            pixels[4 * i + 2] = image.rgb[3 * i + 2]
            pixels[4 * i + 3] = image.alpha?[i] ?? constant
        }
        return RGBAImage(width: image.width, height: image.height, pixels: pixels)
    }

    func adobeProfile() throws -> Data {
        try XCTSkipUnless(FileManager.default.fileExists(atPath: FixturePaths.adobeRGBProfile), "apt-get install icc-profiles-free")
        return try Data(contentsOf: URL(fileURLWithPath: FixturePaths.adobeRGBProfile))
    }

    func testProfileIsReadFromEveryContainer() throws {
        let profile = try adobeProfile()
        for name in ["adobe.jpg", "adobe.png", "adobe.webp", "adobe.heic", "adobe.avif", "adobe.tif"] {
            let image = try Self.load(name)
            XCTAssertEqual(image.iccProfile, profile, name)
        }
        XCTAssertNil(try Self.load("astronaut.png").iccProfile)
    }

    func testProfileSpanningSeveralJPEGSegmentsIsJoined() throws {
        var big = [UInt8](try adobeProfile()) + [UInt8](repeating: 0, count: 140_000)
        let n = UInt32(big.count)
        big[0] = UInt8(n >> 24); big[1] = UInt8(n >> 16 & 0xFF); big[2] = UInt8(n >> 8 & 0xFF); big[3] = UInt8(n & 0xFF)
        let image = try Self.load("big-profile.jpg")
        XCTAssertEqual(image.iccProfile, Data(big))
        // And written back as segments that join to the same bytes.
        let again = try ImageFile.decode(JPEGCodec.encode(image, quality: 90), path: "x.jpg")
        XCTAssertEqual(again.iccProfile, Data(big))
    }

    func testProfileIsWrittenByteIdenticalInEveryOutputFormat() throws {
        let photo = try Self.load("adobe.jpg")
        let profile = try adobeProfile()
        let rgba = Self.rgba(photo, alpha: 200)
        var outputs: [(String, Data)] = []
        outputs.append(("png rgb", try PNGCodec.encode(photo)))
        outputs.append(("png rgba", try PNGCodec.encode(rgba, iccProfile: profile)))
        outputs.append(("jpeg", try JPEGCodec.encode(photo, quality: 90)))
        outputs.append(("webp lossless", try WebPCodec.encode(photo)))
        outputs.append(("webp lossy", try WebPCodec.encode(photo, quality: 80)))
        outputs.append(("webp rgba", try WebPCodec.encode(rgba, iccProfile: profile)))
        outputs.append(("webp rgba lossy", try WebPCodec.encode(rgba, quality: 80, iccProfile: profile)))
        for (name, data) in outputs {
            let decoded = try ImageFile.decode(data, path: name)
            XCTAssertEqual(decoded.iccProfile, profile, name)
            XCTAssertEqual(decoded.width, photo.width, name)
        }
        // No profile in, none out.
        var plain = photo
        plain.iccProfile = nil
        let plainOutputs: [Data] = [try PNGCodec.encode(plain), try JPEGCodec.encode(plain, quality: 90), try WebPCodec.encode(plain)]
        for data in plainOutputs {
            XCTAssertNil(try ImageFile.decode(data, path: "x").iccProfile)
        }
    }

    func testPNGWithProfileHasNoSRGBChunk() throws {
        let photo = try Self.load("adobe.jpg")
        let png = [UInt8](try PNGCodec.encode(photo))
        let text = String(decoding: png.prefix(200), as: UTF8.self)
        XCTAssertTrue(text.contains("iCCP"))
        XCTAssertFalse(text.contains("sRGB"))
    }

    func testWebPRoundTrips() throws {
        let twin = try Self.load("astronaut-alpha.png")
        let rgba = Self.rgba(twin)
        let lossless = try ImageFile.decode(WebPCodec.encode(rgba), path: "x.webp")
        XCTAssertEqual(lossless.alpha, twin.alpha)
        var worst = 0
        for i in 0..<256 * 256 where twin.alpha![i] > 0 {
            for c in 0..<3 { worst = max(worst, abs(Int(lossless.rgb[3 * i + c]) - Int(twin.rgb[3 * i + c]))) }
        }
        XCTAssertEqual(worst, 0)
        let lossy = try WebPCodec.encode(rgba, quality: 75)
        let decoded = try ImageFile.decode(lossy, path: "y.webp")
        XCTAssertEqual(decoded.alpha, twin.alpha)  // alpha is compressed losslessly at the default alpha quality
        XCTAssertLessThan(lossy.count, try WebPCodec.encode(rgba).count)
    }

    func testFormatFromExtension() {
        XCTAssertEqual(ImageFormat(path: "a/b.WEBP"), .webp)
        XCTAssertEqual(ImageFormat(path: "a/b.jpeg"), .jpeg)
        XCTAssertNil(ImageFormat(path: "a/b.xyz"))
        XCTAssertNil(ImageFormat.pathExtension("a.b/c"))
        XCTAssertEqual(ImageFormat.webp.fileExtension, "webp")
    }
}

/// HEIF orientation: the container's transform (irot) is applied once, by libheif. HEIF's EXIF orientation is never
/// read (writers either repeat the container's transform there or, like pillow-heif, reset it to 1).
final class HEIFOrientationTests: XCTestCase {
    func testRotationIsAppliedOnce() throws {
        let image = try FormatTests.load("rotated-exif6.heic")
        XCTAssertEqual(image.width, 32)
        XCTAssertEqual(image.height, 64)
        // The stored image's green left strip is at the top once turned 90° clockwise.
        let top = 3 * (4 * 32 + 16), bottom = 3 * (60 * 32 + 16)
        XCTAssertGreaterThan(image.rgb[top + 1], 150, "green at the top")
        XCTAssertLessThan(image.rgb[bottom + 1], 100, "red at the bottom")
    }
}
