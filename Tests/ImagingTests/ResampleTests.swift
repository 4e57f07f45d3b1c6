import Foundation
import Imaging
import XCTest

/// Pillow-exact Lanczos resampling, against Pillow's own resizes of the test photos.
final class ResampleTests: XCTestCase {
    func testLanczosIsExactlyPillows() throws {
        for (name, file, w, h) in [("chelsea.png", "chelsea-320x320.png", 320, 320), ("coffee.png", "coffee-97x211.png", 97, 211),
                                   ("rocket.jpg", "rocket-320x320.png", 320, 320)] {
            let src = try ImagingFixtures.photo(name)
            let ours = Resample.lanczos(src.rgb, width: src.width, height: src.height, channels: 3, outWidth: w, outHeight: h)
            XCTAssertEqual(ours, try ImagingFixtures.pillow(file).rgb, name)
        }
        let camera = try ImagingFixtures.photo("camera.png")
        let grey = ImagingFixtures.channel0(camera)
        XCTAssertEqual(Resample.lanczos(grey, width: 512, height: 512, channels: 1, outWidth: 333, outHeight: 45),
                       ImagingFixtures.channel0(try ImagingFixtures.pillow("camera-333x45.png")))
        let small = Resample.lanczos(grey, width: 512, height: 512, channels: 1, outWidth: 40, outHeight: 30)
        XCTAssertEqual(small, ImagingFixtures.channel0(try ImagingFixtures.pillow("camera-40x30.png")))
        XCTAssertEqual(Resample.lanczos(small, width: 40, height: 30, channels: 1, outWidth: 451, outHeight: 300),
                       ImagingFixtures.channel0(try ImagingFixtures.pillow("camera-40x30-to-451x300.png")), "upscaling")
    }
}
