import Foundation
import TestSupport
import U2Net
import XCTest

/// `u2net-run PHOTO …`: masks against rembg, every input format, bad inputs, batches.
final class RemoveCommandTests: XCTestCase {
    let cli = CLI()
    static var photos: URL { FixturePaths.photos }
    static var rembgMasks: URL { FixturePaths.rembgMasks }

    override func setUpWithError() throws { try cli.requireModel() }

    func temp() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("remove-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        return dir
    }

    /// 8-bit mask differences: mean and 99.5th percentile, in levels.
    func levels(_ a: GrayImage, _ b: GrayImage) -> (mean: Double, p995: Int) {
        let d = zip(a.pixels, b.pixels).map { abs(Int($0) - Int($1)) }.sorted()
        return (Double(d.reduce(0, +)) / Double(d.count), d[min(d.count - 1, Int(Double(d.count) * 0.995))])
    }

    func testMasksMatchRembgOnTheTestPhotos() throws {
        let out = try temp()
        let r = try cli.run([Self.photos.path, "-o", out.path, "--mask-only", "--quiet"])
        XCTAssertEqual(r.status, 0, r.stderr)
        for name in ["astronaut", "camera", "chelsea", "coffee", "rocket"] {
            let ours = try PNGCodec.readGray(path: out.appendingPathComponent("\(name).png").path)
            let theirs = try PNGCodec.readGray(path: Self.rembgMasks.appendingPathComponent("\(name).png").path)
            XCTAssertEqual(ours.width, theirs.width)
            XCTAssertEqual(ours.height, theirs.height)
            let (mean, p995) = levels(ours, theirs)
            XCTAssertLessThanOrEqual(mean, 0.75, name)
            XCTAssertLessThanOrEqual(p995, 8, name)
        }
    }

    func testEveryInputFormatGivesAnRGBACutoutOfTheDisplayedSize() throws {
        let dir = try temp(), out = try temp()
        // Chelsea cropped to 448 × 288, multiples of JPEG's 16-pixel blocks, so that a mirrored or turned
        // copy is cut into the same blocks and JPEG loses the same detail.
        let full = try ImageFile.load(path: Self.photos.appendingPathComponent("chelsea.png").path)
        let (w, h) = (448, 288)
        let chelsea = Image(width: w, height: h, rgb: (0..<h).flatMap { y in full.rgb[(y * full.width) * 3..<(y * full.width + w) * 3] })
        func save(_ name: String, _ data: Data) throws { try data.write(to: dir.appendingPathComponent(name)) }
        // Twins: plain 8-bit RGB, 16-bit RGB, CMYK JPEG and its RGB JPEG twin, rotated JPEGs.
        try save("plain.png", try PNGCodec.encode(chelsea))
        try save("sixteen.png", RawPNG.make(width: w, height: h, colorType: .rgb, bitDepth: 16,
                                            rows: (0..<h).map { y in Array(chelsea.rgb[y * w * 3..<(y + 1) * w * 3]).flatMap { [$0, $0] } }))
        var cmyk = [UInt8](repeating: 255, count: w * h * 4)
        for i in 0..<w * h { for c in 0..<3 { cmyk[4 * i + c] = chelsea.rgb[3 * i + c] } }
        try save("cmyk.jpg", try JPEGCodec.encode(pixels: cmyk, width: w, height: h, components: 4, quality: 100))
        try save("rgb.jpg", try JPEGCodec.encode(pixels: chelsea.rgb, width: w, height: h, components: 3, quality: 100))
        try save("progressive.jpg", try JPEGCodec.encode(pixels: chelsea.rgb, width: w, height: h, components: 3, quality: 95, progressive: true))
        let inverse = [1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 6: 8, 7: 7, 8: 6]
        for o in 1...8 {
            let stored = Orientation.apply(inverse[o]!, to: chelsea)
            let jpeg = try JPEGCodec.encode(stored, quality: 100)
            try save("exif-\(o).jpg", RawJPEG.withOrientation(jpeg, UInt16(o)))
        }
        // Alpha and palette kinds, a 1×1 image.
        try save("palette.png", RawPNG.make(width: 4, height: 2, colorType: .palette, bitDepth: 8, rows: [[0, 1, 0, 1], [1, 0, 1, 0]],
                                            palette: [250, 10, 10, 10, 250, 10], transparency: [255, 0]))
        try save("grey16.png", RawPNG.make(width: 3, height: 2, colorType: .gray, bitDepth: 16, rows: [[0, 0, 128, 128, 255, 255], [1, 1, 2, 2, 3, 3]]))
        try save("grey-alpha.png", RawPNG.make(width: 2, height: 2, colorType: .grayAlpha, bitDepth: 8, rows: [[9, 255, 200, 0], [50, 128, 70, 255]]))
        try save("rgba.png", try PNGCodec.encode(pixels: (0..<5 * 4 * 4).map { UInt8($0 * 3 % 256) }, width: 5, height: 4, channels: 4))
        try save("one.png", RawPNG.make(width: 1, height: 1, colorType: .rgb, bitDepth: 8, rows: [[1, 2, 3]]))

        let r = try cli.run([dir.path, "-o", out.path, "--quiet"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let sizes: [String: (Int, Int)] = [
            "plain": (w, h), "sixteen": (w, h), "cmyk": (w, h), "rgb": (w, h), "progressive": (w, h),
            "palette": (4, 2), "grey16": (3, 2), "grey-alpha": (2, 2), "rgba": (5, 4), "one": (1, 1),
        ].merging((1...8).map { ("exif-\($0)", (w, h)) }) { a, _ in a }
        for (name, size) in sizes {
            let data = try Data(contentsOf: out.appendingPathComponent("\(name).png"))
            let decoded = try ImageFile.decode(data, path: name)
            XCTAssertEqual(decoded.width, size.0, name)
            XCTAssertEqual(decoded.height, size.1, name)
            XCTAssertNotNil(decoded.alpha, "\(name) is RGBA")
        }
        // An input's own alpha survives: palette index 1 is fully transparent.
        let palette = try ImageFile.decode(try Data(contentsOf: out.appendingPathComponent("palette.png")), path: "p")
        XCTAssertEqual(palette.alpha![1], 0)

        // Twins' masks agree within a few levels.
        let masks = try temp()
        XCTAssertEqual(try cli.run([dir.path, "-o", masks.path, "--mask-only", "--quiet"]).status, 0)
        func mask(_ n: String) throws -> GrayImage { try PNGCodec.readGray(path: masks.appendingPathComponent("\(n).png").path) }
        let plain = try mask("plain")
        XCTAssertEqual(try mask("sixteen"), plain, "16-bit twin")
        // A lossy twin differs from the original by JPEG's rounding, and the network's edges move with it;
        // the bound is the difference JPEG alone makes (RGB JPEG at quality 100 against the PNG), doubled.
        let rgbJPEG = try mask("rgb")
        let floor = levels(rgbJPEG, plain)
        let meanBound = max(1.5, 2 * floor.mean), tailBound = max(12, 2 * floor.p995)
        let cmykTwin = levels(try mask("cmyk"), plain)
        XCTAssertLessThanOrEqual(cmykTwin.mean, meanBound, "CMYK twin (JPEG alone: \(floor))")
        XCTAssertLessThanOrEqual(cmykTwin.p995, tailBound, "CMYK twin (JPEG alone: \(floor))")
        for o in 1...8 {
            let turned = levels(try mask("exif-\(o)"), rgbJPEG)
            XCTAssertLessThanOrEqual(turned.mean, meanBound, "orientation \(o) (JPEG alone: \(floor))")
            XCTAssertLessThanOrEqual(turned.p995, tailBound, "orientation \(o) (JPEG alone: \(floor))")
        }
    }

    func testFlatteningOntoAColourAndJPEGOutput() throws {
        let out = try temp()
        let target = out.appendingPathComponent("cat.jpg").path
        let r = try cli.run([Self.photos.appendingPathComponent("chelsea.png").path, "-o", target, "--bg", "white", "--quality", "90"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let image = try ImageFile.load(path: target)
        XCTAssertEqual(image.width, 451)
        XCTAssertNil(image.alpha)
        let noJPEG = try cli.run([Self.photos.appendingPathComponent("chelsea.png").path, "-o", out.appendingPathComponent("x.jpg").path])
        XCTAssertEqual(noJPEG.status, 2)
        XCTAssertTrue(noJPEG.stderr.contains("JPEG has no transparency"), noJPEG.stderr)
        // The default output name sits beside the input.
        let copy = out.appendingPathComponent("kitty.png")
        try FileManager.default.copyItem(at: Self.photos.appendingPathComponent("chelsea.png"), to: copy)
        XCTAssertEqual(try cli.run(["remove", copy.path]).status, 0)
        XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent("kitty.out.png").path))
    }

    func testBackgroundImageAndStandardStreams() throws {
        let out = try temp()
        let photo = Self.photos.appendingPathComponent("chelsea.png").path
        let behind = out.appendingPathComponent("behind.png").path
        let r = try cli.run([photo, "-o", behind, "--bg-image", Self.photos.appendingPathComponent("coffee.png").path])
        XCTAssertEqual(r.status, 0, r.stderr)
        let flat = try ImageFile.load(path: behind)
        XCTAssertEqual(flat.width, 451)
        XCTAssertNil(flat.alpha, "flattened onto the other photo")

        // stdin → stdout: the bytes that come out are the same JPEG a file output gets.
        let p = Process()
        p.executableURL = CLI.binary
        p.arguments = ["-", "-o", "-", "--bg", "white", "--format", "jpg"]
        p.standardInput = try FileHandle(forReadingFrom: URL(fileURLWithPath: photo))
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = FileHandle.nullDevice
        try p.run()
        let bytes = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0)
        let image = try ImageFile.decode(bytes, path: "<stdout>")
        XCTAssertEqual(image.width, 451)
        XCTAssertEqual(image.height, 300)
    }

    func testBadInputsFailCleanly() throws {
        let dir = try temp()
        func file(_ name: String, _ data: Data) throws -> String {
            let url = dir.appendingPathComponent(name); try data.write(to: url); return url.path
        }
        let good = try JPEGCodec.encode(Image(width: 64, height: 48, color: (90, 120, 30)), quality: 90)
        let png = RawPNG.make(width: 2, height: 2, colorType: .rgb, bitDepth: 8, rows: [[1, 2, 3, 4, 5, 6], [7, 8, 9, 10, 11, 12]])
        let empty = try file("empty.jpg", Data())
        let truncated = try file("truncated.jpg", good.prefix(good.count / 2))
        let text = try file("text.png", Data("not an image".utf8))
        let badCRC = try file("badcrc.png", RawPNG.corruptingCRC(png))
        let huge = try file("huge.png", RawPNG.headerOnly(width: 60000, height: 60000))
        let noImages = dir.appendingPathComponent("nothing-here")
        try FileManager.default.createDirectory(at: noImages, withIntermediateDirectories: true)
        let photo = Self.photos.appendingPathComponent("chelsea.png").path
        let cases: [([String], String)] = [
            ([empty], "empty"), ([truncated], "Premature end"), ([text], "not a PNG, JPEG, WebP"), ([badCRC], "CRC"),
            ([huge], "above the limit"), ([noImages.path, "-o", dir.path + "/out"], "no PNG, JPEG, WebP, HEIC, AVIF or TIFF images"),
            ([photo, "-o", "/proc/no-such-dir/x.png"], "cannot write"), ([photo, "--model", "nowhere"], "model 'nowhere' not found"),
        ]
        for (args, message) in cases {
            let t0 = Date()
            let r = try cli.run(args + (args.contains("-o") ? [] : ["-o", dir.path + "/result.png"]))
            XCTAssertNotEqual(r.status, 0, "\(args)")
            let lines = r.stderr.split(separator: "\n")
            XCTAssertEqual(lines.count, 1, "\(args): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains(message), "\(args): \(r.stderr)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: dir.path + "/result.png"), "\(args)")
            XCTAssertLessThan(Date().timeIntervalSince(t0), 20, "\(args)")
        }
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".tmp") }
        XCTAssertEqual(leftovers, [])
    }

    func testABatchWithBadFilesFinishesTheGoodOnesAndSaysWhatFailed() throws {
        let dir = try temp(), out = try temp()
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("sub"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: Self.photos.appendingPathComponent("coffee.png"), to: dir.appendingPathComponent("a.png"))
        try FileManager.default.copyItem(at: Self.photos.appendingPathComponent("rocket.jpg"), to: dir.appendingPathComponent("sub/b.jpg"))
        try Data("junk".utf8).write(to: dir.appendingPathComponent("c.png"))
        try Data().write(to: dir.appendingPathComponent("sub/d.jpg"))
        let r = try cli.run([dir.path, "-o", out.path])
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent("a.png").path))
        XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent("sub/b.png").path), "subfolders mirrored")
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.appendingPathComponent("c.png").path))
        XCTAssertTrue(r.stderr.contains("2 of 4 done, 2 failed: c.png, d.jpg"), r.stderr)
        // --skip-existing leaves finished outputs alone; --json reports each image.
        let again = try cli.run([dir.appendingPathComponent("a.png").path, dir.appendingPathComponent("sub/b.jpg").path,
                                 "-o", out.path, "--skip-existing", "--json"])
        XCTAssertEqual(again.status, 0, again.stderr)
        let json = try cli.run([dir.appendingPathComponent("a.png").path, "-o", out.appendingPathComponent("j.png").path, "--json"])
        let line = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as! [String: Any]
        XCTAssertEqual(line["width"] as? Int, 600)
        XCTAssertNotNil((line["ms"] as? [String: Any])?["infer"])
    }

    func testLargePhotoStaysWithinMemory() throws {
        // 45 megapixels: 8208 × 5472.
        let dir = try temp()
        let (w, h) = (8208, 5472)
        var rgb = [UInt8](repeating: 0, count: w * h * 3)
        for y in 0..<h { for x in 0..<w {
            let inside = (x - w / 2) * (x - w / 2) + (y - h / 2) * (y - h / 2) < (h / 3) * (h / 3)
            let i = 3 * (y * w + x)
            rgb[i] = inside ? 200 : UInt8(x % 256); rgb[i + 1] = inside ? 60 : UInt8(y % 256); rgb[i + 2] = inside ? 40 : 128
        } }
        let input = dir.appendingPathComponent("big.jpg")
        try JPEGCodec.encode(Image(width: w, height: h, rgb: rgb), quality: 85).write(to: input)
        rgb = []
        let r = try cli.run([input.path, "-o", dir.appendingPathComponent("big.png").path])
        XCTAssertEqual(r.status, 0, r.stderr)
        var usage = rusage()
        getrusage(RUSAGE_CHILDREN.rawValue, &usage)
        XCTAssertLessThan(usage.ru_maxrss, 2_500_000, "peak RSS \(usage.ru_maxrss) kB")
        let header = try Data(contentsOf: dir.appendingPathComponent("big.png")).prefix(26)
        XCTAssertEqual(Array(header[16..<24]), [0, 0, 0x20, 0x10, 0, 0, 0x15, 0x60], "8208 × 5472")
        XCTAssertEqual(header[25], 6, "RGBA")
    }
}
