import Foundation
import TestSupport
import U2Net
import XCTest

/// Matte refinement through the command: `remove --refine …` on the test photos, and `refine` on masks made
/// elsewhere.
final class RefineCommandTests: XCTestCase {
    let cli = CLI()
    static var photos: URL { FixturePaths.photos }

    func temp() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("refine-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        return dir
    }

    /// Pixels farther than `distance` from every pixel where `mask` is above `level` (or, inverted, at or below it).
    func far(from mask: GrayImage, distance: Int, level: UInt8, inverted: Bool = false) -> [Bool] {
        let w = mask.width, h = mask.height
        // Chebyshev distance by separable dilation of the "near" set.
        var near = mask.pixels.map { inverted ? $0 <= level : $0 > level }
        for pass in 0..<2 {
            var out = near
            for y in 0..<h {
                for x in 0..<w where !near[y * w + x] {
                    for d in -distance...distance {
                        let (xx, yy) = pass == 0 ? (x + d, y) : (x, y + d)
                        if xx >= 0, xx < w, yy >= 0, yy < h, near[yy * w + xx] { out[y * w + x] = true; break }
                    }
                }
            }
            near = out
        }
        return near.map { !$0 }
    }

    func testClosedFormAndDecontaminationOnTheTestPhotos() throws {
        try cli.requireModel()
        let out = try temp()
        var r = try cli.run([Self.photos.path, "-o", out.appendingPathComponent("raw").path, "--mask-only", "--quiet"])
        XCTAssertEqual(r.status, 0, r.stderr)
        r = try cli.run([Self.photos.path, "-o", out.appendingPathComponent("refined").path, "--refine", "closed-form",
                         "--decontaminate", "--quiet", "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("\"closed_form\""), r.stdout)
        XCTAssertTrue(r.stdout.contains("\"foreground\""), r.stdout)
        for name in ["astronaut", "camera", "chelsea", "coffee", "rocket"] {
            let raw = try PNGCodec.readGray(path: out.appendingPathComponent("raw/\(name).png").path)
            let cut = try ImageFile.load(path: out.appendingPathComponent("refined/\(name).png").path)
            let photo = try ImageFile.load(path: Self.photos.appendingPathComponent(name + (name == "rocket" ? ".jpg" : ".png")).path)
            XCTAssertEqual(cut.width, photo.width, name)
            XCTAssertEqual(cut.height, photo.height, name)
            let alpha = try XCTUnwrap(cut.alpha, name)
            // Far outside the network's mask the cutout is clear; far inside it is opaque.
            let outside = far(from: raw, distance: 25, level: 10)
            let inside = far(from: raw, distance: 25, level: 245, inverted: true)
            for i in 0..<alpha.count {
                if outside[i] { XCTAssertEqual(alpha[i], 0, "\(name) pixel \(i) far outside"); if alpha[i] != 0 { break } }
                if inside[i] { XCTAssertEqual(alpha[i], 255, "\(name) pixel \(i) far inside"); if alpha[i] != 255 { break } }
            }
            XCTAssertGreaterThan(outside.filter { $0 }.count + inside.filter { $0 }.count, alpha.count / 5, name)
        }
    }

    func testFlatteningARefinedCutoutOntoWhiteJPEG() throws {
        try cli.requireModel()
        let out = try temp()
        let target = out.appendingPathComponent("astronaut.jpg").path
        let r = try cli.run([Self.photos.appendingPathComponent("astronaut.png").path, "--refine", "closed-form",
                             "--decontaminate", "--bg", "white", "-o", target])
        XCTAssertEqual(r.status, 0, r.stderr)
        let image = try ImageFile.load(path: target)
        XCTAssertEqual(image.width, 512)
        XCTAssertEqual(image.height, 512)
        XCTAssertNil(image.alpha)
    }

    /// A red, textured disc with a soft edge over pure green; the mask is the true alpha at a quarter size.
    func syntheticScene(_ dir: URL) throws -> (image: String, mask: String, alpha: [Double], width: Int, height: Int) {
        let w = 160, h = 120
        var rgb = [UInt8](repeating: 0, count: w * h * 3), alpha = [Double](repeating: 0, count: w * h)
        for y in 0..<h {
            for x in 0..<w {
                let d = (Double((x - 80) * (x - 80) + (y - 60) * (y - 60))).squareRoot()
                let a = max(0, min(1, (45 - d) / 8))
                alpha[y * w + x] = a
                let f = [200 + 40 * sin(Double(x) / 5), 60 + 30 * cos(Double(y) / 7), 50.0]
                let b = [0.0, 200, 0]
                for c in 0..<3 { rgb[(y * w + x) * 3 + c] = UInt8((a * f[c] + (1 - a) * b[c]).rounded()) }
            }
        }
        let image = dir.appendingPathComponent("disc.png").path
        try PNGCodec.encode(Image(width: w, height: h, rgb: rgb)).write(to: URL(fileURLWithPath: image))
        var small = [UInt8](repeating: 0, count: 40 * 30)
        for y in 0..<30 { for x in 0..<40 {
            var s = 0.0
            for dy in 0..<4 { for dx in 0..<4 { s += alpha[(4 * y + dy) * w + 4 * x + dx] } }
            small[y * 40 + x] = UInt8((s / 16 * 255).rounded())
        } }
        let mask = dir.appendingPathComponent("disc-mask.png").path
        try PNGCodec.encode(GrayImage(width: 40, height: 30, pixels: small)).write(to: URL(fileURLWithPath: mask))
        return (image, mask, alpha, w, h)
    }

    func testDecontaminatedEdgesMoveAwayFromTheOldBackground() throws {
        let dir = try temp()
        let scene = try syntheticScene(dir)
        let raw = dir.appendingPathComponent("raw.png").path, clean = dir.appendingPathComponent("clean.png").path
        XCTAssertEqual(try cli.run(["refine", scene.image, "--mask", scene.mask, "-o", raw]).status, 0)
        let r = try cli.run(["refine", scene.image, "--mask", scene.mask, "-o", clean, "--decontaminate", "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let a = try ImageFile.load(path: raw), b = try ImageFile.load(path: clean)
        XCTAssertEqual(a.width, 160)
        XCTAssertEqual(a.alpha, b.alpha, "decontamination changes colours only")
        func greenDistance(_ img: Image, _ i: Int) -> Double {
            let d = [Double(img.rgb[3 * i]), Double(img.rgb[3 * i + 1]) - 200, Double(img.rgb[3 * i + 2])]
            return (d[0] * d[0] + d[1] * d[1] + d[2] * d[2]).squareRoot()
        }
        var edges = 0, gained = 0.0
        for i in 0..<160 * 120 {
            let alpha = a.alpha![i]
            guard alpha >= 13, alpha <= 242 else { continue }
            edges += 1
            XCTAssertGreaterThanOrEqual(greenDistance(b, i), greenDistance(a, i) - 1, "pixel \(i)")
            gained += greenDistance(b, i) - greenDistance(a, i)
        }
        XCTAssertGreaterThan(edges, 300)
        XCTAssertGreaterThan(gained / Double(edges), 40, "edges lose the green on average")
    }

    func testGuidedAndClosedFormBringTheMaskCloserToTheTruth() throws {
        let dir = try temp()
        let scene = try syntheticScene(dir)
        func error(_ path: String) throws -> Double {
            let m = try PNGCodec.readGray(path: path)
            return zip(m.pixels, scene.alpha).reduce(0) { $0 + pow(Double($1.0) / 255 - $1.1, 2) }
        }
        var errors: [String: Double] = [:]
        for method in ["none", "guided", "closed-form"] {
            let out = dir.appendingPathComponent("\(method).png").path
            let r = try cli.run(["refine", scene.image, "--mask", scene.mask, "-o", out, "--mask-only", "--refine", method])
            XCTAssertEqual(r.status, 0, r.stderr)
            errors[method] = try error(out)
        }
        XCTAssertLessThan(errors["guided"]!, errors["none"]! * 0.8, "\(errors)")
        XCTAssertLessThan(errors["closed-form"]!, errors["none"]! * 0.8, "\(errors)")
    }

    /// MODNet's preset through the whole pipeline, with the width-reduced random-weight MODNet graph of the
    /// engine's tests (its matte means nothing; sizes and plumbing are what is checked).
    func testMODNetPresetEndToEnd() throws {
        let dir = try temp()
        let model = dir.appendingPathComponent("modnet.onnx")
        try FileManager.default.copyItem(at: FixturePaths.runtimeFixtures.appendingPathComponent("modnet/model.onnx"), to: model)
        for name in ["chelsea.png", "astronaut.png"] {
            let out = dir.appendingPathComponent("\(name).out.png").path
            let r = try cli.run([Self.photos.appendingPathComponent(name).path, "--model", model.path, "-o", out, "--json"])
            XCTAssertEqual(r.status, 0, r.stderr)
            let photo = try ImageFile.load(path: Self.photos.appendingPathComponent(name).path)
            let cut = try ImageFile.load(path: out)
            XCTAssertEqual(cut.width, photo.width)
            XCTAssertEqual(cut.height, photo.height)
            XCTAssertNotNil(cut.alpha)
        }
        // `--model modnet` finds modnet.onnx in $U2NET_HOME; refinement composes with it.
        let out = dir.appendingPathComponent("refined.png").path
        let r = try cli.run([Self.photos.appendingPathComponent("chelsea.png").path, "--model", "modnet", "-o", out,
                             "--refine", "guided", "--decontaminate", "--mask-only"], environment: ["U2NET_HOME": dir.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        let mask = try PNGCodec.readGray(path: out)
        XCTAssertEqual(mask.width, 451)
        XCTAssertEqual(mask.height, 300)
    }

    func testRefineRefusesBadInputs() throws {
        let dir = try temp()
        let scene = try syntheticScene(dir)
        let out = dir.appendingPathComponent("x.png").path
        var r = try cli.run(["refine", scene.image, "--mask", dir.appendingPathComponent("missing.png").path, "-o", out])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("no such file"), r.stderr)
        XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
        r = try cli.run(["refine", scene.image, "--mask", scene.mask, "-o", out, "--refine", "magic"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("'magic' is invalid for '--refine"), r.stderr)
        XCTAssertTrue(r.stderr.contains("'none', 'guided' or 'closed-form'"), r.stderr)
        r = try cli.run(["refine", scene.image, "--mask", scene.mask, "-o", dir.appendingPathComponent("x.jpg").path])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
    }
}
