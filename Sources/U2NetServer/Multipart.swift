import Foundation

/// A `multipart/form-data` body split into its parts (RFC 7578). The body is already bounded in size; parts
/// are slices of it, nothing is copied to disk.
struct MultipartForm {
    struct Part {
        var name: String
        var filename: String?
        var contentType: String?
        var data: Data
    }

    var parts: [Part]

    func field(_ name: String) -> String? {
        parts.first { $0.name == name && $0.filename == nil }.map { String(decoding: $0.data, as: UTF8.self) }
    }

    func file(_ name: String) -> Part? { parts.first { $0.name == name } }

    /// The boundary a `Content-Type: multipart/form-data; boundary=…` header names, or nil.
    static func boundary(contentType: String) -> String? {
        let pieces = contentType.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        guard pieces.first?.lowercased() == "multipart/form-data" else { return nil }
        for piece in pieces.dropFirst() where piece.lowercased().hasPrefix("boundary=") {
            var value = piece.dropFirst("boundary=".count)
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = value.dropFirst().dropLast() }
            return value.isEmpty || value.count > 200 ? nil : String(value)
        }
        return nil
    }

    struct Malformed: Error, CustomStringConvertible {
        var description: String
    }

    init(_ body: Data, boundary: String) throws {
        let delimiter = Data(("--" + boundary).utf8)
        let crlf = Data("\r\n".utf8)
        guard var cursor = body.range(of: delimiter)?.upperBound else { throw Malformed(description: "no boundary in the body") }
        parts = []
        while true {
            // After a delimiter: "--" ends the body; otherwise CRLF and a part's headers.
            if body[cursor...].starts(with: Data("--".utf8)) { return }
            guard body[cursor...].starts(with: crlf) else { throw Malformed(description: "a boundary is not followed by a line break") }
            cursor += 2
            guard let headerEnd = body.range(of: Data("\r\n\r\n".utf8), in: cursor..<body.endIndex) else {
                throw Malformed(description: "a part's headers do not end")
            }
            guard headerEnd.lowerBound - cursor <= 16 * 1024 else { throw Malformed(description: "a part's headers are too long") }
            let headers = String(decoding: body[cursor..<headerEnd.lowerBound], as: UTF8.self)
            guard let next = body.range(of: crlf + delimiter, in: headerEnd.upperBound..<body.endIndex) else {
                throw Malformed(description: "a part does not end with the boundary")
            }
            var part = Part(name: "", filename: nil, contentType: nil, data: body[headerEnd.upperBound..<next.lowerBound])
            for line in headers.components(separatedBy: "\r\n") {
                guard let colon = line.firstIndex(of: ":") else { continue }
                let key = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
                let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                if key == "content-type" { part.contentType = value }
                if key == "content-disposition" {
                    for parameter in value.split(separator: ";").dropFirst() {
                        let kv = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                        guard kv.count == 2 else { continue }
                        var v = Substring(kv[1])
                        if v.hasPrefix("\""), v.hasSuffix("\""), v.count >= 2 { v = v.dropFirst().dropLast() }
                        if kv[0].lowercased() == "name" { part.name = String(v) }
                        if kv[0].lowercased() == "filename" { part.filename = String(v) }
                    }
                }
            }
            guard !part.name.isEmpty else { throw Malformed(description: "a part has no name") }
            parts.append(part)
            cursor = next.upperBound
        }
    }
}
