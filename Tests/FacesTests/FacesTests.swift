import Faces
import Foundation
import Imaging
import TestSupport
import XCTest

func requireFaceModels(file: StaticString = #filePath, line: UInt = #line) throws {
    try XCTSkipUnless(FileManager.default.fileExists(atPath: FixturePaths.packagePath("Weights/face_landmark.tflite").path),
                      "run Tools/fetch-weights.sh first", file: file, line: line)
}

final class FaceDetectionTests: XCTestCase {
    static let portraits = FixturePaths.packagePath("Tests/EndToEndTests/Fixtures/idphoto")
    static var detector: FaceDetector { try! FaceDetector(path: FixturePaths.packagePath("Weights/face_detection_short_range.tflite").path) }
    static var mesh: FaceMesh { try! FaceMesh(path: FixturePaths.packagePath("Weights/face_landmark.tflite").path) }

    func labels() throws -> [String: [String: [Double]]] {
        let data = try Data(contentsOf: Self.portraits.appendingPathComponent("labels.json"))
        return try JSONDecoder().decode([String: [String: [Double]]].self, from: data)
    }

    /// One face per portrait; the detector's eye keypoints and the mesh's eyes and chin within 5% of the labelled
    /// head height of the hand labels.
    func testPortraitsAgainstLabels() throws {
        try requireFaceModels()
        let detector = Self.detector, mesh = Self.mesh
        for (file, label) in try labels() {
            let image = try ImageFile.load(path: Self.portraits.appendingPathComponent(file).path)
            let faces = try detector.detect(image)
            XCTAssertEqual(faces.count, 1, file)
            let face = try XCTUnwrap(faces.first)
            XCTAssertGreaterThan(face.score, 0.75, file)
            let head = hypot(label["chin"]![0] - label["crown"]![0], label["chin"]![1] - label["crown"]![1])
            func near(_ p: PixelPoint, _ key: String, _ tolerance: Double, _ what: String) {
                let l = label[key]!
                let d = hypot(p.x - l[0], p.y - l[1])
                XCTAssertLessThanOrEqual(d, tolerance * head, "\(file) \(what) \(key): \(p) vs \(l), \(d / head * 100)% of the head")
            }
            near(face.keypoints[0], "rightEye", 0.08, "detector")
            near(face.keypoints[1], "leftEye", 0.08, "detector")
            let lm = try mesh.landmarks(in: image, detection: face)
            XCTAssertEqual(lm.points.count, 468)
            XCTAssertGreaterThan(lm.presence, 0.9, file)
            near(lm.rightEye, "rightEye", 0.05, "mesh")
            near(lm.leftEye, "leftEye", 0.05, "mesh")
            near(lm.chin, "chin", 0.05, "mesh")
        }
    }

    /// The mesh region follows a rolled head: rotating the photo by 20° turns the region with it, and the landmarks
    /// map back onto the same face points.
    func testRolledHeadRegion() throws {
        try requireFaceModels()
        let image = try ImageFile.load(path: Self.portraits.appendingPathComponent("astronaut.png").path)
        let angle = 20 * Double.pi / 180
        // Rotate about the centre: output → source.
        let c = PixelPoint(256, 256)
        let rot = Affine2D.similarity(scale: 1, rotation: angle, tx: 0, ty: 0)
        let shift = rot.apply(c)
        let forward = Affine2D(a: rot.a, b: rot.b, c: c.x - shift.x, d: rot.d, e: rot.e, f: c.y - shift.y)
        let rolled = Warp.rgb(image, toSource: forward.inverted, width: 512, height: 512, samples: 1).image
        let detector = Self.detector, mesh = Self.mesh
        let upright = try mesh.landmarks(in: image, detection: try XCTUnwrap(detector.detect(image).first))
        let face = try XCTUnwrap(detector.detect(rolled).first)
        let lm = try mesh.landmarks(in: rolled, detection: face)
        // The region's rotation comes from the detector's coarse eye keypoints (an eye distance of ~10 pixels at
        // 128×128): within 8°; the mesh's own eye line turns by the photo's 20° within 1.5°.
        XCTAssertEqual((lm.regionRotation - upright.regionRotation) * 180 / .pi, 20, accuracy: 8)
        func roll(_ l: FaceLandmarks) -> Double { atan2(l.leftEye.y - l.rightEye.y, l.leftEye.x - l.rightEye.x) * 180 / .pi }
        XCTAssertEqual(roll(lm) - roll(upright), 20, accuracy: 1.5)
        for (a, b) in [(lm.chin, upright.chin), (lm.rightEye, upright.rightEye), (lm.leftEye, upright.leftEye)] {
            XCTAssertLessThan(forward.inverted.apply(a).distance(to: b), 5, "\(a) vs \(b)")
        }
    }

    func testNoFaceInLandscapes() throws {
        try requireFaceModels()
        for file in ["coffee.png", "rocket.jpg"] {
            let image = try ImageFile.load(path: FixturePaths.photos.appendingPathComponent(file).path)
            let faces = try Self.detector.detect(image)
            XCTAssertTrue(faces.allSatisfy { $0.score < 0.6 }, "\(file): \(faces.map(\.score))")
        }
    }

    func testAnchors() throws {
        try requireFaceModels()
        // 16×16 positions × 2 anchors (stride 8) + 8×8 × 6 (three stride-16 layers): 896, as the model's outputs.
        let anchors = FaceDetector.anchorCenters(size: 128)
        XCTAssertEqual(anchors.count, 896)
        XCTAssertEqual(anchors[0], PixelPoint(1.0 / 32, 1.0 / 32))
        XCTAssertEqual(anchors[1], anchors[0])
        XCTAssertEqual(anchors[2], PixelPoint(3.0 / 32, 1.0 / 32))
        XCTAssertEqual(anchors[512], PixelPoint(1.0 / 16, 1.0 / 16))
        XCTAssertEqual(anchors[517], anchors[512])
        XCTAssertEqual(anchors[518], PixelPoint(3.0 / 16, 1.0 / 16))
        XCTAssertEqual(anchors[895], PixelPoint(15.0 / 16, 15.0 / 16))
    }
}

final class DocumentTests: XCTestCase {
    func testPresetsTable() {
        let ids = DocumentPreset.all.map(\.id)
        XCTAssertEqual(Set(ids).count, ids.count)
        for id in ["us-passport", "us-visa", "uk-passport", "schengen", "canada-passport", "china-visa", "india-passport",
                   "japan-passport", "australia-passport"] {
            XCTAssertNotNil(DocumentPreset.named(id), id)
        }
        let us = DocumentPreset.named("us-passport")!
        XCTAssertEqual([us.pixelWidth, us.pixelHeight, us.dpi], [600, 600, 300])
        XCTAssertEqual([us.headMinMM, us.headMaxMM, us.eyeMinMM, us.eyeMaxMM], [25, 35, 28, 35])
        let schengen = DocumentPreset.named("schengen")!
        XCTAssertEqual([schengen.pixelWidth, schengen.pixelHeight], [413, 531])
        XCTAssertEqual([schengen.headMinMM, schengen.headMaxMM], [32, 36])
        XCTAssertTrue(DocumentPreset.named("uk-passport")!.requiresUnalteredBackground)
        XCTAssertTrue(DocumentPreset.named("canada-passport")!.requiresUnalteredBackground)
        for d in DocumentPreset.all {
            XCTAssertEqual(Double(d.pixelWidth), d.widthMM / 25.4 * Double(d.dpi), accuracy: 1, d.id)
            XCTAssertEqual(Double(d.pixelHeight), d.heightMM / 25.4 * Double(d.dpi), accuracy: 1, d.id)
            XCTAssertLessThan(d.headMinMM, d.headMaxMM)
            XCTAssertLessThan(d.headMaxMM, d.heightMM)
            XCTAssertFalse(d.backgrounds.isEmpty)
            // Either an official page's URL, or a sentence saying the values were not verified against one.
            XCTAssertTrue(d.verified ? d.source.hasPrefix("http") : d.source.hasPrefix("not verified against the official page"), d.id)
        }
        let custom = DocumentPreset.custom(widthMM: 35, heightMM: 45, headMinMM: 30, headMaxMM: 34)
        XCTAssertEqual([custom.pixelWidth, custom.pixelHeight], [413, 531])
    }

    /// The print size at 300 dpi is brought into each document's digital pixel range, keeping the print size.
    func testDigitalFit() {
        let china = DocumentPreset.named("china-visa")!
        // 33 × 48 mm at 300 dpi is 390 × 567 px: taller than the 560 px the online form takes.
        XCTAssertEqual([china.pixelWidth, china.pixelHeight], [390, 567])
        XCTAssertFalse(china.digital!.accepts(width: 390, height: 567))
        let fitted = DigitalFit(china)
        XCTAssertTrue(fitted.rescaled)
        XCTAssertEqual(fitted.document.pixelHeight, 560)
        XCTAssertEqual(fitted.document.pixelWidth, 385)   // 390 × 560/567, rounded
        XCTAssertTrue(fitted.detail.contains("385×560"), fitted.detail)
        let uk = DigitalFit(DocumentPreset.named("uk-passport")!)
        XCTAssertTrue(uk.rescaled)
        XCTAssertEqual([uk.document.pixelWidth, uk.document.pixelHeight], [600, 771])   // 413 × 600/413, 531 × 600/413
        XCTAssertFalse(DigitalFit(DocumentPreset.named("us-passport")!).rescaled)
        XCTAssertFalse(DigitalFit(DocumentPreset.named("schengen")!).rescaled)   // no published digital range
        for d in DocumentPreset.all {
            let f = DigitalFit(d).document
            if let limits = d.digital { XCTAssertTrue(limits.accepts(width: f.pixelWidth, height: f.pixelHeight), d.id) }
            // The recorded DPI keeps the print size (within a pixel's worth of rounding).
            XCTAssertEqual(Double(f.pixelWidth) / Double(f.dpi) * 25.4, d.widthMM, accuracy: 25.4 / Double(f.dpi), d.id)
            XCTAssertEqual(Double(f.pixelHeight) / Double(f.dpi) * 25.4, d.heightMM, accuracy: 2 * 25.4 / Double(f.dpi), d.id)
        }
        // A range no uniform scale can satisfy: the maximum wins.
        let odd = DigitalLimits(minPixels: (100, 900), maxPixels: (200, 1000))
        XCTAssertEqual(odd.scale(width: 400, height: 400), 0.5, accuracy: 1e-12)
    }

    /// The skull-top estimate: the eye-to-chin distance above the eyes, raised to the mesh's forehead top, capped by
    /// the hair.
    func testSkullReach() {
        XCTAssertEqual(Crown.skullReach(eyeToChin: 100, eyeToForehead: 80, hairReach: 150), 100)
        XCTAssertEqual(Crown.skullReach(eyeToChin: 100, eyeToForehead: 120, hairReach: 150), 120)
        XCTAssertEqual(Crown.skullReach(eyeToChin: 100, eyeToForehead: 80, hairReach: 90), 90)
    }

    func testSheets() {
        let us = Image(width: 600, height: 600, color: (200, 10, 10))
        let (sheet, copies) = PrintSheet.tile(us, widthMM: 101.6, heightMM: 152.4, dpi: 300)
        XCTAssertEqual([sheet.width, sheet.height, copies], [1200, 1800, 6])
        let schengen = Image(width: 413, height: 531, color: (200, 10, 10))
        XCTAssertEqual(PrintSheet.tile(schengen, widthMM: 101.6, heightMM: 152.4, dpi: 300).copies, 6)
        XCTAssertEqual(PrintSheet.tile(us, widthMM: 210, heightMM: 297, dpi: 300).copies, 20)
        XCTAssertEqual(PrintSheet.tile(us, widthMM: 100, heightMM: 150, dpi: 300).copies, 2)
        // Every copy is on the sheet: count red pixels.
        let red = stride(from: 0, to: sheet.rgb.count, by: 3).filter { sheet.rgb[$0] == 200 && sheet.rgb[$0 + 1] == 10 }.count
        XCTAssertGreaterThan(red, 6 * 600 * 600 - 6 * 4 * 2 * 20)
    }

    func testAffine() {
        let t = Affine2D.similarity(scale: 2, rotation: 0.3, tx: 5, ty: -7)
        let p = PixelPoint(12, -3)
        let q = t.inverted.apply(t.apply(p))
        XCTAssertEqual(q.x, p.x, accuracy: 1e-9)
        XCTAssertEqual(q.y, p.y, accuracy: 1e-9)
        XCTAssertEqual(t.scale, 2, accuracy: 1e-12)
        let u = Affine2D(a: 1, b: 0, c: 3, d: 0, e: 1, f: 4).after(t)
        XCTAssertEqual(u.apply(p).x, t.apply(p).x + 3, accuracy: 1e-12)
        XCTAssertEqual(u.apply(p).y, t.apply(p).y + 4, accuracy: 1e-12)
    }
}
