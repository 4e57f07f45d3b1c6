import Foundation
import Hummingbird
import U2Net

/// What a request asks for: which model, and the pipeline's options (composition, refinement, format).
struct PhotoRequest: Sendable, Equatable {
    var model: String
    var options: CutoutOptions

    /// Output formats by the names `format=` takes. `ImageFormat(fileExtension:)` knows every format the library
    /// writes, so a new one (WebP) is accepted here as soon as the library has it; its media type is below.
    static func format(named name: String) -> ImageFormat? { ImageFormat(fileExtension: name) }

    /// The `Content-Type` of an answer in `format`.
    static func mediaType(of format: ImageFormat) -> String {
        let types = ["png": "image/png", "jpg": "image/jpeg", "webp": "image/webp"]
        return types[format.fileExtension] ?? "application/octet-stream"
    }

    /// Model names a request may give: a file name in the server's model folders, never a path.
    static func validModelName(_ name: String) -> Bool {
        guard !name.isEmpty, name.count <= 64, !name.hasPrefix("."), !name.hasSuffix(".onnx") else { return false }
        return name.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) && $0.isASCII || "._-".unicodeScalars.contains($0) }
    }

    static func bool(_ text: String?, _ field: String) throws -> Bool? {
        guard let text else { return nil }
        switch text.lowercased() {
        case "true", "1", "yes", "on", "": return true
        case "false", "0", "no", "off": return false
        default: throw APIError(.badRequest, "bad_option", "\(field) must be true or false, not '\(text)'")
        }
    }

    static func int(_ text: String?, _ field: String, _ range: ClosedRange<Int>) throws -> Int? {
        guard let text else { return nil }
        guard let v = Int(text), range.contains(v) else {
            throw APIError(.badRequest, "bad_option", "\(field) must be a whole number in \(range.lowerBound)...\(range.upperBound), not '\(text)'")
        }
        return v
    }

    static func model(_ text: String?, default fallback: String) throws -> String {
        guard let text else { return fallback }
        guard validModelName(text) else {
            throw APIError(.badRequest, "bad_option", "model must be a model name such as u2netp (letters, digits, '.', '_', '-'), not a path")
        }
        return text
    }

    /// `POST /v1/remove`'s query: `format=png|jpg`, `bg=COLOR`, `mask=true`, `refine=none|guided|closed-form`,
    /// `decontaminate=true`, `quality=1…100`, `model=NAME` — the command line's options.
    init(query get: (String) -> String?, defaultModel: String) throws {
        model = try Self.model(get("model"), default: defaultModel)
        options = CutoutOptions()
        if let f = get("format") {
            guard let format = Self.format(named: f) else {
                throw APIError(.badRequest, "bad_option", "format must be png or jpg, not '\(f)'")
            }
            options.format = format
        }
        if let q = try Self.int(get("quality"), "quality", 1...100) { options.jpegQuality = q }
        if let r = get("refine") {
            guard let method = Refinement.Method(rawValue: r) else {
                throw APIError(.badRequest, "bad_option", "refine must be none, guided or closed-form, not '\(r)'")
            }
            options.refinement.method = method
        }
        options.refinement.decontaminate = try Self.bool(get("decontaminate"), "decontaminate") ?? false
        let mask = try Self.bool(get("mask"), "mask") ?? false
        if let bg = get("bg") {
            guard let background = Background(color: bg) else {
                throw APIError(.badRequest, "bad_option",
                               "bg must be one of \(Background.colorNames.joined(separator: ", ")) or #RRGGBB, not '\(bg)'")
            }
            if mask { throw APIError(.badRequest, "bad_option", "give mask=true or bg, not both") }
            options.composition = .flatten(onto: background)
        }
        if mask { options.composition = .mask }
        if options.format == .jpeg && options.composition.isTransparent {
            throw APIError(.badRequest, "transparent_jpeg", "JPEG has no transparency: add bg=COLOR or mask=true, or ask for format=png")
        }
    }

    /// rembg's form (`rembg s`'s `/api/remove`): `model`, `a` (alpha matting), `af`, `ab`, `ae` (its trimap's
    /// foreground and background thresholds and erosion), `om` (only the mask), `ppm` (post-process the mask),
    /// `bgc` (`R,G,B,A` background). The answer is always PNG, as rembg's is.
    init(rembgFields get: (String) -> String?, defaultModel: String) throws {
        model = try Self.model(get("model"), default: defaultModel)
        options = CutoutOptions()
        if try Self.bool(get("a"), "a") == true {
            // rembg's alpha matting is closed-form matting over a trimap built from the mask; so is ours.
            options.refinement.method = .closedForm
            options.refinement.decontaminate = true
            options.refinement.trimapForeground = UInt8(try Self.int(get("af"), "af", 0...255) ?? 240)
            options.refinement.trimapBackground = UInt8(try Self.int(get("ab"), "ab", 0...255) ?? 10)
            options.refinement.trimapErode = try Self.int(get("ae"), "ae", 0...200) ?? 10
        }
        if try Self.bool(get("ppm"), "ppm") == true { options.refinement.cleanup = true }
        if try Self.bool(get("om"), "om") == true {
            options.composition = .mask
        } else if let bgc = get("bgc"), !bgc.isEmpty {
            let parts = bgc.trimmingCharacters(in: CharacterSet(charactersIn: "()[] ")).split(separator: ",")
                .map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard (parts.count == 3 || parts.count == 4), parts.allSatisfy({ $0 != nil && (0...255).contains($0!) }) else {
                throw APIError(.badRequest, "bad_option", "bgc must be R,G,B,A with each in 0...255, not '\(bgc)'")
            }
            let alpha = parts.count == 4 ? parts[3]! : 255
            if alpha == 255 {
                options.composition = .flatten(onto: .color(red: UInt8(parts[0]!), green: UInt8(parts[1]!), blue: UInt8(parts[2]!)))
            } else if alpha != 0 {
                throw APIError(.badRequest, "bad_option", "bgc's alpha must be 255 (opaque) or 0 (transparent, the plain cutout)")
            }
        }
    }
}
