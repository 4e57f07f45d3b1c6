import Foundation
import U2Net
import XCTest

/// The photo pipeline of the library: compositions, encodings, timings, the split steps, and agreement with
/// what `u2net-run` writes.
final class CutoutPipelineTests: XCTestCase {
    static let shared = Result { try CutoutPipeline(model: CLI.model) }
    var pipeline: CutoutPipeline { get throws { try Self.shared.get() } }
    let photoPath = RemoveCommandTests.photos.appendingPathComponent("chelsea.png").path

    override func setUpWithError() throws { try CLI().requireModel() }

    func photo() throws -> Image { try ImageFile.load(path: photoPath) }

    func temp() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pipeline-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        return dir
    }

    func testMaskOnlyIsTheMatteAsAGreyPNG() throws {
        let photo = try photo()
        let result = try pipeline.run(photo, options: CutoutOptions(composition: .mask))
        XCTAssertEqual(result.composed, .mask(result.mask))
        XCTAssertEqual(result.mask.width, photo.width)
        XCTAssertEqual(result.mask.height, photo.height)
        XCTAssertNil(result.cutout)
        let png = try XCTUnwrap(result.encoded)
        XCTAssertEqual(png[25], 0, "PNG colour type 0: grey")
        XCTAssertEqual(Grayscale.luminance(try ImageFile.decode(png, path: "mask")), result.mask)
        XCTAssertEqual(try BackgroundRemover(model: CLI.model).mask(for: photo), result.mask, "the remover runs the pipeline")
    }

    func testFlattenOnAColour() throws {
        let photo = try photo()
        let white = try XCTUnwrap(Background(color: "white"))
        XCTAssertEqual(white, .color(red: 255, green: 255, blue: 255))
        XCTAssertEqual(Background(color: "#0A0b0C"), .color(red: 10, green: 11, blue: 12))
        XCTAssertNil(Background(color: "mauve"))
        let result = try pipeline.run(photo, options: CutoutOptions(composition: .flatten(onto: white), format: nil))
        XCTAssertNil(result.encoded, "no format, no encoding")
        XCTAssertNil(result.timings[.encode])
        guard case let .flattened(flat) = result.composed else { return XCTFail("\(result.composed)") }
        XCTAssertEqual(flat.width, photo.width)
        XCTAssertNil(flat.alpha)
        var clear = 0, solid = 0
        for (i, a) in result.mask.pixels.enumerated() {
            let pixel = Array(flat.rgb[3 * i..<3 * i + 3]), original = Array(photo.rgb[3 * i..<3 * i + 3])
            if a == 0 { XCTAssertEqual(pixel, [255, 255, 255], "pixel \(i)"); clear += 1 }
            if a >= 250 {
                // Within (255 − α) / 255 of the way to white.
                XCTAssertLessThanOrEqual(zip(pixel, original).map { abs(Int($0) - Int($1)) }.max()!, 5, "pixel \(i)")
                solid += 1
            }
        }
        XCTAssertGreaterThan(clear, 1000)
        XCTAssertGreaterThan(solid, 1000)
        XCTAssertEqual(flat, Composite.over(photo, mask: result.mask, background: Image(width: photo.width, height: photo.height, color: (255, 255, 255))))
    }

    func testFlattenOnAnImageScaledToCover() throws {
        let photo = try photo()
        let behind = try ImageFile.load(path: RemoveCommandTests.photos.appendingPathComponent("coffee.png").path)
        let result = try pipeline.run(photo, options: CutoutOptions(composition: .flatten(onto: .image(behind)), format: .jpeg))
        let jpeg = try ImageFile.decode(try XCTUnwrap(result.encoded), path: "flat.jpg")
        XCTAssertEqual(jpeg.width, photo.width)
        XCTAssertEqual(jpeg.height, photo.height)
        let covered = Composite.cover(behind, width: photo.width, height: photo.height)
        XCTAssertEqual(result.composed, .flattened(Composite.over(photo, mask: result.mask, background: covered)))
    }

    func testAJPEGMaskIsGreyRGB() throws {
        let result = try pipeline.run(try photo(), options: CutoutOptions(composition: .mask, format: .jpeg, jpegQuality: 95))
        let data = try XCTUnwrap(result.encoded)
        XCTAssertEqual(data, try JPEGCodec.encode(Image(gray: result.mask), quality: 95))
        let decoded = try ImageFile.decode(data, path: "mask.jpg")
        XCTAssertEqual(decoded.width, result.mask.width)
        var worst = 0
        for i in 0..<decoded.width * decoded.height {
            let r = decoded.rgb[3 * i], g = decoded.rgb[3 * i + 1], b = decoded.rgb[3 * i + 2]
            XCTAssertTrue(r == g && g == b, "pixel \(i): \(r) \(g) \(b)")
            worst = max(worst, abs(Int(r) - Int(result.mask.pixels[i])))
        }
        XCTAssertLessThan(worst, 40, "JPEG keeps the levels, give or take its rounding")
    }

    func testACutoutIsNotWrittenAsJPEG() throws {
        XCTAssertThrowsError(try pipeline.run(try photo(), options: CutoutOptions(format: .jpeg))) {
            XCTAssertEqual($0 as? CutoutError, .transparentJPEG)
        }
    }

    func testEveryStageIsTimed() throws {
        var refinement = Refinement()
        refinement.method = .closedForm
        refinement.decontaminate = true
        refinement.cleanup = true
        refinement.shrink = 1
        refinement.feather = 2
        let result = try pipeline.run(try photo(), options: CutoutOptions(refinement: refinement))
        let stages: [StageTimings.Stage] = [.prepare, .infer, .finish, .cleanup, .trimap, .guided, .closedForm, .shrink,
                                            .feather, .foreground, .composite, .encode]
        XCTAssertEqual(result.timings.stages.map(\.stage), stages, "in pipeline order")
        for stage in stages { XCTAssertGreaterThanOrEqual(try XCTUnwrap(result.timings[stage], "\(stage)"), 0) }
        XCTAssertGreaterThan(result.timings[.infer]!, 1)
        XCTAssertEqual(result.timings["closed_form"], result.timings[.closedForm])
        XCTAssertEqual(Set(result.timings.milliseconds.keys), Set(stages.map(\.rawValue)))
        XCTAssertNotNil(result.solver)
        XCTAssertNotNil(result.foreground)
    }

    func testTheThreeStepsGiveTheOneCallsResult() throws {
        let photo = try photo()
        var options = CutoutOptions()
        options.refinement.method = .guided
        let prepared = try pipeline.prepare(photo)
        XCTAssertEqual(prepared.input.shape, [1, 3, 320, 320])
        XCTAssertNotNil(prepared.timings[.prepare])
        let inferred = try pipeline.infer(prepared)
        XCTAssertEqual(inferred.output.shape, [1, 1, 320, 320])
        XCTAssertNotNil(inferred.timings[.infer])
        let stepped = try pipeline.complete(inferred, options: options)
        let whole = try pipeline.run(photo, options: options)
        XCTAssertEqual(stepped.encoded, whole.encoded)
        XCTAssertEqual(stepped.mask, whole.mask)
        XCTAssertEqual(stepped.composed, whole.composed)
    }

    func testAMatteMadeElsewhere() throws {
        let photo = try photo()
        let network = try pipeline.run(photo, options: CutoutOptions(composition: .mask, format: nil)).mask
        // The matte as a grey image and as an RGBA cutout give the same result; no model involved.
        let grey = try CutoutPipeline.complete(photo, mask: Image(gray: network), options: CutoutOptions())
        let cutout = try CutoutPipeline.complete(photo, mask: ImageFile.decode(try XCTUnwrap(grey.encoded), path: "cut"),
                                                 options: CutoutOptions(composition: .mask))
        XCTAssertEqual(grey.mask, network)
        XCTAssertEqual(cutout.mask, network)
        XCTAssertNotNil(grey.timings[.maskResize])
        XCTAssertNil(grey.timings[.infer])
    }

    func testTheCutoutIsWhatTheCommandWritesByteForByte() throws {
        let dir = try temp()
        let photo = try photo()
        let cases: [([String], CutoutOptions)] = [
            ([], CutoutOptions()),
            (["--bg", "off-white", "--quality", "90", "--format", "jpg"],
             CutoutOptions(composition: .flatten(onto: Background(color: "off-white")!), format: .jpeg, jpegQuality: 90)),
            (["--mask-only", "--refine", "guided", "--decontaminate"],
             { var o = CutoutOptions(composition: .mask); o.refinement.method = .guided; o.refinement.decontaminate = true; return o }()),
        ]
        for (k, (args, options)) in cases.enumerated() {
            let output = dir.appendingPathComponent("out-\(k)").path
            let r = try CLI().run([photoPath, "-o", output] + args)
            XCTAssertEqual(r.status, 0, r.stderr)
            let written = try Data(contentsOf: URL(fileURLWithPath: output))
            XCTAssertEqual(written, try pipeline.run(photo, options: options).encoded, "\(args)")
        }
    }
}
