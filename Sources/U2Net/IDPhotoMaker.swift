import Faces
import Foundation
import Imaging
import Matting
import NNTensor

/// Why an ID photo could not be made.
public enum IDPhotoError: Error, CustomStringConvertible, Equatable {
    /// No face in the photo.
    case noFace
    /// More than one face: an ID photo shows one person.
    case severalFaces(Int)
    /// A face model file is missing.
    case modelNotFound(String, searched: [String])
    /// An unknown document id.
    case unknownDocument(String)

    public var description: String {
        switch self {
        case .noFace: return "no face found in the photo: an ID photo needs one face, seen from the front"
        case .severalFaces(let n): return "\(n) faces found in the photo: an ID photo shows exactly one person"
        case .modelNotFound(let name, let searched):
            return "face model \(name) not found (searched \(searched.joined(separator: ", "))); run Tools/fetch-weights.sh"
        case .unknownDocument(let id):
            return "unknown document \(id); known: \(DocumentPreset.all.map(\.id).joined(separator: ", "))"
        }
    }
}

/// An ID photo and its compliance report.
public struct IDPhotoResult: Sendable {
    /// The photo at the document's exact pixel size (after fitting to its digital pixel range, see `document`).
    public var image: Image
    /// The document's rules used, with `pixelWidth`, `pixelHeight` and `dpi` as written (fitted to the digital
    /// pixel range unless that was turned off).
    public var document: DocumentPreset
    /// Photo pixels (upright, EXIF applied) → output pixels.
    public var transform: Affine2D
    /// The frame's measurements.
    public var frame: IDPhotoFrame
    /// Landmarks in the photo's pixels.
    public var crown: PixelPoint, chin: PixelPoint, leftEye: PixelPoint, rightEye: PixelPoint
    /// The checks, in report order; `encode` adds the file-size check.
    public var checks: [IDPhotoCheck]
    /// Whether every check passed.
    public var compliant: Bool { checks.allSatisfy(\.ok) }
    /// Per-stage milliseconds.
    public var milliseconds: [String: Double]
    /// The JPEG quality (1–100) the last `encode` used; nil before encoding or for PNG.
    public var jpegQuality: Int?

    /// The lowest JPEG quality `encode` steps down to for a file-size cap.
    public static let minimumJPEGQuality = 10

    /// Encodes as JPEG or PNG with the document's DPI recorded, and appends the "file size" check when the document
    /// limits the file's bytes.
    ///
    /// A JPEG larger than the cap is re-encoded at the highest quality in `minimumJPEGQuality..<quality` whose file
    /// fits, found by binary search over the quality (file size grows with quality; every accepted file is measured,
    /// so the result is within the cap whenever any quality in the range is). A JPEG smaller than the document's
    /// floor is re-encoded at the lowest quality above `quality` that reaches it.
    public mutating func encode(as format: ImageFormat, quality: Int = 92) throws -> Data {
        let limits = document.digital
        let image = self.image, dpi = document.dpi
        func encoded(_ q: Int) throws -> Data {
            let raw = format == .jpeg ? try JPEGCodec.encode(image, quality: q) : try PNGCodec.encode(image)
            return PixelDensity.setting(raw, dpi: dpi)
        }
        var q = max(1, min(100, quality))
        var data = try encoded(q)
        if format == .jpeg, let cap = limits?.maxBytes, data.count > cap {
            var lo = Self.minimumJPEGQuality, hi = q - 1
            var best: (q: Int, data: Data)?
            while lo <= hi {
                let mid = (lo + hi) / 2
                let d = try encoded(mid)
                if d.count <= cap { best = (mid, d); lo = mid + 1 } else { hi = mid - 1 }
            }
            if let best { q = best.q; data = best.data } else if q > Self.minimumJPEGQuality { q = Self.minimumJPEGQuality; data = try encoded(q) }
        } else if format == .jpeg, let floor = limits?.minBytes, data.count < floor, q < 100 {
            var lo = q + 1, hi = 100
            var best: (q: Int, data: Data)?
            while lo <= hi {
                let mid = (lo + hi) / 2
                let d = try encoded(mid)
                if d.count >= floor { best = (mid, d); hi = mid - 1 } else { lo = mid + 1 }
            }
            if let best, best.data.count <= (limits?.maxBytes ?? .max) { q = best.q; data = best.data }
        }
        jpegQuality = format == .jpeg ? q : nil
        checks.removeAll { $0.name == "file size" || $0.name == "file format" }
        if let limits, limits.minBytes != nil || limits.maxBytes != nil {
            let ok = data.count <= (limits.maxBytes ?? .max) && data.count >= (limits.minBytes ?? 0)
            let range = [limits.minBytes.map { "at least \($0) bytes" }, limits.maxBytes.map { "at most \($0) bytes" }]
                .compactMap { $0 }.joined(separator: ", ")
            checks.append(IDPhotoCheck("file size", ok, "\(data.count) bytes (\(range))"
                                       + (format == .jpeg ? ", JPEG quality \(q)" + (q < quality ? " (stepped down from \(quality))" : q > quality ? " (raised from \(quality))" : "") : "")))
        }
        if let limits, let wanted = ImageFormat(fileExtension: limits.format), wanted != format {
            checks.append(IDPhotoCheck("file format", false, "written as \(format.fileExtension); \(document.name) takes \(limits.format)"))
        }
        return data
    }
}

/// Makes passport and visa photos: finds the one face (MediaPipe's face detector and face mesh, run by our engine),
/// the crown from the subject's matte (U²-Net-p), frames the head as the document requires, replaces the background
/// with an allowed colour (guided refinement + decontamination, so no grey halo on white), and checks the result.
///
/// ```swift
/// let maker = try IDPhotoMaker()
/// let photo = try ImageFile.load(path: "portrait.jpg")
/// var result = try maker.make(photo, document: DocumentPreset.named("us-passport")!)
/// let jpeg = try result.encode(as: .jpeg)          // 600×600, 300 dpi, ≤ 240 000 bytes
/// print(result.compliant, result.checks.map(\.name))
/// ```
public final class IDPhotoMaker: @unchecked Sendable {
    /// The background-removal pipeline that makes the matte (and the crown from it).
    public let pipeline: CutoutPipeline
    /// The face detector (BlazeFace short-range) that finds the face.
    public let detector: FaceDetector
    /// The face mesh (468 landmarks) that places the chin and the eyes.
    public let mesh: FaceMesh

    /// Loads u2netp and the two face models (from the model folders ``ModelLocator`` searches).
    public init(model: String = "u2netp", threads: Int? = nil) throws {
        let t = max(1, threads ?? ProcessInfo.processInfo.activeProcessorCount)
        pipeline = try CutoutPipeline(model: model, threads: t)
        detector = try FaceDetector(path: try Self.locate("face_detection_short_range.tflite"), threads: t)
        // ID photos are close, frontal and sharp: a stricter bar than MediaPipe's 0.5 keeps out look-alikes (a
        // cat scores 0.52) without losing real faces (the test portraits score 0.78–0.95).
        detector.minScore = 0.6
        mesh = try FaceMesh(path: try Self.locate("face_landmark.tflite"), threads: t)
    }

    static func locate(_ file: String) throws -> String {
        let folders = ModelLocator.searchFolders()
        for f in folders where FileManager.default.fileExists(atPath: f + "/" + file) { return f + "/" + file }
        throw IDPhotoError.modelNotFound(file, searched: folders)
    }

    /// The faces in a photo with their landmarks.
    public func faces(in image: Image) throws -> [(FaceDetection, FaceLandmarks)] {
        try detector.detect(image).map { ($0, try mesh.landmarks(in: image, detection: $0)) }
    }

    /// The ID photo for `document`.
    /// - Parameters:
    ///   - background: the background colour; nil takes the document's first allowed colour. Ignored when the
    ///     document requires an unaltered photo (the real background is kept, the photo only cropped).
    ///   - straighten: level a head rolled more than 2°.
    ///   - fitDigitalLimits: when the print size at the document's DPI lies outside its digital pixel range, scale
    ///     the frame uniformly into the range (the print size stays; the recorded DPI changes) and report it in the
    ///     "pixel size" check. Off, the print size at the preset's DPI is kept (for printing) and the check says
    ///     whether it would be accepted online.
    /// - Throws: ``IDPhotoError/noFace`` or ``IDPhotoError/severalFaces(_:)``; model errors.
    public func make(_ image: Image, document requested: DocumentPreset, background: (UInt8, UInt8, UInt8)? = nil,
                     straighten: Bool = true, fitDigitalLimits: Bool = true) throws -> IDPhotoResult {
        let fit = DigitalFit(requested)
        let document = fitDigitalLimits ? fit.document : requested
        let sizeCheck: IDPhotoCheck
        if fitDigitalLimits || requested.digital == nil {
            sizeCheck = IDPhotoCheck("pixel size", document.digital?.accepts(width: document.pixelWidth, height: document.pixelHeight) ?? true,
                                     fit.detail)
        } else {
            let ok = requested.digital!.accepts(width: requested.pixelWidth, height: requested.pixelHeight)
            sizeCheck = IDPhotoCheck("pixel size", ok, "\(requested.pixelWidth)×\(requested.pixelHeight) px at \(requested.dpi) dpi kept for print"
                                     + (ok ? ", inside the digital range" : "; outside the digital range" + DigitalFit.range(requested.digital!)))
        }
        var ms: [String: Double] = [:]
        func timed<T>(_ name: String, _ body: () throws -> T) rethrows -> T {
            let start = DispatchTime.now().uptimeNanoseconds
            defer { ms[name, default: 0] += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6 }
            return try body()
        }
        let detections = try timed("detect") { try detector.detect(image) }
        guard let detection = detections.first else { throw IDPhotoError.noFace }
        guard detections.count == 1 else { throw IDPhotoError.severalFaces(detections.count) }
        let landmarks = try timed("mesh") { try mesh.landmarks(in: image, detection: detection) }
        // The subject's matte at up to 800 pixels on the longer side: enough for the crown, and warped to the
        // document's size below.
        let mScale = min(1, 800 / Double(max(image.width, image.height)))
        let mw = max(1, Int((Double(image.width) * mScale).rounded())), mh = max(1, Int((Double(image.height) * mScale).rounded()))
        let output = try timed("matte") { try pipeline.network(pipeline.preset.prepare(image)) }
        let matte = timed("matte") { pipeline.preset.finish(output, width: mw, height: mh) }
        let crown = Crown.find(matte: matte, photoWidth: image.width, photoHeight: image.height, landmarks: landmarks)
        let frame = IDPhotoFrame.fit(landmarks: landmarks, crown: crown, document: document, straighten: straighten)
        let W = document.pixelWidth, H = document.pixelHeight
        let toPhoto = frame.transform.inverted
        let samples = Warp.samples(forScale: frame.scale)
        let (warped, inside) = timed("warp") {
            Warp.rgb(image, toSource: toPhoto, width: W, height: H, samples: samples)
        }
        let toMatte = Affine2D(a: Double(mw) / Double(image.width), b: 0, c: 0, d: 0, e: Double(mh) / Double(image.height), f: 0).after(toPhoto)
        let framedMatte = timed("warp") { Warp.gray(matte, toSource: toMatte, width: W, height: H, samples: max(1, samples / 2)) }
        let coverage = inside.reduce(0, +) / Float(inside.count)
        var checks = [IDPhotoCheck("one face", true, String(format: "one face (confidence %.2f)", detection.score))]
        checks.append(sizeCheck)
        checks += frame.checks(document: document, landmarks: landmarks, crown: crown)
        var final: Image
        if document.requiresUnalteredBackground {
            final = warped
            checks.append(IDPhotoCheck("background unaltered", true, "kept the photo's own background (\(document.name) forbids altered photos); cropped only"))
            checks.append(backgroundCheck(final, matte: framedMatte, target: nil))
        } else {
            let colour = background ?? document.backgrounds.first?.rgb ?? (255, 255, 255)
            var refinement = Refinement()
            refinement.method = .guided
            refinement.decontaminate = true
            // Outside the photo the matte is 0 already: the frame is filled with the background.
            let refined = timed("refine") { MatteRefiner.refine(image: warped, matte: framedMatte, refinement: refinement) }
            final = timed("composite") {
                Composite.over(warped, mask: refined.matte, background: Image(width: W, height: H, color: colour),
                               foreground: refined.foreground)
            }
            checks.append(backgroundCheck(final, matte: refined.matte, target: colour))
        }
        checks.append(IDPhotoCheck("frame inside the photo", coverage > 0.999 || !document.requiresUnalteredBackground,
                                   coverage > 0.999 ? "the frame lies inside the photo"
                                   : String(format: "the photo is too tight: %.1f%% of the frame was filled with the background", 100 * (1 - Double(coverage)))))
        let re = landmarks.rightEye, le = landmarks.leftEye
        return IDPhotoResult(image: final, document: document, transform: frame.transform, frame: frame, crown: frame.crown,
                             chin: landmarks.chin, leftEye: le, rightEye: re, checks: checks, milliseconds: ms, jpegQuality: nil)
    }

    /// The background's uniformity where the matte says background (and, after replacement, its colour).
    func backgroundCheck(_ image: Image, matte: GrayImage, target: (UInt8, UInt8, UInt8)?) -> IDPhotoCheck {
        var sum = [Double](repeating: 0, count: 3), sq = sum, n = 0.0
        for i in 0..<matte.pixels.count where matte.pixels[i] <= 8 {
            for c in 0..<3 { let v = Double(image.rgb[3 * i + c]); sum[c] += v; sq[c] += v * v }
            n += 1
        }
        guard n > 0 else { return IDPhotoCheck("background uniform", false, "no background visible") }
        let mean = sum.map { $0 / n }
        let sd = (0..<3).map { sqrt(max(0, sq[$0] / n - mean[$0] * mean[$0])) }.max() ?? 0
        var ok = sd <= (target == nil ? 12 : 3)
        var detail = String(format: "colour spread %.1f levels over %.0f%% of the frame", sd, 100 * n / Double(matte.pixels.count))
        if let t = target {
            let off = max(abs(mean[0] - Double(t.0)), abs(mean[1] - Double(t.1)), abs(mean[2] - Double(t.2)))
            ok = ok && off <= 2
            detail += String(format: ", mean #%02X%02X%02X", Int(mean[0].rounded()), Int(mean[1].rounded()), Int(mean[2].rounded()))
        }
        return IDPhotoCheck("background uniform", ok, detail)
    }
}
