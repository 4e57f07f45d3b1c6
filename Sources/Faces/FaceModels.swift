import Foundation
import Imaging
import NNRuntime
import NNTensor
import ONNXFormat
import TFLiteFormat

/// Why faces could not be found or measured.
public enum FaceError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A model file is missing or unreadable (with the reader's message).
    case model(path: String, reason: String)
    /// A model runs but its outputs do not have the expected shape.
    case unexpectedOutput(String)

    public var description: String {
        switch self {
        case .model(let path, let reason): return "face model \(path): \(reason)"
        case .unexpectedOutput(let detail): return "face model output: \(detail)"
        }
    }
}

/// One planned TFLite model with a single NHWC image input (fed as NCHW).
final class PlannedTFLite: @unchecked Sendable {
    let session: Session
    let inputName: String
    let size: Int
    private let lock = NSLock()

    init(path: String, threads: Int) throws {
        let graph: ONNXModel
        do { graph = try TFLiteModel.loadGraph(path: path) } catch { throw FaceError.model(path: path, reason: "\(error)") }
        guard let input = graph.graph.feedInputs.first, let shape = input.shape, shape.count == 4,
              case .fixed(let size) = shape[2] else { throw FaceError.model(path: path, reason: "no 4-D image input") }
        self.inputName = input.name
        self.size = size
        do {
            session = Session(plan: try Plan(model: graph, inputShapes: [input.name: [1, 3, size, size]], threads: threads))
        } catch { throw FaceError.model(path: path, reason: "\(error)") }
    }

    /// Runs on an RGB image of `size × size`, normalising each 8-bit sample with `normalise`.
    func run(_ image: Image, normalise: (Float) -> Float) throws -> [String: Tensor] {
        let n = size * size
        var x = [Float](repeating: 0, count: 3 * n)
        for p in 0..<n { for c in 0..<3 { x[c * n + p] = normalise(Float(image.rgb[3 * p + c])) } }
        lock.lock(); defer { lock.unlock() }
        return try session.run([inputName: Tensor(shape: [1, 3, size, size], values: x)])
    }
}

/// A detected face in photo pixels.
public struct FaceDetection: Sendable, Equatable {
    /// The box's left, top, width and height.
    public var x, y, width, height: Double
    /// MediaPipe's six keypoints: the subject's right eye, left eye, nose tip, mouth centre, right ear tragion,
    /// left ear tragion (in an upright frontal photo the subject's right eye is on the image's left).
    public var keypoints: [PixelPoint]
    /// The detector's confidence (sigmoid of its logit).
    public var score: Float
}

/// MediaPipe's short-range face detector (BlazeFace, 128×128) decoded as MediaPipe does: SSD anchors, sigmoid
/// scores (logits clipped to ±100), boxes and keypoints relative to the anchors, weighted non-maximum suppression.
public final class FaceDetector: @unchecked Sendable {
    let model: PlannedTFLite
    /// 896 anchor centres in [0, 1].
    let anchors: [PixelPoint]
    /// Detections below this confidence are dropped (MediaPipe's 0.5).
    public var minScore: Float = 0.5
    /// Boxes overlapping a better one by more than this IoU are merged into it (MediaPipe's 0.3).
    public var suppressionThreshold = 0.3

    /// Loads and plans the model file at `path` for `threads` threads.
    public init(path: String, threads: Int = 2) throws {
        model = try PlannedTFLite(path: path, threads: threads)
        anchors = Self.anchorCenters(size: model.size)
    }

    /// The anchors' centres in [0, 1], in the model's output order. SSD anchors of the short-range options: strides 8, 16, 16, 16, two anchors per position per layer (aspect
    /// ratio 1 and the interpolated scale), fixed anchor size, offset 0.5; layers of equal stride share a grid.
    public static func anchorCenters(size: Int) -> [PixelPoint] {
        let strides = [8, 16, 16, 16]
        var out: [PixelPoint] = []
        var layer = 0
        while layer < strides.count {
            var last = layer
            while last + 1 < strides.count && strides[last + 1] == strides[layer] { last += 1 }
            let perPosition = 2 * (last - layer + 1)
            let n = Int((Double(size) / Double(strides[layer])).rounded(.up))
            for y in 0..<n {
                for x in 0..<n {
                    let p = PixelPoint((Double(x) + 0.5) / Double(n), (Double(y) + 0.5) / Double(n))
                    for _ in 0..<perPosition { out.append(p) }
                }
            }
            layer = last + 1
        }
        return out
    }

    /// The faces in a photo, best first, in the photo's pixels. The photo is letterboxed into the model's square.
    public func detect(_ image: Image) throws -> [FaceDetection] {
        let size = Double(model.size)
        let s = size / Double(max(image.width, image.height))
        let padX = (size - Double(image.width) * s) / 2, padY = (size - Double(image.height) * s) / 2
        // Model pixel → photo pixel.
        let toPhoto = Affine2D(a: 1 / s, b: 0, c: -padX / s, d: 0, e: 1 / s, f: -padY / s)
        let (input, inside) = Warp.rgb(image, toSource: toPhoto, width: model.size, height: model.size,
                                       samples: Warp.samples(forScale: s))
        var boxed = input
        for p in 0..<inside.count where inside[p] < 0.5 { boxed.rgb[3 * p] = 0; boxed.rgb[3 * p + 1] = 0; boxed.rgb[3 * p + 2] = 0 }
        let out = try model.run(boxed) { $0 / 127.5 - 1 }
        guard let reg = out["regressors"]?.floats, let cls = out["classificators"]?.floats,
              reg.count == anchors.count * 16, cls.count == anchors.count else {
            throw FaceError.unexpectedOutput("detector: expected regressors [1, \(anchors.count), 16] and classificators")
        }
        var found: [(box: [Double], keypoints: [PixelPoint], score: Float)] = []
        for k in 0..<anchors.count {
            let logit = min(max(cls[k], -100), 100)
            let score = 1 / (1 + exp(-logit))
            guard score >= minScore else { continue }
            let r = Array(reg[(16 * k)..<(16 * k + 16)]).map(Double.init)
            let a = anchors[k]
            let cx = r[0] / size + a.x, cy = r[1] / size + a.y, w = r[2] / size, h = r[3] / size
            let kps = (0..<6).map { PixelPoint(r[4 + 2 * $0] / size + a.x, r[5 + 2 * $0] / size + a.y) }
            found.append(([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], kps, score))
        }
        // Weighted non-maximum suppression (MediaPipe's WEIGHTED algorithm, IoU overlap).
        found.sort { $0.score > $1.score }
        var result: [FaceDetection] = []
        while let top = found.first {
            var cluster: [(box: [Double], keypoints: [PixelPoint], score: Float)] = []
            var rest: [(box: [Double], keypoints: [PixelPoint], score: Float)] = []
            for f in found { (Self.iou(top.box, f.box) > suppressionThreshold ? { cluster.append(f) } : { rest.append(f) })() }
            found = rest
            let total = cluster.reduce(0) { $0 + Double($1.score) }
            var box = [0.0, 0, 0, 0]
            var kps = [PixelPoint](repeating: PixelPoint(0, 0), count: 6)
            for c in cluster {
                let wgt = Double(c.score) / total
                for i in 0..<4 { box[i] += c.box[i] * wgt }
                for i in 0..<6 { kps[i] = kps[i] + c.keypoints[i] * wgt }
            }
            let tl = toPhoto.apply(PixelPoint(box[0] * size, box[1] * size)), br = toPhoto.apply(PixelPoint(box[2] * size, box[3] * size))
            result.append(FaceDetection(x: tl.x, y: tl.y, width: br.x - tl.x, height: br.y - tl.y,
                                        keypoints: kps.map { toPhoto.apply(PixelPoint($0.x * size, $0.y * size)) },
                                        score: top.score))
        }
        return result
    }

    static func iou(_ a: [Double], _ b: [Double]) -> Double {
        let iw = max(0, min(a[2], b[2]) - max(a[0], b[0])), ih = max(0, min(a[3], b[3]) - max(a[1], b[1]))
        let inter = iw * ih
        let union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
        return union > 0 ? inter / union : 0
    }
}

/// 468 face-mesh landmarks in photo pixels, with the region the mesh ran on.
public struct FaceLandmarks: Sendable {
    /// The landmarks (x, y in photo pixels; z in the same scale, relative depth).
    public var points: [PixelPoint]
    /// Relative depth of each landmark, in photo pixels.
    public var depth: [Double]
    /// The mesh's face-presence confidence (sigmoid of its flag output).
    public var presence: Float
    /// The region the mesh saw: centre, side (photo pixels) and rotation (radians, the eye line's angle).
    public var regionCenter: PixelPoint
    /// The region's side in photo pixels.
    public var regionSide: Double
    /// The region's rotation in radians (the eye line's angle).
    public var regionRotation: Double

    /// Canonical face-mesh indices.
    public static let chinIndex = 152, foreheadIndex = 10, noseTipIndex = 1
    /// Eye corners: the subject's right eye (33 outer, 133 inner) and left eye (362 inner, 263 outer).
    public static let rightEyeCorners = (33, 133), leftEyeCorners = (362, 263)

    /// The bottom of the chin.
    public var chin: PixelPoint { points[Self.chinIndex] }
    /// The centre of the subject's right eye (the midpoint of its corners).
    public var rightEye: PixelPoint { PixelPoint.mid(points[Self.rightEyeCorners.0], points[Self.rightEyeCorners.1]) }
    /// The centre of the subject's left eye.
    public var leftEye: PixelPoint { PixelPoint.mid(points[Self.leftEyeCorners.0], points[Self.leftEyeCorners.1]) }
    /// The nose tip.
    public var noseTip: PixelPoint { points[Self.noseTipIndex] }
}

/// MediaPipe's face mesh (192×192 input, 468 landmarks) on the region MediaPipe derives from a detection: the box
/// centre, the longer side × 1.5, squared, rotated so the line from the right eye to the left eye is horizontal.
public final class FaceMesh: @unchecked Sendable {
    let model: PlannedTFLite

    /// Loads and plans the model file at `path` for `threads` threads.
    public init(path: String, threads: Int = 2) throws {
        model = try PlannedTFLite(path: path, threads: threads)
    }

    /// The transform from the mesh's input pixels to photo pixels for a detection.
    public func region(for detection: FaceDetection) -> (center: PixelPoint, side: Double, rotation: Double, toPhoto: Affine2D) {
        let center = PixelPoint(detection.x + detection.width / 2, detection.y + detection.height / 2)
        let side = max(detection.width, detection.height) * 1.5
        let r = detection.keypoints[0], l = detection.keypoints[1]
        let rotation = atan2(l.y - r.y, l.x - r.x)
        let k = side / Double(model.size)
        // photo = centre + R(rotation)·(k·u − side/2)
        let rot = Affine2D.similarity(scale: k, rotation: rotation, tx: 0, ty: 0)
        let offset = rot.apply(PixelPoint(Double(model.size) / 2, Double(model.size) / 2))
        let toPhoto = Affine2D(a: rot.a, b: rot.b, c: center.x - offset.x, d: rot.d, e: rot.e, f: center.y - offset.y)
        return (center, side, rotation, toPhoto)
    }

    /// The landmarks of the face found by `detection`.
    public func landmarks(in image: Image, detection: FaceDetection) throws -> FaceLandmarks {
        let roi = region(for: detection)
        let crop = Warp.rgb(image, toSource: roi.toPhoto, width: model.size, height: model.size,
                            samples: Warp.samples(forScale: Double(model.size) / roi.side)).image
        let out = try model.run(crop) { $0 / 255 }
        guard let raw = out["conv2d_20"]?.floats, raw.count == 468 * 3, let flag = out["conv2d_30"]?.floats.first else {
            throw FaceError.unexpectedOutput("mesh: expected conv2d_20 [1, 1, 1, 1404] and conv2d_30")
        }
        let k = roi.side / Double(model.size)
        var points: [PixelPoint] = [], depth: [Double] = []
        for i in 0..<468 {
            points.append(roi.toPhoto.apply(PixelPoint(Double(raw[3 * i]), Double(raw[3 * i + 1]))))
            depth.append(Double(raw[3 * i + 2]) * k)
        }
        return FaceLandmarks(points: points, depth: depth, presence: 1 / (1 + exp(-flag)), regionCenter: roi.center,
                             regionSide: roi.side, regionRotation: roi.rotation)
    }
}
