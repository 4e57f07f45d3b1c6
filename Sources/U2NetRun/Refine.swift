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

    @Argument(help: "The photo (PNG, JPEG, WebP, HEIC, AVIF, TIFF).") var image: String
    @Option(name: .long, help: "The mask: a grey image, or an RGBA cutout (its alpha is used).") var mask: String
    @Option(name: .shortAndLong, help: "Output file: .png or .webp (cutout, or flattened with --bg) or .jpg (needs --bg or --mask-only).")
    var output: String
    @Flag(name: .long, help: "Write the refined mask as a grey image.") var maskOnly = false
    @Option(name: .long, help: "Flatten onto a colour (a name or #RRGGBB).") var bg: Background?
    @Option(name: .long, help: "JPEG quality, 1–100 (default 92); for WebP, lossy at this quality (default: lossless).")
    var quality: Int?
    @Option(name: .long, help: "Worker threads (default: every core).") var threads: Int?
    @Option(name: .long, help: "Refuse images larger than this many megapixels.") var maxMegapixels: Double = 100
    @Flag(name: .long, help: "Print one JSON object: sizes, milliseconds per stage, solver iterations.") var json = false
    @OptionGroup(title: "Matte refinement") var refineOptions: RefineOptions

    /// What is written: the mask, the photo flattened onto `--bg`, or the cutout.
    var composition: Composition {
        if maskOnly { return .mask }
        if let bg { return .flatten(onto: bg) }
        return .cutout
    }

    /// The output's format, from its name: .png, .jpg/.jpeg, .webp; PNG without an extension.
    var format: ImageFormat { ImageFormat(path: output) ?? .png }

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        if let quality, !(1...100).contains(quality) { throw ValidationError("--quality must be in 1...100") }
        if !(maxMegapixels > 0) { throw ValidationError("--max-megapixels must be positive") }
        if format == .jpeg && composition.isTransparent {
            throw ValidationError("JPEG has no transparency: add --bg COLOR or write PNG ('\(output)')")
        }
    }

    func run() {
        reportingErrors { try process() }
    }

    func process() throws {
        if output != "-", let ext = ImageFormat.pathExtension(output), ImageFormat(fileExtension: ext) == nil {
            throw ValidationError("cannot write '\(output)': the extension .\(ext) is not .png, .jpg, .jpeg or .webp")
        }
        var files = StageTimings()
        let maxPixels = Int(maxMegapixels * 1e6)
        let photo = try files.measure(.decode) { try ImageFile.load(path: image, maxPixels: maxPixels) }
        let maskImage = try files.measure(.decodeMask) { try ImageFile.load(path: mask, maxPixels: maxPixels) }
        let options = CutoutOptions(refinement: refineOptions.refinement(threads: threads), composition: composition,
                                    format: format, jpegQuality: quality ?? 92, webpQuality: quality)
        var result = try CutoutPipeline.complete(photo, mask: maskImage, options: options)
        result.timings.merge(files)
        let data = result.encoded!  // options.format is set, so the result is encoded
        try result.timings.measure(.write) { try OutputFile.write(data, to: output) }
        if json {
            var line: [String: Any] = [
                "image": image, "mask": mask, "output": output, "width": photo.width, "height": photo.height,
                "ms": result.timings.report,
            ]
            if let s = result.solver {
                line["solver"] = ["unknowns": s.unknowns, "iterations": s.iterations, "relative_residual": s.relativeResidual]
            }
            let d = try JSONSerialization.data(withJSONObject: line, options: [.sortedKeys])
            print(String(decoding: d, as: UTF8.self))
        }
    }
}
