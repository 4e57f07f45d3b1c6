import ArgumentParser
import Foundation
import U2Net

struct Compare: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compare two tensors (.npy) or masks (PNG).",
        discussion: """
            Prints max-abs, mean-abs, RMSE, PSNR and IoU at 0.5. Two PNGs are compared in 8-bit levels \
            (PSNR peak 255, IoU at level 128); otherwise values are compared as they are (a PNG against \
            a .npy is scaled to [0, 1]) with PSNR peak 1. Exit status: 0 within the thresholds, \
            1 a threshold exceeded, 2 an error.
            """)

    @Argument(help: "First tensor or mask.") var a: String
    @Argument(help: "Second tensor or mask.") var b: String
    @Option(name: .long, help: "Fail (exit 1) when the largest difference exceeds this.") var maxAbs: Double?
    @Option(name: .long, help: "Fail (exit 1) when the mean difference exceeds this.") var meanAbs: Double?
    @Flag(name: .long, help: "Print one JSON object.") var json = false

    static func isPNG(_ path: String) -> Bool { path.lowercased().hasSuffix(".png") }

    /// Values and shape of a file; PNG levels are kept as 0...255 or scaled to [0, 1].
    static func load(_ path: String, scalePNG: Bool) throws -> ([Float], [Int]) {
        if isPNG(path) {
            let g = try PNGCodec.readGray(path: path)
            return (g.pixels.map { scalePNG ? Float($0) / 255 : Float($0) }, [g.height, g.width])
        }
        let t = try NPYFile.read(path: path)
        return (t.floats, t.shape)
    }

    func run() {
        let exceeded: Bool = reportingErrors {
            let bothPNG = Self.isPNG(a) && Self.isPNG(b)
            let (va, sa) = try Self.load(a, scalePNG: !bothPNG)
            let (vb, sb) = try Self.load(b, scalePNG: !bothPNG)
            // Masks of 1×1×H×W and H×W compare as the same shape.
            let squeeze = { (s: [Int]) in s.filter { $0 != 1 } }
            guard sa == sb || squeeze(sa) == squeeze(sb) else {
                throw ValidationError("shapes differ: \(sa) and \(sb)")
            }
            let agreement = Agreement(va, vb, peak: bothPNG ? 255 : 1, threshold: bothPNG ? 127.5 : 0.5)
            var failed: [String] = []
            if let maxAbs, agreement.maxAbs > maxAbs { failed.append("max-abs") }
            if let meanAbs, agreement.meanAbs > meanAbs { failed.append("mean-abs") }
            if json {
                var object: [String: Any] = [
                    "a": a, "b": b, "count": agreement.count,
                    "max_abs": agreement.maxAbs, "mean_abs": agreement.meanAbs, "rmse": agreement.rmse,
                    "psnr": agreement.psnr.isFinite ? agreement.psnr : "inf", "iou": agreement.iou,
                    "pass": failed.isEmpty, "units": bothPNG ? "levels" : "values",
                ]
                if !failed.isEmpty { object["exceeded"] = failed }
                print(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self))
            } else {
                let unit = bothPNG ? " levels" : ""
                print("elements  \(agreement.count)")
                print("max-abs   \(fmt(agreement.maxAbs))\(unit) (at element \(agreement.worstIndex))")
                print("mean-abs  \(fmt(agreement.meanAbs))\(unit)")
                print("rmse      \(fmt(agreement.rmse))\(unit)")
                print("psnr      \(agreement.psnr.isFinite ? String(format: "%.2f dB", agreement.psnr) : "inf")")
                print("iou@0.5   \(String(format: "%.6f", agreement.iou))")
                if !failed.isEmpty { print("exceeded  \(failed.joined(separator: ", "))") }
            }
            return !failed.isEmpty
        }
        if exceeded { Foundation.exit(ExitStatus.difference) }
    }

    private func fmt(_ v: Double) -> String { String(format: "%.6g", v) }
}
