import Foundation

/// A named colour a document allows as its background.
public struct DocumentColor: Sendable, Equatable, Codable {
    /// The colour's name as the command takes it ("white", "off-white", …).
    public var name: String
    /// `#RRGGBB`.
    public var hex: String
    /// A colour from its name and `#RRGGBB`.
    public init(_ name: String, _ hex: String) { self.name = name; self.hex = hex }

    /// The colour's 8-bit RGB.
    public var rgb: (UInt8, UInt8, UInt8) {
        let v = UInt32(hex.dropFirst(), radix: 16) ?? 0xFFFFFF
        return (UInt8(v >> 16), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF))
    }
    public static func == (a: DocumentColor, b: DocumentColor) -> Bool { a.name == b.name && a.hex == b.hex }
}

/// What an authority accepts as a digital photo (online applications).
public struct DigitalLimits: Sendable, Equatable, Codable {
    /// Smallest accepted width and height in pixels.
    public var minPixels: (width: Int, height: Int)?
    /// Largest accepted width and height in pixels.
    public var maxPixels: (width: Int, height: Int)?
    /// Largest accepted file, in bytes.
    public var maxBytes: Int?
    /// Accepted file format.
    public var format: String

    /// Limits as (width, height) pixel pairs, a byte cap and a file format name.
    public init(minPixels: (Int, Int)? = nil, maxPixels: (Int, Int)? = nil, maxBytes: Int? = nil, format: String = "jpeg") {
        self.minPixels = minPixels.map { (width: $0.0, height: $0.1) }
        self.maxPixels = maxPixels.map { (width: $0.0, height: $0.1) }
        self.maxBytes = maxBytes
        self.format = format
    }
    public static func == (a: DigitalLimits, b: DigitalLimits) -> Bool {
        a.minPixels?.width == b.minPixels?.width && a.minPixels?.height == b.minPixels?.height
            && a.maxPixels?.width == b.maxPixels?.width && a.maxPixels?.height == b.maxPixels?.height
            && a.maxBytes == b.maxBytes && a.format == b.format
    }
    enum CodingKeys: String, CodingKey { case minWidth, minHeight, maxWidth, maxHeight, maxBytes, format }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(minPixels?.width, forKey: .minWidth)
        try c.encodeIfPresent(minPixels?.height, forKey: .minHeight)
        try c.encodeIfPresent(maxPixels?.width, forKey: .maxWidth)
        try c.encodeIfPresent(maxPixels?.height, forKey: .maxHeight)
        try c.encodeIfPresent(maxBytes, forKey: .maxBytes)
        try c.encode(format, forKey: .format)
    }
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        if let w = try c.decodeIfPresent(Int.self, forKey: .minWidth), let h = try c.decodeIfPresent(Int.self, forKey: .minHeight) { minPixels = (w, h) }
        if let w = try c.decodeIfPresent(Int.self, forKey: .maxWidth), let h = try c.decodeIfPresent(Int.self, forKey: .maxHeight) { maxPixels = (w, h) }
        maxBytes = try c.decodeIfPresent(Int.self, forKey: .maxBytes)
        format = try c.decode(String.self, forKey: .format)
    }
}

/// One ID document's photo rules, as data. Lengths are millimetres; the eye line is measured up from the bottom
/// edge; head height is chin to crown.
public struct DocumentPreset: Sendable, Equatable, Codable {
    /// The id the command takes (`us-passport`, `schengen`, …).
    public var id: String
    /// The document's name.
    public var name: String
    /// The issuing country or area.
    public var country: String
    /// Printed size.
    public var widthMM: Double
    /// Printed height in millimetres.
    public var heightMM: Double
    /// The resolution the pixel size is given at.
    public var dpi: Int
    /// The output's pixel size at `dpi`.
    public var pixelWidth: Int
    /// The output's pixel height at `dpi`.
    public var pixelHeight: Int
    /// Head height band, chin to crown.
    public var headMinMM: Double
    /// Head height band's upper end, millimetres.
    public var headMaxMM: Double
    /// Eye-line band above the bottom edge, where the rule has one.
    public var eyeMinMM: Double?
    /// Eye-line band's upper end above the bottom edge, millimetres.
    public var eyeMaxMM: Double?
    /// Whether the crown is the top of the hair (true) or the top of the head ignoring hair (ICAO's "crown").
    public var crownIncludesHair: Bool
    /// Allowed background colours; the first is the default.
    public var backgrounds: [DocumentColor]
    /// Limits on a digital photo, where the authority publishes them.
    public var digital: DigitalLimits?
    /// The authority forbids altered photos: the real background is kept and the photo only cropped.
    public var requiresUnalteredBackground: Bool
    /// Where the rules come from.
    public var source: String

    /// A preset; `pixelWidth` / `pixelHeight` default to the printed size at `dpi`.
    public init(id: String, name: String, country: String, widthMM: Double, heightMM: Double, dpi: Int = 300,
                pixelWidth: Int? = nil, pixelHeight: Int? = nil, headMM: (Double, Double), eyeMM: (Double, Double)? = nil,
                crownIncludesHair: Bool, backgrounds: [DocumentColor], digital: DigitalLimits? = nil,
                requiresUnalteredBackground: Bool = false, source: String) {
        self.id = id; self.name = name; self.country = country
        self.widthMM = widthMM; self.heightMM = heightMM; self.dpi = dpi
        self.pixelWidth = pixelWidth ?? Int((widthMM / 25.4 * Double(dpi)).rounded())
        self.pixelHeight = pixelHeight ?? Int((heightMM / 25.4 * Double(dpi)).rounded())
        self.headMinMM = headMM.0; self.headMaxMM = headMM.1
        self.eyeMinMM = eyeMM?.0; self.eyeMaxMM = eyeMM?.1
        self.crownIncludesHair = crownIncludesHair
        self.backgrounds = backgrounds; self.digital = digital
        self.requiresUnalteredBackground = requiresUnalteredBackground; self.source = source
    }

    /// Pixels per millimetre at the output's size (horizontal; presets are square-pixelled).
    public var pixelsPerMM: Double { Double(pixelWidth) / widthMM }

    static let white = DocumentColor("white", "#FFFFFF"), offWhite = DocumentColor("off-white", "#FAF9F6")
    static let lightGrey = DocumentColor("light-grey", "#D3D3D3"), cream = DocumentColor("cream", "#F3EEDC")

    /// The built-in documents. Each rule's source is in the comment above it and in `source`.
    /// (Sources as published by each authority; re-check them before relying on a preset — rules change.)
    public static let all: [DocumentPreset] = [
        // U.S. Department of State, "Photo Requirements" (travel.state.gov/content/travel/en/passports/how-apply/photos.html):
        // 2 × 2 in; head 1–1⅜ in (25–35 mm) from the bottom of the chin to the top of the head, hair included;
        // eyes 1⅛–1⅜ in (28–35 mm) above the bottom; plain white or off-white background; digital 600×600 to
        // 1200×1200 px, JPEG, at most 240 kB (the digital image requirements of the same site).
        DocumentPreset(id: "us-passport", name: "U.S. passport", country: "US", widthMM: 50.8, heightMM: 50.8,
                       pixelWidth: 600, pixelHeight: 600, headMM: (25, 35), eyeMM: (28, 35), crownIncludesHair: true,
                       backgrounds: [white, offWhite],
                       digital: DigitalLimits(minPixels: (600, 600), maxPixels: (1200, 1200), maxBytes: 240 * 1024),
                       source: "travel.state.gov — U.S. passport photo requirements; digital image requirements"),
        // U.S. Department of State, "Photo Requirements" for visas (travel.state.gov/content/travel/en/us-visas/
        // visa-information-resources/photos.html): the same 2 × 2 in composition; DS-160 upload 600×600 to
        // 1200×1200 px, JPEG, at most 240 kB.
        DocumentPreset(id: "us-visa", name: "U.S. visa", country: "US", widthMM: 50.8, heightMM: 50.8,
                       pixelWidth: 600, pixelHeight: 600, headMM: (25, 35), eyeMM: (28, 35), crownIncludesHair: true,
                       backgrounds: [white, offWhite],
                       digital: DigitalLimits(minPixels: (600, 600), maxPixels: (1200, 1200), maxBytes: 240 * 1024),
                       source: "travel.state.gov — U.S. visa photo requirements"),
        // GOV.UK, "Photos for passports" (www.gov.uk/photos-for-passports): 45 mm high × 35 mm wide; head 29–34 mm
        // from the bottom of the chin to the top of the head; plain cream or light grey background; the photo must
        // not be altered by software; digital at least 600 px wide and 750 px tall, JPEG, 50 KB–10 MB.
        DocumentPreset(id: "uk-passport", name: "UK passport", country: "GB", widthMM: 35, heightMM: 45,
                       headMM: (29, 34), crownIncludesHair: false, backgrounds: [lightGrey, cream],
                       digital: DigitalLimits(minPixels: (600, 750), maxBytes: 10 * 1024 * 1024),
                       requiresUnalteredBackground: true, source: "gov.uk/photos-for-passports"),
        // ICAO Doc 9303 (Machine Readable Travel Documents), Part 3, portrait guidance as used for Schengen visas
        // (EU Visa Code, Regulation (EC) No 810/2009, art. 13, and the Schengen members' photo guidelines):
        // 35 × 45 mm (413 × 531 px at 300 dpi); head 32–36 mm chin to crown — ICAO's crown is the top of the head
        // ignoring hair; plain light background.
        DocumentPreset(id: "schengen", name: "Schengen visa (ICAO 9303)", country: "EU", widthMM: 35, heightMM: 45,
                       pixelWidth: 413, pixelHeight: 531, headMM: (32, 36), crownIncludesHair: false,
                       backgrounds: [white, lightGrey], source: "ICAO Doc 9303 Part 3; EU Visa Code art. 13"),
        // Government of Canada, "Passport photos" (canada.ca/en/immigration-refugees-citizenship/services/
        // canadian-passports/photos.html): 50 mm wide × 70 mm high; face 31–36 mm from chin to crown (natural top
        // of head); plain white or light-coloured background; photos must not be altered.
        DocumentPreset(id: "canada-passport", name: "Canadian passport", country: "CA", widthMM: 50, heightMM: 70,
                       headMM: (31, 36), crownIncludesHair: false, backgrounds: [white, offWhite],
                       requiresUnalteredBackground: true, source: "canada.ca — Canadian passport photos"),
        // China Online Visa Application, photo requirements (bio.visaforchina.cn / the Chinese Visa Application
        // Service Centres): 33 mm wide × 48 mm high; head height 28–33 mm, head width 15–22 mm; white or near-white
        // background; digital 354–420 px wide × 472–560 px high, JPEG, 40–120 KB.
        DocumentPreset(id: "china-visa", name: "Chinese visa", country: "CN", widthMM: 33, heightMM: 48,
                       headMM: (28, 33), crownIncludesHair: true, backgrounds: [white],
                       digital: DigitalLimits(minPixels: (354, 472), maxPixels: (420, 560), maxBytes: 120 * 1024),
                       source: "visaforchina.cn — Chinese visa photo requirements"),
        // Passport Seva / Ministry of External Affairs, India, photo specifications for passport applications
        // (passportindia.gov.in; Indian missions' "photo specifications"): 2 × 2 in (51 × 51 mm); head 25–35 mm from
        // the bottom of the chin to the top of the hair; eyes 28–35 mm above the bottom; plain white background.
        DocumentPreset(id: "india-passport", name: "Indian passport", country: "IN", widthMM: 50.8, heightMM: 50.8,
                       pixelWidth: 600, pixelHeight: 600, headMM: (25, 35), eyeMM: (28, 35), crownIncludesHair: true,
                       backgrounds: [white], source: "passportindia.gov.in — photo specifications"),
        // Ministry of Foreign Affairs of Japan, passport photo standard (www.mofa.go.jp/mofaj/toko/passport/
        // pass_4.html): 35 × 45 mm; face from chin to the top of the head 34 mm ± 2 mm (32–36 mm); plain background
        // without pattern (light colours).
        DocumentPreset(id: "japan-passport", name: "Japanese passport", country: "JP", widthMM: 35, heightMM: 45,
                       headMM: (32, 36), crownIncludesHair: true, backgrounds: [white, lightGrey],
                       source: "mofa.go.jp — passport photo standard"),
        // Australian Passport Office, "Photo guidelines" (www.passports.gov.au): 35–40 mm wide × 45–50 mm high;
        // face 32–36 mm from chin to crown; plain white or light grey background.
        DocumentPreset(id: "australia-passport", name: "Australian passport", country: "AU", widthMM: 35, heightMM: 45,
                       headMM: (32, 36), crownIncludesHair: false, backgrounds: [white, lightGrey],
                       source: "passports.gov.au — photo guidelines"),
    ]

    /// A built-in preset by id.
    public static func named(_ id: String) -> DocumentPreset? { all.first { $0.id == id.lowercased() } }

    /// A custom document from `--size WxHmm` and `--head MIN-MAXmm` (white background, 300 dpi).
    public static func custom(widthMM: Double, heightMM: Double, headMinMM: Double, headMaxMM: Double, dpi: Int = 300) -> DocumentPreset {
        DocumentPreset(id: "custom", name: "Custom \(widthMM)×\(heightMM) mm", country: "", widthMM: widthMM, heightMM: heightMM,
                       dpi: dpi, headMM: (headMinMM, headMaxMM), crownIncludesHair: true, backgrounds: [white, lightGrey],
                       source: "given on the command line")
    }
}
