import Faces

extension DocumentPreset {
    /// The document as `u2net-run idphoto --list-documents --json` and the server's `GET /v1/documents` list it:
    /// id, name, country, print size (`width_mm`, `height_mm`), pixels (`width`, `height`), `dpi`, head band
    /// (`head_mm`), eye band and top margin (mm, when the document has them), `crown_includes_hair`, backgrounds
    /// (`[name, hex]`), whether the background must stay unaltered, the digital limits (`max_bytes`, `min_bytes`,
    /// `min_pixels`, `max_pixels`, when given), the rule's `source` and whether it was `verified` against it.
    /// Values are JSON-serialisable (strings, numbers, booleans, arrays).
    public var listingFields: [String: Any] {
        var o: [String: Any] = ["id": id, "name": name, "country": country, "width_mm": widthMM,
                                "height_mm": heightMM, "width": pixelWidth, "height": pixelHeight,
                                "dpi": dpi, "head_mm": [headMinMM, headMaxMM],
                                "crown_includes_hair": crownIncludesHair,
                                "backgrounds": backgrounds.map { [$0.name, $0.hex] },
                                "unaltered": requiresUnalteredBackground, "source": source,
                                "verified": verified]
        if let a = eyeMinMM, let b = eyeMaxMM { o["eye_line_mm"] = [a, b] }
        if let a = topMarginMinMM, let b = topMarginMaxMM { o["top_margin_mm"] = [a, b] }
        if let cap = digital?.maxBytes { o["max_bytes"] = cap }
        if let floor = digital?.minBytes { o["min_bytes"] = floor }
        if let m = digital?.minPixels { o["min_pixels"] = [m.width, m.height] }
        if let m = digital?.maxPixels { o["max_pixels"] = [m.width, m.height] }
        return o
    }
}
