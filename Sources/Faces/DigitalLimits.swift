import Foundation

/// What an authority accepts as a digital photo (online applications), and how a print-sized frame is fitted to it.
public struct DigitalLimits: Sendable, Equatable, Codable {
    /// Smallest accepted width and height in pixels.
    public var minPixels: (width: Int, height: Int)?
    /// Largest accepted width and height in pixels.
    public var maxPixels: (width: Int, height: Int)?
    /// Smallest accepted file, in bytes.
    public var minBytes: Int?
    /// Largest accepted file, in bytes.
    public var maxBytes: Int?
    /// Accepted file format.
    public var format: String

    /// Limits as (width, height) pixel pairs, a byte range and a file format name.
    public init(minPixels: (Int, Int)? = nil, maxPixels: (Int, Int)? = nil, minBytes: Int? = nil, maxBytes: Int? = nil,
                format: String = "jpeg") {
        self.minPixels = minPixels.map { (width: $0.0, height: $0.1) }
        self.maxPixels = maxPixels.map { (width: $0.0, height: $0.1) }
        self.minBytes = minBytes
        self.maxBytes = maxBytes
        self.format = format
    }

    public static func == (a: DigitalLimits, b: DigitalLimits) -> Bool {
        a.minPixels?.width == b.minPixels?.width && a.minPixels?.height == b.minPixels?.height
            && a.maxPixels?.width == b.maxPixels?.width && a.maxPixels?.height == b.maxPixels?.height
            && a.minBytes == b.minBytes && a.maxBytes == b.maxBytes && a.format == b.format
    }

    enum CodingKeys: String, CodingKey { case minWidth, minHeight, maxWidth, maxHeight, minBytes, maxBytes, format }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(minPixels?.width, forKey: .minWidth)
        try c.encodeIfPresent(minPixels?.height, forKey: .minHeight)
        try c.encodeIfPresent(maxPixels?.width, forKey: .maxWidth)
        try c.encodeIfPresent(maxPixels?.height, forKey: .maxHeight)
        try c.encodeIfPresent(minBytes, forKey: .minBytes)
        try c.encodeIfPresent(maxBytes, forKey: .maxBytes)
        try c.encode(format, forKey: .format)
    }
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        if let w = try c.decodeIfPresent(Int.self, forKey: .minWidth), let h = try c.decodeIfPresent(Int.self, forKey: .minHeight) { minPixels = (w, h) }
        if let w = try c.decodeIfPresent(Int.self, forKey: .maxWidth), let h = try c.decodeIfPresent(Int.self, forKey: .maxHeight) { maxPixels = (w, h) }
        minBytes = try c.decodeIfPresent(Int.self, forKey: .minBytes)
        maxBytes = try c.decodeIfPresent(Int.self, forKey: .maxBytes)
        format = try c.decode(String.self, forKey: .format)
    }

    /// Whether `width × height` pixels lies inside the pixel range.
    public func accepts(width: Int, height: Int) -> Bool {
        if let m = minPixels, width < m.width || height < m.height { return false }
        if let m = maxPixels, width > m.width || height > m.height { return false }
        return true
    }

    /// The uniform scale that brings `width × height` into the pixel range: 1 when it is already inside; enlarging to
    /// reach the minimum, then reducing to respect the maximum (the maximum wins when a photo of this aspect ratio
    /// cannot satisfy both).
    public func scale(width: Int, height: Int) -> Double {
        var s = 1.0
        if let m = minPixels, width < m.width || height < m.height {
            s = max(Double(m.width) / Double(width), Double(m.height) / Double(height))
        }
        if let m = maxPixels, Double(width) * s > Double(m.width) + 1e-9 || Double(height) * s > Double(m.height) + 1e-9 {
            s = min(Double(m.width) / Double(width), Double(m.height) / Double(height))
        }
        return s
    }
}

/// A document's pixel size after fitting it to the document's digital limits.
public struct DigitalFit: Sendable, Equatable {
    /// The document with `pixelWidth`, `pixelHeight` and `dpi` replaced by the fitted values (print size unchanged).
    public var document: DocumentPreset
    /// Whether the print size at the preset's DPI was outside the pixel range and had to be rescaled.
    public var rescaled: Bool
    /// What was done, in words.
    public var detail: String

    /// Fits `document` to its digital pixel range. The print size stays; the pixel size is scaled uniformly (rounded
    /// to whole pixels, then clamped into the range) and the DPI recorded in the file becomes the pixel width over the
    /// print width in inches, so a print of the file still has the document's size.
    public init(_ document: DocumentPreset) {
        let w = document.pixelWidth, h = document.pixelHeight
        guard let limits = document.digital else {
            self.document = document
            rescaled = false
            detail = "\(w)×\(h) px at \(document.dpi) dpi (no digital pixel range published)"
            return
        }
        let s = limits.scale(width: w, height: h)
        guard abs(s - 1) > 1e-12 else {
            self.document = document
            rescaled = false
            detail = "\(w)×\(h) px at \(document.dpi) dpi" + Self.range(limits)
            return
        }
        var fw = Int((Double(w) * s).rounded()), fh = Int((Double(h) * s).rounded())
        if let m = limits.maxPixels { fw = min(fw, m.width); fh = min(fh, m.height) }
        if let m = limits.minPixels { fw = max(fw, m.width); fh = max(fh, m.height) }
        var d = document
        d.pixelWidth = fw
        d.pixelHeight = fh
        d.dpi = Int((Double(fw) / (document.widthMM / 25.4)).rounded())
        self.document = d
        rescaled = true
        detail = "\(w)×\(h) px at \(document.dpi) dpi is outside the digital range" + Self.range(limits)
            + ": scaled to \(fw)×\(fh) px (\(d.dpi) dpi at the same print size)"
    }

    /// The pixel range in words (" (354×472 to 420×560 px)"), empty when there is none.
    public static func range(_ l: DigitalLimits) -> String {
        let lo = l.minPixels.map { "\($0.width)×\($0.height)" }, hi = l.maxPixels.map { "\($0.width)×\($0.height)" }
        switch (lo, hi) {
        case let (a?, b?): return " (\(a) to \(b) px)"
        case let (a?, nil): return " (at least \(a) px)"
        case let (nil, b?): return " (at most \(b) px)"
        default: return ""
        }
    }
}
