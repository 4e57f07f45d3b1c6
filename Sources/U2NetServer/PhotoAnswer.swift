import Foundation
import Hummingbird
import NIOCore

/// What a photo route's work answers: the body, its media type and any further headers (an ID photo's report).
struct PhotoAnswer: Sendable {
    var body: Data
    var contentType: String
    var headers = HTTPFields()

    var response: Response {
        var fields = headers
        fields[.contentType] = contentType
        return Response(status: .ok, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}
