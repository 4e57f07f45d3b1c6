import Foundation
import Hummingbird
import NIOCore
import U2Net

/// `GET /v1/documents`: the ID-photo documents, with the same fields as `u2net-run idphoto --list-documents --json`.
enum DocumentListing {
    /// One document: id, name, country, print size (mm), pixels, DPI, head band (mm), eye band and top margin (mm,
    /// when the document has them), backgrounds (`[name, hex]`), whether the background must stay unaltered, the
    /// digital limits (file size, pixel range), the rule's source and whether it was checked against it.
    static func entry(_ d: DocumentPreset) -> [String: Any] {
        var o: [String: Any] = ["id": d.id, "name": d.name, "country": d.country, "width_mm": d.widthMM,
                                "height_mm": d.heightMM, "width": d.pixelWidth, "height": d.pixelHeight,
                                "dpi": d.dpi, "head_mm": [d.headMinMM, d.headMaxMM],
                                "crown_includes_hair": d.crownIncludesHair,
                                "backgrounds": d.backgrounds.map { [$0.name, $0.hex] },
                                "unaltered": d.requiresUnalteredBackground, "source": d.source,
                                "verified": d.verified]
        if let a = d.eyeMinMM, let b = d.eyeMaxMM { o["eye_line_mm"] = [a, b] }
        if let a = d.topMarginMinMM, let b = d.topMarginMaxMM { o["top_margin_mm"] = [a, b] }
        if let cap = d.digital?.maxBytes { o["max_bytes"] = cap }
        if let floor = d.digital?.minBytes { o["min_bytes"] = floor }
        if let m = d.digital?.minPixels { o["min_pixels"] = [m.width, m.height] }
        if let m = d.digital?.maxPixels { o["max_pixels"] = [m.width, m.height] }
        return o
    }

    /// `{"documents": [...]}`, built once (the presets are data compiled in).
    static let body: Data = {
        let object: [String: Any] = ["documents": DocumentPreset.all.map(DocumentListing.entry)]
        return (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
    }()

    static var response: Response {
        Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
                 body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}
