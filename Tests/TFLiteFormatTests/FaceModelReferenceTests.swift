import Foundation
import Imaging
import NNRuntime
import NNTensor
import ONNXFormat
import TestSupport
import TFLiteFormat
import XCTest

/// The two face models run by our engine against TFLite's own interpreter (ai-edge-litert 2.3.0,
/// Tools/make-face-fixtures.sh) on four photos: every raw output within 1e-4 of the reference, relative to the
/// output's largest magnitude.
final class FaceModelReferenceTests: XCTestCase {
    static let photos = ["astronaut", "grace_hopper", "camera", "grace_hopper_rolled"]
    static let relative: Float = 1e-4

    func testDetectorMatchesTFLite() throws {
        try requireFaceModels()
        try compare(model: "face_detection_short_range", size: 128, input: "detector-input.png",
                    outputs: ["regressors": "detector-regressors.npy", "classificators": "detector-classificators.npy"],
                    normalise: { $0 / 127.5 - 1 })
    }

    func testMeshMatchesTFLite() throws {
        try requireFaceModels()
        try compare(model: "face_landmark", size: 192, input: "mesh-input.png",
                    outputs: ["conv2d_20": "mesh-landmarks.npy", "conv2d_30": "mesh-flag.npy"],
                    normalise: { $0 / 255 })
    }

    private func compare(model name: String, size: Int, input: String, outputs: [String: String],
                         normalise: (Float) -> Float) throws {
        let graph = try TFLiteModel.loadGraph(path: FixturePaths.packagePath("Weights/\(name).tflite").path)
        let inputName = try XCTUnwrap(graph.graph.feedInputs.first?.name)
        let plan = try Plan(model: graph, inputShapes: [inputName: [1, 3, size, size]], threads: 2)
        let session = Session(plan: plan)
        for photo in Self.photos {
            let folder = FixturePaths.packagePath("Tests/TFLiteFormatTests/Fixtures/faces/\(photo)")
            let image = try ImageFile.load(path: folder.appendingPathComponent(input).path)
            XCTAssertEqual(image.width, size)
            var x = [Float](repeating: 0, count: 3 * size * size)
            for p in 0..<(size * size) {
                for c in 0..<3 { x[c * size * size + p] = normalise(Float(image.rgb[3 * p + c])) }
            }
            let got = try session.run([inputName: Tensor(shape: [1, 3, size, size], values: x)])
            for (output, file) in outputs {
                let expected = try NPYFile.read(path: folder.appendingPathComponent(file).path)
                let ours = try XCTUnwrap(got[output], "output \(output)")
                XCTAssertEqual(ours.shape, expected.shape, "\(photo) \(output)")
                let e = expected.floats, o = ours.floats
                let scale = e.map(abs).max() ?? 1
                let worst = zip(o, e).map { abs($0 - $1) }.max() ?? 0
                XCTAssertLessThanOrEqual(worst, Self.relative * scale, "\(photo) \(output): max error \(worst), scale \(scale)")
                print("face reference \(name) \(photo) \(output): max-abs \(worst), relative \(worst / scale)")
            }
        }
    }
}
