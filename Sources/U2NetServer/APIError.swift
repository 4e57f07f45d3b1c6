import Foundation
import Hummingbird
import Imaging
import NIOCore
import U2Net

/// An error answered as JSON: `{"error": {"status": 413, "code": "body_too_large", "message": "…"}}`.
struct APIError: Error, CustomStringConvertible {
    var status: HTTPResponse.Status
    var code: String
    var message: String
    /// Seconds a client should wait before trying again (503s).
    var retryAfter: Int?

    init(_ status: HTTPResponse.Status, _ code: String, _ message: String, retryAfter: Int? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.retryAfter = retryAfter
    }

    var description: String { "\(status.code) \(code): \(message)" }

    var response: Response {
        let object: [String: Any] = ["error": ["status": Int(status.code), "code": code, "message": message]]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8"]
        if let retryAfter { headers[.retryAfter] = String(retryAfter) }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// The answer for an error thrown while decoding or processing a photo.
    static func from(_ error: Error, maxPixels: Int) -> APIError {
        switch error {
        case let e as APIError:
            return e
        case is NIOTooManyBytesError:
            return APIError(.contentTooLarge, "body_too_large", "the request body is larger than the server's limit (--max-body-mb)")
        case let e as HTTPError where e.status == .contentTooLarge:
            return APIError(.contentTooLarge, "body_too_large", "the request body is larger than the server's limit")
        case let ImagingError.decode(_, reason) where reason.hasPrefix("not a PNG"):
            return APIError(.unsupportedMediaType, "not_an_image", "the body is not a PNG, JPEG, WebP, HEIC, AVIF or TIFF image")
        case let ImagingError.decode(_, reason) where reason == "the file is empty":
            return APIError(.badRequest, "empty_body", "the request has no photo")
        case let ImagingError.decode(_, reason):
            return APIError(.unprocessableContent, "undecodable", "the photo cannot be decoded: \(reason)")
        case let ImagingError.tooLarge(_, w, h, _):
            return APIError(.unprocessableContent, "too_many_pixels",
                            "the photo is \(w)×\(h) pixels; this server takes at most \(maxPixels / 1_000_000) megapixels")
        case let e as ModelLocator.NotFound:
            return APIError(.badRequest, "unknown_model", "no model named '\(e.name)' on this server")
        case IDPhotoError.noFace:
            return APIError(.unprocessableContent, "no_face", IDPhotoError.noFace.description)
        case IDPhotoError.severalFaces(let n):
            return APIError(.unprocessableContent, "several_faces", IDPhotoError.severalFaces(n).description)
        case IDPhotoError.unknownDocument(let id):
            return APIError(.badRequest, "unknown_document", IDPhotoError.unknownDocument(id).description)
        case CutoutError.transparentJPEG:
            return APIError(.badRequest, "transparent_jpeg", "JPEG has no transparency: add bg=COLOR, mask=true, or ask for format=png")
        default:
            return APIError(.internalServerError, "internal", "\(error)")
        }
    }
}
