import Foundation
import Hummingbird
import NIOCore
import U2Net

/// `GET /v1/documents`: the ID-photo documents, with the same fields as `u2net-run idphoto --list-documents --json`.
enum DocumentListing {
    /// `{"documents": [...]}`, built once (the presets are data compiled in).
    static let body: Data = {
        let object: [String: Any] = ["documents": DocumentPreset.all.map(\.listingFields)]
        return (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
    }()

    static var response: Response {
        Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
                 body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}
