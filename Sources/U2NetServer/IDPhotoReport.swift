import Foundation
import U2Net

/// An ID photo's compliance report as JSON: the fields of `u2net-run idphoto --json` (document, size, DPI, bytes,
/// file size and JPEG quality, transform, landmarks, head height, eye line, rotation, checks, milliseconds per
/// stage), without the file paths.
enum IDPhotoReport {
    /// The header that carries the report next to the image.
    static let header = "X-IDPhoto-Report"

    /// The report's fields. `transform` is exact; landmarks and millimetres are rounded to 0.01 as the command's are.
    static func fields(_ result: IDPhotoResult, requested: DocumentPreset, bytes: Int, format: ImageFormat,
                       milliseconds total: Double) -> [String: Any] {
        func point(_ p: PixelPoint) -> [Double] { [(p.x * 100).rounded() / 100, (p.y * 100).rounded() / 100] }
        func hundredths(_ v: Double) -> Double { (v * 100).rounded() / 100 }
        // The document as written: its pixel size may have been fitted to the document's digital range.
        let written = result.document
        var fileSize: [String: Any] = ["bytes": bytes]
        if let q = result.jpegQuality { fileSize["quality"] = q }
        if let cap = written.digital?.maxBytes { fileSize["maxBytes"] = cap }
        if let floor = written.digital?.minBytes { fileSize["minBytes"] = floor }
        if let check = result.checks.first(where: { $0.name == "file size" }) { fileSize["ok"] = check.ok }
        var object: [String: Any] = [
            "document": requested.id, "width": result.image.width, "height": result.image.height,
            "dpi": written.dpi, "bytes": bytes, "format": format.fileExtension, "fileSize": fileSize,
            "transform": result.transform.coefficients,
            "landmarks": ["crown": point(result.crown), "chin": point(result.chin),
                          "leftEye": point(result.leftEye), "rightEye": point(result.rightEye)],
            "headHeightMM": hundredths(result.frame.headHeightMM),
            "eyeLineMM": hundredths(result.frame.eyeLineMM),
            "rotationDegrees": hundredths(result.frame.rotationDegrees),
            "compliant": result.compliant,
            "checks": result.checks.map { ["name": $0.name, "ok": $0.ok, "detail": $0.detail] },
            "ms": result.milliseconds.merging(["total": total]) { a, _ in a }.mapValues { ($0 * 10).rounded() / 10 },
        ]
        if let q = result.jpegQuality { object["jpegQuality"] = q }
        return object
    }

    /// Compact JSON with sorted keys.
    static func json(_ object: [String: Any]) throws -> Data {
        try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    }

    /// Compact JSON that fits in a header: every character outside printable ASCII written as a `\uXXXX` escape
    /// (still the same JSON to any parser).
    static func headerValue(_ object: [String: Any]) throws -> String {
        var out = ""
        for unit in String(decoding: try json(object), as: UTF8.self).utf16 {
            if (0x20..<0x7F).contains(unit) {
                out.unicodeScalars.append(Unicode.Scalar(UInt8(unit)))
            } else {
                out += String(format: "\\u%04x", unit)
            }
        }
        return out
    }
}
