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

        XCTAssertEqual(result.mask.width, 512)
        XCTAssertEqual(result.cutout.pixels.count, 512 * 512 * 4)
        let rembg = try PNGCodec.readGray(path: RemoveCommandTests.rembgMasks.appendingPathComponent("astronaut.png").path)
        let meanDiff = zip(result.mask.pixels, rembg.pixels).map { abs(Double($0) - Double($1)) }.reduce(0, +) / Double(rembg.pixels.count)
        XCTAssertLessThan(meanDiff, 0.75)
    }
}
