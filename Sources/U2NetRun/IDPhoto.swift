import ArgumentParser
import Foundation
import U2Net

struct IDPhoto: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "idphoto",
        abstract: "Make a passport or visa photo: the head framed as the document requires, on an allowed background, checked.",
        discussion: """
            Finds the one face (MediaPipe's face detector and face mesh, run by this engine), the crown from the \
            subject's matte, straightens a rolled head, scales the head to the middle of the document's band, and \
            replaces the background (kept as it is for documents that forbid altered photos). The output is fitted \
            to the document's digital pixel range (unless --print) and a JPEG's quality is stepped down until the \
            file fits the document's size cap.

            Exit status: 0 the photo was written (the report says which checks failed, if any); 1 with --strict, \
            the photo was written but a check failed; 2 an error and nothing written (no face, several faces, an \
            unreadable photo, bad arguments).
            """)

    @Argument(help: "The portrait (PNG, JPEG, WebP, HEIC, AVIF or TIFF).") var image: String?
    @Option(name: .long, help: "Document id (see --list-documents).") var document: String?
    @Option(name: .long, help: "Custom print size, e.g. 35x45mm (with --head).") var size: String?
    @Option(name: .long, help: "Custom head height band chin to crown, e.g. 32-36mm (with --size).") var head: String?
    @Option(name: .long, help: "Background colour: a name or #RRGGBB (default: the document's first allowed colour).")
    var bg: String?
    @Option(name: .shortAndLong, help: "Output file, .jpg or .png (default: <stem>.<document>.jpg beside the photo).")
    var output: String?
    @Option(name: .long, help: "Also write a print sheet: 4x6in, 10x15cm or a4 (to <output stem>.sheet.<ext>).")
    var sheet: String?
    @Flag(name: .long, help: "Do not straighten a rolled head.") var noStraighten = false
    @Flag(name: .long, help: "Exit 1 when a check fails (the photo is still written).") var strict = false
    @Flag(name: .long, help: "Keep the print size at the document's DPI instead of fitting its digital pixel range.")
    var print = false
    @Option(name: .long, help: "JPEG quality to start from (stepped down for a file-size cap).") var quality: Int = 92
    @Option(name: .long, help: "Worker threads (default: every core).") var threads: Int?
    @Flag(name: .long, help: "List the documents and exit.") var listDocuments = false
    @Flag(name: .long, help: "Print one JSON object (the last line): document, size, transform, landmarks, checks.")
    var json = false

    func run() {
        if listDocuments {
            listing()
            return
        }
        let compliant = reportingErrors { try process() }
        if strict && !compliant { Foundation.exit(ExitStatus.difference) }
    }

    func listing() {
        if json {
            let list = DocumentPreset.all.map(\.listingFields)
            let data = try! JSONSerialization.data(withJSONObject: list, options: [.sortedKeys])
            Swift.print(String(decoding: data, as: UTF8.self))
            return
        }
        for d in DocumentPreset.all {
            let eyes = d.eyeMinMM.map { String(format: ", eyes %g–%g mm up", $0, d.eyeMaxMM!) } ?? ""
            let bgs = d.backgrounds.map(\.name).joined(separator: "/")
            Swift.print(String(format: "%-19@ %@: %g×%g mm = %d×%d px at %d dpi, head %g–%g mm%@, %@%@%@", d.id as NSString,
                               d.name as NSString, d.widthMM, d.heightMM, d.pixelWidth, d.pixelHeight, d.dpi, d.headMinMM,
                               d.headMaxMM, eyes as NSString, bgs as NSString,
                               (d.requiresUnalteredBackground ? ", unaltered background" : "") as NSString,
                               (d.verified ? "" : " (not verified against the official page)") as NSString))
        }
    }

    func chosenDocument() throws -> DocumentPreset {
        if let size {
            guard let head else { throw ValidationError("--size needs --head MIN-MAXmm") }
            let sz = size.lowercased().replacingOccurrences(of: "mm", with: "").split(separator: "x").compactMap { Double($0) }
            let hd = head.lowercased().replacingOccurrences(of: "mm", with: "").split(separator: "-").compactMap { Double($0) }
            guard sz.count == 2, sz.allSatisfy({ $0 > 0 }) else { throw ValidationError("--size takes WxHmm, e.g. 35x45mm") }
            guard hd.count == 2, hd[0] > 0, hd[0] <= hd[1], hd[1] < sz[1] else { throw ValidationError("--head takes MIN-MAXmm, e.g. 32-36mm") }
            return DocumentPreset.custom(widthMM: sz[0], heightMM: sz[1], headMinMM: hd[0], headMaxMM: hd[1])
        }
        guard let document else { throw ValidationError("give --document ID (see --list-documents) or --size and --head") }
        guard let d = DocumentPreset.named(document) else { throw IDPhotoError.unknownDocument(document) }
        return d
    }

    func process() throws -> Bool {
        guard let image else { throw ValidationError("give a photo (or --list-documents)") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        let doc = try chosenDocument()
        var colour: (UInt8, UInt8, UInt8)?
        if let bg {
            var named: (UInt8, UInt8, UInt8)?
            if case let .color(r, g, b)? = Background(color: bg) { named = (r, g, b) }
            guard let c = named ?? doc.backgrounds.first(where: { $0.name == bg.lowercased() })?.rgb else {
                throw ValidationError("--bg: unknown colour \(bg)")
            }
            colour = c
        }
        var sheetSize: (Double, Double)?
        if let sheet {
            guard let s = PrintSheet.sizes[sheet.lowercased()] else { throw ValidationError("--sheet takes 4x6in, 10x15cm or a4") }
            sheetSize = s
        }
        let start = DispatchTime.now().uptimeNanoseconds
        let photo = try ImageFile.load(path: image)
        let maker = try IDPhotoMaker(threads: threads)
        var result = try maker.make(photo, document: doc, background: colour, straighten: !noStraighten, fitDigitalLimits: !print)
        let written = result.document
        let out = output ?? (URL(fileURLWithPath: image).deletingPathExtension().path + ".\(doc.id).jpg")
        let format = ImageFormat(path: out) ?? .jpeg
        let data = try result.encode(as: format, quality: quality)
        try OutputFile.write(data, to: out)
        var sheetInfo: [String: Any]?
        if let (w, h) = sheetSize {
            let (sheetImage, copies) = PrintSheet.tile(result.image, widthMM: w, heightMM: h, dpi: written.dpi)
            let sheetPath = URL(fileURLWithPath: out).deletingPathExtension().path + ".sheet." + format.fileExtension
            var sheetData = format == .jpeg ? try JPEGCodec.encode(sheetImage, quality: 95) : try PNGCodec.encode(sheetImage)
            sheetData = PixelDensity.setting(sheetData, dpi: written.dpi)
            try OutputFile.write(sheetData, to: sheetPath)
            sheetInfo = ["path": sheetPath, "width": sheetImage.width, "height": sheetImage.height, "copies": copies]
        }
        let ms = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
        if json {
            func pt(_ p: PixelPoint) -> [Double] { [(p.x * 100).rounded() / 100, (p.y * 100).rounded() / 100] }
            var line: [String: Any] = [
                "input": image, "output": out, "document": doc.id, "width": result.image.width, "height": result.image.height,
                "dpi": written.dpi, "bytes": data.count,
                "transform": result.transform.coefficients,
                "landmarks": ["crown": pt(result.crown), "chin": pt(result.chin), "leftEye": pt(result.leftEye), "rightEye": pt(result.rightEye)],
                "headHeightMM": (result.frame.headHeightMM * 100).rounded() / 100,
                "eyeLineMM": (result.frame.eyeLineMM * 100).rounded() / 100,
                "rotationDegrees": (result.frame.rotationDegrees * 100).rounded() / 100,
                "compliant": result.compliant,
                "checks": result.checks.map { ["name": $0.name, "ok": $0.ok, "detail": $0.detail] },
                "ms": (result.milliseconds.merging(["total": ms]) { a, _ in a }).mapValues { ($0 * 10).rounded() / 10 },
            ]
            if let sheetInfo { line["sheet"] = sheetInfo }
            var fileSize: [String: Any] = ["bytes": data.count]
            if let q = result.jpegQuality { fileSize["quality"] = q }
            if let cap = written.digital?.maxBytes { fileSize["maxBytes"] = cap }
            if let floor = written.digital?.minBytes { fileSize["minBytes"] = floor }
            if let check = result.checks.first(where: { $0.name == "file size" }) { fileSize["ok"] = check.ok }
            line["fileSize"] = fileSize
            if let q = result.jpegQuality { line["jpegQuality"] = q }
            let d = try JSONSerialization.data(withJSONObject: line, options: [.sortedKeys])
            Swift.print(String(decoding: d, as: UTF8.self))
        } else {
            Swift.print("\(out): \(doc.name), \(result.image.width)×\(result.image.height) px at \(written.dpi) dpi")
            for c in result.checks { Swift.print("  \(c.ok ? "ok  " : "FAIL") \(c.name): \(c.detail)") }
            if let sheetInfo { Swift.print("  sheet \(sheetInfo["path"]!): \(sheetInfo["copies"]!) copies, \(sheetInfo["width"]!)×\(sheetInfo["height"]!) px") }
        }
        return result.compliant
    }
}
