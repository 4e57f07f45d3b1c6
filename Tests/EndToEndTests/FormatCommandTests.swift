import Foundation
import TestSupport
import U2Net
import XCTest

/// Every input format through the pipeline and the command: masks agree with the PNG twin's, alpha and ICC
/// profiles are kept, the output's extension picks its format.
final class FormatCommandTests: XCTestCase {
    let cli = CLI()
    static let shared = Result { try CutoutPipeline(model: CLI.model) }
    var pipeline: CutoutPipeline { get throws { try Self.shared.get() } }
    static func fixture(_ name: String) -> String { FixturePaths.formats.appendingPathComponent(name).path }

    override func setUpWithError() throws { try cli.requireModel() }

    func temp() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("formats-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        return dir
    }

    static func meanLevels(_ a: GrayImage, _ b: GrayImage) -> Double {
        Double(zip(a.pixels, b.pixels).reduce(0) { $0 + abs(Int($1.0) - Int($1.1)) }) / Double(a.pixels.count)
    }

    func mask(_ name: String) throws -> GrayImage {
        try pipeline.run(ImageFile.load(path: Self.fixture(name)), options: CutoutOptions(composition: .mask, format: nil)).mask
    }

    func testMasksOfEveryFormatAreWithinTwoLevelsOfThePNGTwins() throws {
        let twin = try mask("astronaut.png")
        for name in ["astronaut-lossy.webp", "astronaut-lossless.webp", "astronaut.heic", "astronaut.avif",
                     "astronaut-rgb8-lzw.tif", "astronaut-rgb16.tif"] {
            let ours = try mask(name)
            let d = Self.meanLevels(ours, twin)
            print("mask of \(name) vs the PNG twin: \(String(format: "%.3f", d)) levels mean")
            XCTAssertLessThanOrEqual(d, 2, name)
        }
        let alphaTwin = try mask("astronaut-alpha.png")
        let alphaWebP = try mask("astronaut-alpha.webp")
        let d = Self.meanLevels(alphaWebP, alphaTwin)
        print("mask of astronaut-alpha.webp vs its PNG twin: \(String(format: "%.3f", d)) levels mean")
        XCTAssertLessThanOrEqual(d, 2)
    }

    func testAlphaWebPTransparencyIsKeptInTheCutout() throws {
        let input = try ImageFile.load(path: Self.fixture("astronaut-alpha.webp"))
        let out = try temp().appendingPathComponent("cutout.webp").path
        let r = try cli.run([Self.fixture("astronaut-alpha.webp"), "-o", out])
        XCTAssertEqual(r.status, 0, r.stderr)
        let cutout = try ImageFile.load(path: out)
        let alpha = try XCTUnwrap(cutout.alpha, "-o x.webp keeps alpha")
        let inputAlpha = try XCTUnwrap(input.alpha)
        var leaked = 0
        for i in 0..<alpha.count where inputAlpha[i] == 0 && alpha[i] != 0 { leaked += 1 }
        XCTAssertEqual(leaked, 0, "pixels transparent in the input are transparent in the cutout")
        XCTAssertFalse(zip(alpha, inputAlpha).contains { $0.0 > $0.1 }, "the input's alpha bounds the cutout's")
    }

    func testOutputExtensionChoosesTheFormat() throws {
        let dir = try temp()
        let photo = Self.fixture("astronaut.heic")
        let webp = dir.appendingPathComponent("x.webp").path
        var r = try cli.run([photo, "-o", webp])
        XCTAssertEqual(r.status, 0, r.stderr)
        let head = try [UInt8](Data(contentsOf: URL(fileURLWithPath: webp)).prefix(16))
        XCTAssertEqual(String(decoding: head[8..<12], as: UTF8.self), "WEBP")
        XCTAssertNotNil(try ImageFile.load(path: webp).alpha, "a cutout written as WebP has alpha")

        let lossy = dir.appendingPathComponent("lossy.webp").path
        r = try cli.run([photo, "-o", lossy, "--quality", "60"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertLessThan(try Data(contentsOf: URL(fileURLWithPath: lossy)).count, try Data(contentsOf: URL(fileURLWithPath: webp)).count)
        XCTAssertNotNil(try ImageFile.load(path: lossy).alpha)

        let unknown = dir.appendingPathComponent("x.xyz").path
        r = try cli.run([photo, "-o", unknown])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains(".xyz"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: unknown))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted(), ["lossy.webp", "x.webp"])

        let refined = dir.appendingPathComponent("refined.xyz").path
        r = try cli.run(["refine", photo, "--mask", webp, "-o", refined])
        XCTAssertEqual(r.status, 2, r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: refined))
    }

    func testFormatWebPForFoldersAndStdout() throws {
        let dir = try temp()
        let inputs = dir.appendingPathComponent("in")
        try FileManager.default.createDirectory(at: inputs, withIntermediateDirectories: true)
        for name in ["astronaut.heic", "astronaut.avif", "astronaut-rgb8-lzw.tif", "astronaut-lossy.webp"] {
            // Distinct stems: astronaut.heic and astronaut.avif would both become astronaut.webp.
            let copy = name.replacingOccurrences(of: ".", with: "-") + "." + (name as NSString).pathExtension
            try FileManager.default.copyItem(atPath: Self.fixture(name), toPath: inputs.appendingPathComponent(copy).path)
        }
        let out = dir.appendingPathComponent("out")
        var r = try cli.run([inputs.path, "-o", out.path, "--format", "webp", "--quiet"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let written = try FileManager.default.contentsOfDirectory(atPath: out.path).sorted()
        XCTAssertEqual(written, ["astronaut-avif.webp", "astronaut-heic.webp", "astronaut-lossy-webp.webp", "astronaut-rgb8-lzw-tif.webp"])
        for name in written {
            XCTAssertTrue(name.hasSuffix(".webp"))
            XCTAssertNotNil(try ImageFile.load(path: out.appendingPathComponent(name).path).alpha)
        }

        // stdin → stdout
        let p = Process()
        p.executableURL = CLI.binary
        p.arguments = ["-", "-o", "-", "--format", "webp"]
        p.currentDirectoryURL = CLI.packageRoot
        p.standardInput = try FileHandle(forReadingFrom: URL(fileURLWithPath: Self.fixture("astronaut.avif")))
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0)
        let image = try ImageFile.decode(data, path: "<stdout>")
        XCTAssertEqual(String(decoding: data[8..<12], as: UTF8.self), "WEBP")
        XCTAssertEqual(image.width, 256)
        XCTAssertNotNil(image.alpha)
        _ = r
        r = try cli.run(["--format", "gif", Self.fixture("astronaut.heic")])
        XCTAssertNotEqual(r.status, 0)
    }

    func testAdobeRGBProfileIsKeptInPNGJPEGAndWebPOutputs() throws {
        try XCTSkipUnless(FileManager.default.fileExists(atPath: FixturePaths.adobeRGBProfile), "apt-get install icc-profiles-free")
        let profile = try Data(contentsOf: URL(fileURLWithPath: FixturePaths.adobeRGBProfile))
        let dir = try temp()
        let input = Self.fixture("adobe.jpg")
        XCTAssertEqual(try ImageFile.load(path: input).iccProfile, profile)
        let runs: [(String, [String])] = [
            ("cutout.png", []), ("cutout.webp", []), ("lossy.webp", ["--quality", "80"]),
            ("flat.jpg", ["--bg", "white"]), ("flat.png", ["--bg", "#102030"]), ("flat.webp", ["--bg", "white"]),
        ]
        for (name, extra) in runs {
            let out = dir.appendingPathComponent(name).path
            let r = try cli.run([input, "-o", out] + extra)
            XCTAssertEqual(r.status, 0, "\(name): \(r.stderr)")
            XCTAssertEqual(try ImageFile.load(path: out).iccProfile, profile, name)
        }
        // The mask is grey levels, not colour: no profile.
        let mask = dir.appendingPathComponent("mask.png").path
        XCTAssertEqual(try cli.run([input, "-o", mask, "--mask-only"]).status, 0)
        XCTAssertNil(try ImageFile.load(path: mask).iccProfile)
        // Every container in, PNG out, profile kept; the network's input is the raw RGB, so the mask does not
        // depend on the profile.
        for name in ["adobe.png", "adobe.webp", "adobe.heic", "adobe.avif", "adobe.tif"] {
            let out = dir.appendingPathComponent("from-\(name).png").path
            let r = try cli.run([Self.fixture(name), "-o", out])
            XCTAssertEqual(r.status, 0, "\(name): \(r.stderr)")
            XCTAssertEqual(try ImageFile.load(path: out).iccProfile, profile, name)
        }
        var plain = try ImageFile.load(path: input)
        let withProfile = try pipeline.run(plain, options: CutoutOptions(composition: .mask, format: nil)).mask
        plain.iccProfile = nil
        XCTAssertEqual(try pipeline.run(plain, options: CutoutOptions(composition: .mask, format: nil)).mask, withProfile)
    }

    func testOutputCarriesNoEXIFOrientation() throws {
        // A JPEG with EXIF orientation 6 is turned upright once; the output is the upright pixels and has no EXIF.
        let photo = try ImageFile.load(path: Self.fixture("adobe.jpg"))
        let jpeg = try JPEGCodec.encode(photo, quality: 95)
        var bytes = [UInt8](jpeg)
        // APP1 Exif with one IFD entry: Orientation (0x0112) = 6, big-endian TIFF.
        let tiff: [UInt8] = [0x4D, 0x4D, 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0, 0, 0, 0, 0, 0, 0]
        let payload = Array("Exif".utf8) + [0, 0] + tiff
        let length = payload.count + 2
        bytes.insert(contentsOf: [0xFF, 0xE1, UInt8(length >> 8), UInt8(length & 0xFF)] + payload, at: 2)
        let dir = try temp()
        let input = dir.appendingPathComponent("rotated.jpg")
        try Data(bytes).write(to: input)
        for name in ["out.png", "out.jpg", "out.webp"] {
            let out = dir.appendingPathComponent(name).path
            let r = try cli.run([input.path, "-o", out] + (name.hasSuffix(".jpg") ? ["--bg", "white"] : []))
            XCTAssertEqual(r.status, 0, r.stderr)
            let data = try Data(contentsOf: URL(fileURLWithPath: out))
            XCTAssertNil(data.range(of: Data("Exif".utf8)), "\(name) carries no EXIF block")
            let image = try ImageFile.decode(data, path: name)
            XCTAssertEqual(image.width, photo.height)
            XCTAssertEqual(image.height, photo.width)
        }
    }
}
