import Foundation
import U2Net

/// What `POST /v1/idphoto` asks for: the document, its background, the file format, a print sheet, and where the
/// report goes — the options of `u2net-run idphoto`.
struct IDPhotoRequest: Sendable {
    var document: DocumentPreset
    /// The background colour; nil takes the document's first allowed colour.
    var background: (UInt8, UInt8, UInt8)?
    var format: ImageFormat = .jpeg
    /// The JPEG quality to start from (stepped down for a document's file-size cap).
    var quality = 92
    var straighten = true
    /// Keep the print size at the document's DPI rather than fitting the document's digital pixel range (`--print`).
    var printSize = false
    /// A print sheet's name and size in millimetres (`4x6in`, `10x15cm`, `a4`): the image answered is the sheet.
    var sheet: (name: String, widthMM: Double, heightMM: Double)?
    /// The answer is JSON (the report with the image in base64) rather than the image with the report in a header.
    var jsonReport = false

    /// Parses `document=ID`, `bg=NAME|#RRGGBB`, `format=jpg|png`, `quality=1…100`, `straighten=false`,
    /// `print=true`, `sheet=4x6in|10x15cm|a4`, `report=json|header`.
    init(query get: (String) -> String?) throws {
        guard let id = get("document"), !id.isEmpty else {
            throw APIError(.badRequest, "bad_option", "give document=ID; GET /v1/documents lists them (\(Self.knownDocuments))")
        }
        guard let document = DocumentPreset.named(id) else {
            throw APIError(.badRequest, "unknown_document", "unknown document '\(Self.printable(id))'; known: \(Self.knownDocuments)")
        }
        self.document = document
        if let bg = get("bg"), !bg.isEmpty {
            var named: (UInt8, UInt8, UInt8)?
            if case let .color(r, g, b)? = Background(color: bg) { named = (r, g, b) }
            guard let colour = named ?? document.backgrounds.first(where: { $0.name == bg.lowercased() })?.rgb else {
                throw APIError(.badRequest, "bad_option",
                               "bg must be one of \(Background.colorNames.joined(separator: ", ")), a colour of the document "
                               + "(\(document.backgrounds.map(\.name).joined(separator: ", "))) or #RRGGBB, not '\(Self.printable(bg))'")
            }
            background = colour
        }
        if let f = get("format") {
            guard let format = PhotoRequest.format(named: f), format == .jpeg || format == .png else {
                throw APIError(.badRequest, "bad_option", "format must be jpg or png, not '\(Self.printable(f))'")
            }
            self.format = format
        }
        quality = try PhotoRequest.int(get("quality"), "quality", 1...100) ?? 92
        straighten = try PhotoRequest.bool(get("straighten"), "straighten") ?? true
        printSize = try PhotoRequest.bool(get("print"), "print") ?? false
        if let s = get("sheet"), !s.isEmpty {
            guard let size = PrintSheet.sizes[s.lowercased()] else {
                throw APIError(.badRequest, "bad_option",
                               "sheet must be one of \(PrintSheet.sizes.keys.sorted().joined(separator: ", ")), not '\(Self.printable(s))'")
            }
            sheet = (s.lowercased(), size.0, size.1)
        }
        switch get("report")?.lowercased() {
        case nil, "header": jsonReport = false
        case "json": jsonReport = true
        case let other?: throw APIError(.badRequest, "bad_option", "report must be json or header, not '\(Self.printable(other))'")
        }
    }

    static var knownDocuments: String { DocumentPreset.all.map(\.id).joined(separator: ", ") }

    /// A value from the request, shortened for an error message.
    static func printable(_ text: String) -> String { text.count > 64 ? String(text.prefix(64)) + "…" : text }
}
