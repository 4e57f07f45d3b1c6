import ArgumentParser
import Foundation
import U2Net

struct Refine: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Refine a mask made elsewhere against its photo, and write the cutout, the flattened photo or the mask.",
        discussion: """
            The mask is a grey image, or a cutout whose alpha is the mask; a mask of another size is resized to \
            the photo's (Lanczos). Without --refine and --decontaminate the mask is used as it is.
            """)

    @Argument(help: "The photo (PNG or JPEG).") var image: String
    @Option(name: .long, help: "The mask: grey PNG/JPEG, or an RGBA cutout (its alpha is used).") var mask: String
    @Option(name: .shortAndLong, help: "Output file: .png (cutout, or flattened with --bg) or .jpg (needs --bg or --mask-only).")
    var output: String
    @Flag(name: .long, help: "Write the refined mask as a grey image.") var maskOnly = false
    @Option(name: .long, help: "Flatten onto a colour: white, off-white, light-grey, pale-blue, black or #RRGGBB.")
    var bg: String?
    @Option(name: .long, help: "JPEG quality, 1–100.") var quality: Int = 92
    @Option(name: .long, help: "Worker threads (default: every core).") var threads: Int?
    @Option(name: .long, help: "Refuse images larger than this many megapixels.") var maxMegapixels: Double = 100
    @Flag(name: .long, help: "Print one JSON object: sizes, milliseconds per stage, solver iterations.") var json = false
    @OptionGroup(title: "Matte refinement") var refineOptions: RefineOptions

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        if !(1...100).contains(quality) { throw ValidationError("--quality must be in 1...100") }
        if !(maxMegapixels > 0) { throw ValidationError("--max-megapixels must be positive") }
        if let bg, Composite.color(bg) == nil {
            throw ValidationError("unknown colour '\(bg)': use white, off-white, light-grey, pale-blue, black or #RRGGBB")
        }
        let lower = output.lowercased()
        if (lower.hasSuffix(".jpg") || lower.hasSuffix(".jpeg")) && bg == nil && !maskOnly {
            throw ValidationError("JPEG has no transparency: add --bg COLOR or write PNG ('\(output)')")
        }
    }

    func run() {
        reportingErrors { try process() }
    }

    func process() throws {
        var stages: [String: Double] = [:]
        func timed<T>(_ key: String, _ body: () throws -> T) rethrows -> T {
            let t0 = DispatchTime.now().uptimeNanoseconds
            defer { stages[key] = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6 }
            return try body()
        }
        let maxPixels = Int(maxMegapixels * 1e6)
        let photo = try timed("decode") { try ImageFile.load(path: image, maxPixels: maxPixels) }
        let maskImage = try timed("decode_mask") { try ImageFile.load(path: mask, maxPixels: maxPixels) }
        let matte = timed("mask_resize") { GrayImage.matte(from: maskImage, width: photo.width, height: photo.height) }
        let refined = MatteRefiner.refine(image: photo, matte: matte, refinement: refineOptions.refinement(threads: threads))
        stages.merge(refined.timings) { $1 }
        let lower = output.lowercased()
        let ext = lower.hasSuffix(".jpg") || lower.hasSuffix(".jpeg") ? "jpg" : "png"
        let writer = OutputWriter(maskOnly: maskOnly, quality: quality)
        let data = try timed("encode") {
            try writer.encode(mask: refined.matte, cutout: nil, image: photo, ext: ext, color: bg.flatMap(Composite.color),
                              background: nil, foreground: refined.foreground)
        }
        try timed("write") { try writer.write(data, to: output) }
        if json {
            var line: [String: Any] = [
                "image": image, "mask": mask, "output": output, "width": photo.width, "height": photo.height,
                "ms": stages.mapValues { ($0 * 100).rounded() / 100 },
            ]
            if let s = refined.solver {
                line["solver"] = ["unknowns": s.unknowns, "iterations": s.iterations, "relative_residual": s.relativeResidual]
            }
            let d = try JSONSerialization.data(withJSONObject: line, options: [.sortedKeys])
            print(String(decoding: d, as: UTF8.self))
        }
    }
}
