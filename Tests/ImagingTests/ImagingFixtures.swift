import Foundation
import Imaging
import TestSupport

/// The test photos and Pillow's results on them, decoded, for Imaging's tests.
enum ImagingFixtures {
    /// A test photo from `Tests/MattingTests/Fixtures/photos`.
    static func photo(_ name: String) throws -> Image {
        try ImageFile.load(path: FixturePaths.photos.appendingPathComponent(name).path)
    }

    /// One of Pillow's resizes or decodes from `Tests/MattingTests/Fixtures/lanczos`.
    static func pillow(_ name: String) throws -> Image {
        try ImageFile.load(path: FixturePaths.pillowResults.appendingPathComponent(name).path)
    }

    /// The first channel of an RGB image (the grey plane of a grey photo).
    static func channel0(_ image: Image) -> [UInt8] { stride(from: 0, to: image.rgb.count, by: 3).map { image.rgb[$0] } }
}
