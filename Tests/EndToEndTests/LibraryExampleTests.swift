import Foundation
import U2Net
import XCTest

/// The README's library example, compiled and run.
final class LibraryExampleTests: XCTestCase {
    func testReadmeExample() async throws {
        try CLI().requireModel()
        let photoPath = RemoveCommandTests.photos.appendingPathComponent("astronaut.png").path
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("portrait-\(UUID()).png")
        defer { try? FileManager.default.removeItem(at: output) }
        _ = FileManager.default.changeCurrentDirectoryPath(CLI.packageRoot.path)

        // README: "Library"
        let remover = try BackgroundRemover(model: "u2netp")
        let photo = try ImageFile.load(path: photoPath)
        let result = try await remover.remove(photo)
        try PNGCodec.encode(result.cutout).write(to: output)

        var refinement = Refinement()
        refinement.method = .closedForm
        refinement.decontaminate = true
        let refined = try await remover.remove(photo, refinement: refinement)
        let white = Image(width: photo.width, height: photo.height, color: (255, 255, 255))
        let idPhoto = Composite.over(photo, mask: refined.mask, background: white, foreground: refined.foreground)
        let jpeg = FileManager.default.temporaryDirectory.appendingPathComponent("id-photo-\(UUID()).jpg")
        defer { try? FileManager.default.removeItem(at: jpeg) }
        try JPEGCodec.encode(idPhoto, quality: 92).write(to: jpeg)
        XCTAssertEqual(try ImageFile.load(path: jpeg.path).width, 512)
        XCTAssertNotNil(refined.foreground)
        XCTAssertNotNil(refined.timings["closed_form"])
        XCTAssertNotEqual(refined.mask, result.mask, "the refinement changed the matte")

        XCTAssertEqual(result.mask.width, 512)
        XCTAssertEqual(result.cutout.pixels.count, 512 * 512 * 4)
        let rembg = try PNGCodec.readGray(path: RemoveCommandTests.rembgMasks.appendingPathComponent("astronaut.png").path)
        let meanDiff = zip(result.mask.pixels, rembg.pixels).map { abs(Double($0) - Double($1)) }.reduce(0, +) / Double(rembg.pixels.count)
        XCTAssertLessThan(meanDiff, 0.75)
    }

    func testReadmePipelineExample() throws {
        try CLI().requireModel()
        _ = FileManager.default.changeCurrentDirectoryPath(CLI.packageRoot.path)
        let photo = try ImageFile.load(path: RemoveCommandTests.photos.appendingPathComponent("astronaut.png").path)
        let maskFromElsewhere = try ImageFile.load(path: RemoveCommandTests.rembgMasks.appendingPathComponent("astronaut.png").path)
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("id-photo-\(UUID()).jpg")
        defer { try? FileManager.default.removeItem(at: output) }

        // README: "Library", the pipeline
        let pipeline = try CutoutPipeline(model: "u2netp")
        var options = CutoutOptions()
        options.refinement.method = .guided
        options.composition = .flatten(onto: Background(color: "off-white")!)
        options.format = .jpeg
        let cutout = try pipeline.run(photo, options: options)
        try cutout.encoded!.write(to: output)
        print(cutout.timings.milliseconds)
        let mine = try CutoutPipeline.complete(photo, mask: maskFromElsewhere, options: options)

        XCTAssertEqual(try ImageFile.load(path: output.path).width, 512)
        XCTAssertNotNil(cutout.timings[.guided])
        XCTAssertNotNil(mine.encoded)
        XCTAssertNil(mine.timings[.infer])
    }
}
