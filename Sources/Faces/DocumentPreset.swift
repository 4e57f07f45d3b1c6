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
    /// Band for the gap between the crown and the top edge, where the rule has one (millimetres).
    public var topMarginMinMM: Double?
    /// Upper end of the crown-to-top-edge band, millimetres.
    public var topMarginMaxMM: Double?
    /// Whether the crown is the top of the hair (true) or the top of the head ignoring hair (the skull's top).
    public var crownIncludesHair: Bool
    /// Allowed background colours; the first is the default.
    public var backgrounds: [DocumentColor]
    /// Limits on a digital photo, where the authority publishes them.
    public var digital: DigitalLimits?
    /// The authority forbids altered photos: the real background is kept and the photo only cropped.
    public var requiresUnalteredBackground: Bool
    /// The page the values were checked against (a URL), or, when no official page could be consulted, a sentence
    /// saying so and naming the pages that were.
    public var source: String
    /// Whether print size, head band and background were checked against an official government page (`source`).
    /// Values the official page does not state are named in the preset's comment.
    public var verified: Bool

    /// A preset; `pixelWidth` / `pixelHeight` default to the printed size at `dpi`.
    public init(id: String, name: String, country: String, widthMM: Double, heightMM: Double, dpi: Int = 300,
                pixelWidth: Int? = nil, pixelHeight: Int? = nil, headMM: (Double, Double), eyeMM: (Double, Double)? = nil,
                topMarginMM: (Double, Double)? = nil, crownIncludesHair: Bool, backgrounds: [DocumentColor],
                digital: DigitalLimits? = nil, requiresUnalteredBackground: Bool = false, source: String, verified: Bool) {
        self.id = id; self.name = name; self.country = country
        self.widthMM = widthMM; self.heightMM = heightMM; self.dpi = dpi
        self.pixelWidth = pixelWidth ?? Int((widthMM / 25.4 * Double(dpi)).rounded())
        self.pixelHeight = pixelHeight ?? Int((heightMM / 25.4 * Double(dpi)).rounded())
        self.headMinMM = headMM.0; self.headMaxMM = headMM.1
        self.eyeMinMM = eyeMM?.0; self.eyeMaxMM = eyeMM?.1
        self.topMarginMinMM = topMarginMM?.0; self.topMarginMaxMM = topMarginMM?.1
        self.crownIncludesHair = crownIncludesHair
        self.backgrounds = backgrounds; self.digital = digital
        self.requiresUnalteredBackground = requiresUnalteredBackground
        self.source = source; self.verified = verified
    }

    /// Pixels per millimetre at the output's size (horizontal; presets are square-pixelled).
    public var pixelsPerMM: Double { Double(pixelWidth) / widthMM }

    static let white = DocumentColor("white", "#FFFFFF"), offWhite = DocumentColor("off-white", "#FAF9F6")
    static let lightGrey = DocumentColor("light-grey", "#D3D3D3"), cream = DocumentColor("cream", "#F3EEDC")

    /// Byte caps: an authority's "kB" may mean 1000 or 1024 bytes, so a cap uses 1000 (the smaller) and a floor
    /// uses 1024 (the larger): a file inside both readings.
    static let kB = 1000, kiB = 1024

    /// The built-in documents. Each preset's comment says which official page its values were checked against
    /// (the exact URL, also in `source`) and which values that page does not state; where no official page could be
    /// consulted, the comment and `source` say so. Rules change: check the authority's page before relying on one.
    public static let all: [DocumentPreset] = [
        // https://bg.usembassy.gov/visas/nonimmigrant-visas/photo-requirements/ (U.S. Embassy in Bulgaria, the State
        // Department's text): 2 × 2 in (51 × 51 mm); head 1–1⅜ in (25–35 mm) "from the bottom of the chin to the top
        // of the head"; plain white or off-white background. Not on that page, kept from the State Department's
        // published template as quoted by third parties (not verified against the official page): eyes 1⅛–1⅜ in
        // (28–35 mm) above the bottom; hair counted in the head height; digital 600×600 to 1200×1200 px, JPEG,
        // at most 240 kB.
        DocumentPreset(id: "us-passport", name: "U.S. passport", country: "US", widthMM: 50.8, heightMM: 50.8,
                       pixelWidth: 600, pixelHeight: 600, headMM: (25, 35), eyeMM: (28, 35), crownIncludesHair: true,
                       backgrounds: [white, offWhite],
                       digital: DigitalLimits(minPixels: (600, 600), maxPixels: (1200, 1200), maxBytes: 240 * kB),
                       source: "https://bg.usembassy.gov/visas/nonimmigrant-visas/photo-requirements/", verified: true),
        // The same page and rules: it is the visa photo page, and it states the passport photo rules above.
        DocumentPreset(id: "us-visa", name: "U.S. visa", country: "US", widthMM: 50.8, heightMM: 50.8,
                       pixelWidth: 600, pixelHeight: 600, headMM: (25, 35), eyeMM: (28, 35), crownIncludesHair: true,
                       backgrounds: [white, offWhite],
                       digital: DigitalLimits(minPixels: (600, 600), maxPixels: (1200, 1200), maxBytes: 240 * kB),
                       source: "https://bg.usembassy.gov/visas/nonimmigrant-visas/photo-requirements/", verified: true),
        // Not verified against gov.uk (its page is not in the reference corpus). https://gov.tc/passports/photos
        // (Turks and Caicos Islands Government, British passports) gives the same printed rules: 45 mm high × 35 mm
        // wide; "from the crown of your head to your chin" 29–34 mm; plain cream or light grey background; photos
        // "unaltered by computer software". Digital (at least 600 px wide and 750 px tall, 50 KB–10 MB) only from
        // copies of the gov.uk text. "Crown" is not defined there; the top of the head ignoring hair is assumed.
        DocumentPreset(id: "uk-passport", name: "UK passport", country: "GB", widthMM: 35, heightMM: 45,
                       headMM: (29, 34), crownIncludesHair: false, backgrounds: [lightGrey, cream],
                       digital: DigitalLimits(minPixels: (600, 750), minBytes: 50 * kiB, maxBytes: 10 * 1000 * kB),
                       requiresUnalteredBackground: true,
                       source: "not verified against the official page (gov.uk); consulted https://gov.tc/passports/photos",
                       verified: false),
        // Not verified against the official page: ICAO Doc 9303 Part 3 and the EU Visa Code (Regulation (EC) No
        // 810/2009) are not in the reference corpus. Third-party pages agree on 35 × 45 mm, chin to crown 32–36 mm
        // (70–80% of the height), plain light background; ICAO's crown is taken as the top of the head without hair.
        DocumentPreset(id: "schengen", name: "Schengen visa (ICAO 9303)", country: "EU", widthMM: 35, heightMM: 45,
                       pixelWidth: 413, pixelHeight: 531, headMM: (32, 36), crownIncludesHair: false,
                       backgrounds: [white, lightGrey],
                       source: "not verified against the official page (ICAO Doc 9303 Part 3; EU Visa Code art. 13)",
                       verified: false),
        // Not verified against canada.ca (not in the reference corpus). Copies of Passport Canada's text (e.g.
        // https://123passportphoto.com/?country=CA&type=Passport+%28By+photographer+or+studio%29) agree: 50 mm wide ×
        // 70 mm high; face 31–36 mm "from chin to crown of head (natural top of head)"; plain white or
        // light-coloured background; "original photos that are not altered in any way".
        DocumentPreset(id: "canada-passport", name: "Canadian passport", country: "CA", widthMM: 50, heightMM: 70,
                       headMM: (31, 36), crownIncludesHair: false, backgrounds: [white, offWhite],
                       requiresUnalteredBackground: true,
                       source: "not verified against the official page (canada.ca); consulted copies of its text",
                       verified: false),
        // http://www.fmcoprc.gov.hk/eng/fwxx/wgrqz/t1418248.htm (Office of the Commissioner of China's Ministry of
        // Foreign Affairs in Hong Kong, visa photos from 15 Dec 2016): 48 × 33 mm; head width 15–22 mm; head height
        // up to 33 mm (the page's lower bound reads "20mm", a misprint beside the 28 mm of
        // http://english.nanjing.gov.cn/crj/zpbz/, which gives head length 28–33 mm); white or close to white
        // background; tilt ≤ 20° left/right. Not on these pages (copies of the online-application rules only, not
        // verified): digital 354×472 to 420×560 px, JPEG, 40–120 KB; crown 3–5 mm below the top edge.
        DocumentPreset(id: "china-visa", name: "Chinese visa", country: "CN", widthMM: 33, heightMM: 48,
                       headMM: (28, 33), topMarginMM: (3, 5), crownIncludesHair: true, backgrounds: [white],
                       digital: DigitalLimits(minPixels: (354, 472), maxPixels: (420, 560), minBytes: 40 * kiB,
                                              maxBytes: 120 * kB),
                       source: "http://www.fmcoprc.gov.hk/eng/fwxx/wgrqz/t1418248.htm", verified: true),
        // https://indianembassyrabat.gov.in/pages?id=vbmOe&subid=7ax9b&nextid=vbmOe (Embassy of India, Rabat):
        // 2 × 2 in (51 × 51 mm); "the entire head, from top of the hair to bottom of the chin"; plain white or
        // off-white background; eyes level, face centred. The head-height and eye-line numbers are in the spec sheet
        // it refers to (passport.gov.in Photo-Spec-FINAL.pdf, not in the reference corpus): 25–35 mm and 28–35 mm
        // are kept from the U.S.-style 2 × 2 in template and are not verified.
        DocumentPreset(id: "india-passport", name: "Indian passport", country: "IN", widthMM: 50.8, heightMM: 50.8,
                       pixelWidth: 600, pixelHeight: 600, headMM: (25, 35), eyeMM: (28, 35), crownIncludesHair: true,
                       backgrounds: [white, offWhite],
                       source: "https://indianembassyrabat.gov.in/pages?id=vbmOe&subid=7ax9b&nextid=vbmOe", verified: true),
        // https://cms.city.noboribetsu.lg.jp/docs/2017091400051 (a Japanese passport counter; the same rules at
        // https://www.pref.gifu.lg.jp/page/13379.html): 45 × 35 mm; face 32–36 mm from the top of the head to the
        // chin; 2–6 mm above the head; face centre 15–19 mm from the sides; no background (plain, no pattern or
        // shadow). MOFA's own page is not in the reference corpus.
        DocumentPreset(id: "japan-passport", name: "Japanese passport", country: "JP", widthMM: 35, heightMM: 45,
                       headMM: (32, 36), topMarginMM: (2, 6), crownIncludesHair: true, backgrounds: [white, lightGrey],
                       source: "https://cms.city.noboribetsu.lg.jp/docs/2017091400051", verified: true),
        // Not verified against passports.gov.au (not in the reference corpus). A copy of the Australian Passport
        // Office's photographers' guidelines (https://docslib.org/doc/7328328/guidelines-for-the-photographic-industry-
        // and-camera-operators, from passports.gov.au, 2010) gives 45–50 mm high × 35–40 mm wide and chin to crown
        // 32–36 mm; copies of the office's applicant text give a plain white or light grey background and define the
        // crown as the top of the head without hair.
        DocumentPreset(id: "australia-passport", name: "Australian passport", country: "AU", widthMM: 35, heightMM: 45,
                       headMM: (32, 36), crownIncludesHair: false, backgrounds: [white, lightGrey],
                       source: "not verified against the official page (passports.gov.au); consulted https://docslib.org/doc/7328328/guidelines-for-the-photographic-industry-and-camera-operators",
                       verified: false),
    ]

    /// A built-in preset by id.
    public static func named(_ id: String) -> DocumentPreset? { all.first { $0.id == id.lowercased() } }

    /// A custom document from `--size WxHmm` and `--head MIN-MAXmm` (white background, 300 dpi).
    public static func custom(widthMM: Double, heightMM: Double, headMinMM: Double, headMaxMM: Double, dpi: Int = 300) -> DocumentPreset {
        DocumentPreset(id: "custom", name: "Custom \(widthMM)×\(heightMM) mm", country: "", widthMM: widthMM, heightMM: heightMM,
                       dpi: dpi, headMM: (headMinMM, headMaxMM), crownIncludesHair: true, backgrounds: [white, lightGrey],
                       source: "given on the command line", verified: false)
    }
}
