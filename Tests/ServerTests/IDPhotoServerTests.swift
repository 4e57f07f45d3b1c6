import Foundation
import TestSupport
import U2Net
import XCTest

/// `POST /v1/idphoto` and `GET /v1/documents` on the real server: the answers equal what `u2net-run idphoto`
/// writes and reports for the same photo; refusals name what is wrong; without the face models only ID photos
/// are refused, until the files appear.
final class IDPhotoServerTests: XCTestCase {
    func requireFaceModels() throws {
        for model in Paths.faceModels where !FileManager.default.fileExists(atPath: model.path) {
            XCTFail("\(model.lastPathComponent) is missing: run Tools/fetch-weights.sh")
            throw POSIXError(.ENOENT)
        }
    }

    func object(_ data: Data) throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any], String(decoding: data.prefix(300), as: UTF8.self))
    }

    /// A JSON value written with sorted keys, to compare values parsed from two documents.
    func canonical(_ value: Any) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: [value], options: [.sortedKeys]), as: UTF8.self)
    }

    func testIDPhotoEqualsTheCommandLinesFileAndReport() throws {
        try requireFaceModels()
        let server = try ServerProcess(["--threads", "2"])
        let ready = try object(try HTTP.send("GET", server.url("/readyz")).body)
        XCTAssertEqual(ready["idphoto"] as? String, "ready")
        let portrait = Paths.idPortraits.appendingPathComponent("astronaut.png")
        let photo = try Data(contentsOf: portrait)

        // The image with the report in a header.
        let answer = try HTTP.send("POST", server.url("/v1/idphoto?document=us-passport&bg=white"), body: photo, contentType: "image/png")
        XCTAssertEqual(answer.status, 200, answer.text)
        XCTAssertEqual(answer.header("Content-Type"), "image/jpeg")
        let image = try ImageFile.decode(answer.body, path: "answer")
        XCTAssertEqual([image.width, image.height], [600, 600])
        XCTAssertEqual(PixelDensity.read(answer.body), 300)
        let headerText = try XCTUnwrap(answer.header("X-IDPhoto-Report"))
        XCTAssertTrue(headerText.unicodeScalars.allSatisfy { $0.isASCII }, "a header is ASCII")
        let report = try object(Data(headerText.utf8))
        XCTAssertEqual(report["bytes"] as? Int, answer.body.count)

        // The command on the same photo.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("u2net-idphoto-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("cli.jpg")
        let cli = try runCLI(["idphoto", portrait.path, "--document", "us-passport", "--bg", "white", "-o", out.path,
                              "--json", "--threads", "2"])
        XCTAssertTrue([0, 1].contains(cli.status), cli.stderr)
        let line = try XCTUnwrap(cli.stdout.split(separator: "\n").last)
        let expected = try object(Data(line.utf8))

        // Every field of the command's report but its paths and timings, with the same values.
        let compared = Set(expected.keys).subtracting(["input", "output", "ms"])
        XCTAssertTrue(compared.isSubset(of: Set(report.keys)), "missing: \(compared.subtracting(report.keys))")
        XCTAssertNotNil(report["ms"] as? [String: Double])
        let t = try XCTUnwrap(report["transform"] as? [Double]), te = try XCTUnwrap(expected["transform"] as? [Double])
        XCTAssertEqual(t.count, 6)
        XCTAssertEqual(te.count, 6)
        for (a, b) in zip(t, te) { XCTAssertEqual(a, b, accuracy: 1e-6, "transform \(t) vs \(te)") }
        let checks = try XCTUnwrap(report["checks"] as? [[String: Any]])
        let expectedChecks = try XCTUnwrap(expected["checks"] as? [[String: Any]])
        XCTAssertGreaterThanOrEqual(checks.count, 8)
        XCTAssertEqual(checks.map { "\($0["name"]!) \($0["ok"]!) \($0["detail"]!)" },
                       expectedChecks.map { "\($0["name"]!) \($0["ok"]!) \($0["detail"]!)" })
        for key in ["document", "width", "height", "dpi", "bytes", "fileSize", "jpegQuality", "headHeightMM", "eyeLineMM", "rotationDegrees",
                    "compliant", "landmarks"] {
            XCTAssertEqual(try canonical(report[key] as Any), try canonical(expected[key] as Any), key)
        }
        XCTAssertEqual(answer.body, try Data(contentsOf: out), "the file differs from the command's")

        // report=json, the photo as multipart field 'file' with the options as fields: the same report and image.
        let form = HTTP.form(file: photo, fields: [("document", "us-passport"), ("bg", "white"), ("report", "json")])
        let json = try HTTP.send("POST", server.url("/v1/idphoto"), body: form.body, contentType: form.contentType)
        XCTAssertEqual(json.status, 200, json.text)
        XCTAssertEqual(json.header("Content-Type"), "application/json; charset=utf-8")
        let body = try object(json.body)
        XCTAssertEqual(body["mediaType"] as? String, "image/jpeg")
        XCTAssertEqual(Data(base64Encoded: try XCTUnwrap(body["image"] as? String)), answer.body)
        XCTAssertEqual(body["transform"] as? [Double], t)
        XCTAssertEqual((body["checks"] as? [[String: Any]])?.count, checks.count)

        // PNG, and a print sheet: six 2×2 in copies on 4×6 in at 300 dpi.
        let png = try HTTP.send("POST", server.url("/v1/idphoto?document=schengen&format=png"), body: photo, contentType: "image/png")
        XCTAssertEqual(png.status, 200, png.text)
        XCTAssertEqual(png.header("Content-Type"), "image/png")
        let pngImage = try ImageFile.decode(png.body, path: "answer")
        XCTAssertEqual([pngImage.width, pngImage.height], [413, 531])
        XCTAssertEqual(PixelDensity.read(png.body), 300)
        let sheet = try HTTP.send("POST", server.url("/v1/idphoto?document=us-passport&sheet=4x6in"), body: photo, contentType: "image/png")
        XCTAssertEqual(sheet.status, 200, sheet.text)
        let sheetImage = try ImageFile.decode(sheet.body, path: "answer")
        XCTAssertEqual([sheetImage.width, sheetImage.height], [1200, 1800])
        let sheetReport = try object(Data(try XCTUnwrap(sheet.header("X-IDPhoto-Report")).utf8))
        XCTAssertEqual((sheetReport["sheet"] as? [String: Any])?["copies"] as? Int, 6)
        XCTAssertEqual([sheetReport["width"] as? Int, sheetReport["height"] as? Int], [600, 600])

        // The documents, as the command lists them.
        let documents = try HTTP.send("GET", server.url("/v1/documents"))
        XCTAssertEqual(documents.status, 200)
        let list = try XCTUnwrap(try object(documents.body)["documents"] as? [[String: Any]])
        XCTAssertEqual(list.count, DocumentPreset.all.count)
        let listed = try runCLI(["idphoto", "--list-documents", "--json"])
        XCTAssertEqual(listed.status, 0, listed.stderr)
        let cliList = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]])
        XCTAssertEqual(try canonical(list), try canonical(cliList))
        let passport = try XCTUnwrap(list.first { $0["id"] as? String == "us-passport" })
        XCTAssertEqual([passport["width"] as? Int, passport["height"] as? Int, passport["dpi"] as? Int], [600, 600, 300])
        XCTAssertEqual(server.stop(), 0)
        XCTAssertFalse(server.log.contains("\u{89}PNG"), "the photo must never be logged")
    }

    func testRefusalsNameWhatIsWrong() throws {
        try requireFaceModels()
        let server = try ServerProcess(["--threads", "2"])
        let photo = try Data(contentsOf: Paths.idPortraits.appendingPathComponent("astronaut.png"))
        func post(_ query: String, _ body: Data = photo, type: String = "image/png") throws -> (HTTP.Answer, String, String) {
            let a = try HTTP.send("POST", server.url("/v1/idphoto" + query), body: body, contentType: type, timeout: 30)
            XCTAssertEqual(a.header("Content-Type"), "application/json; charset=utf-8", "\(query): \(a.text)")
            let error = (try? object(a.body))?["error"] as? [String: Any]
            return (a, error?["code"] as? String ?? "", error?["message"] as? String ?? "")
        }
        let (unknown, code, message) = try post("?document=mars-passport")
        XCTAssertEqual(unknown.status, 400)
        XCTAssertEqual(code, "unknown_document")
        XCTAssertTrue(message.contains("mars-passport") && message.contains("us-passport"), message)
        for query in ["", "?document=us-passport&format=gif", "?document=us-passport&bg=plaid", "?document=us-passport&report=xml",
                      "?document=us-passport&sheet=a0", "?document=us-passport&quality=0"] {
            let (a, code, _) = try post(query)
            XCTAssertEqual(a.status, 400, "\(query): \(a.text)")
            XCTAssertEqual(code, "bad_option", query)
        }

        // A landscape without a face, and two people.
        let (none, noneCode, noneMessage) = try post("?document=us-passport", try Data(contentsOf: Paths.coffee))
        XCTAssertEqual(none.status, 422, none.text)
        XCTAssertEqual(noneCode, "no_face")
        XCTAssertTrue(noneMessage.contains("no face"), noneMessage)
        let (two, twoCode, twoMessage) = try post("?document=us-passport", try PNGCodec.encode(try Self.twoPeople()))
        XCTAssertEqual(two.status, 422, two.text)
        XCTAssertEqual(twoCode, "several_faces")
        XCTAssertTrue(twoMessage.contains("2 faces"), twoMessage)

        // The limits /v1/remove has: the same machinery.
        let (text, textCode, _) = try post("?document=us-passport", Data("hello".utf8), type: "text/plain")
        XCTAssertEqual(text.status, 415)
        XCTAssertEqual(textCode, "not_an_image")
        let (huge, hugeCode, _) = try post("?document=us-passport", RawPNG.headerOnly(width: 60000, height: 60000))
        XCTAssertEqual(huge.status, 422)
        XCTAssertEqual(hugeCode, "too_many_pixels")
        let (empty, emptyCode, _) = try post("?document=us-passport", Data())
        XCTAssertEqual(empty.status, 400)
        XCTAssertEqual(emptyCode, "empty_body")
        XCTAssertEqual(try HTTP.send("POST", server.url("/v1/idphoto?document=us-passport"), body: photo, contentType: "image/png").status, 200)
        XCTAssertEqual(server.stop(), 0)
    }

    func testOverloadIsRefusedWithRetryAfter() throws {
        try requireFaceModels()
        let server = try ServerProcess(["--max-concurrent", "1", "--queue", "1", "--threads", "2"])
        let photo = try Data(contentsOf: Paths.idPortraits.appendingPathComponent("astronaut.png"))
        let all = burst(8) { try HTTP.send("POST", server.url("/v1/idphoto?document=us-passport"), body: photo, contentType: "image/png") }
        XCTAssertEqual(all.count, 8)
        for a in all {
            XCTAssertTrue(a.status == 200 || a.status == 503, "status \(a.status): \(a.text)")
            if a.status == 503 { XCTAssertNotNil(a.header("Retry-After").flatMap { Int($0) }, "a 503 without Retry-After") }
        }
        XCTAssertGreaterThanOrEqual(all.filter { $0.status == 200 }.count, 2, "the running request and the queued one complete")
        XCTAssertGreaterThan(all.filter { $0.status == 503 }.count, 0, "some requests are refused")
        XCTAssertEqual(server.stop(), 0)
    }

    /// The binary copied into a folder whose `Weights/` has only u2netp (and with no other model folder): ready,
    /// cutouts served, ID photos refused with 503 saying why — and made once the face models are put there.
    func testWithoutFaceModelsOnlyIDPhotosAreRefusedUntilTheyAppear() throws {
        try requireFaceModels()
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("u2net-nofaces-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        // <root>/pkg/.build/release/u2net-run: the folder the binary searches beside itself is <root>/pkg/Weights.
        let bin = root.appendingPathComponent("pkg/.build/release")
        let weights = root.appendingPathComponent("pkg/Weights")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: weights, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: Paths.binary, to: bin.appendingPathComponent("u2net-run"))
        try FileManager.default.createSymbolicLink(at: weights.appendingPathComponent("u2netp.onnx"),
                                                   withDestinationURL: FixturePaths.u2netpModel)
        var environment = ["HOME": root.path, "PATH": "/usr/bin:/bin"]
        environment["LD_LIBRARY_PATH"] = ProcessInfo.processInfo.environment["LD_LIBRARY_PATH"]
        let server = try ServerProcess(["--threads", "2"], binary: bin.appendingPathComponent("u2net-run"), directory: weights.deletingLastPathComponent(),
                                       environment: environment)
        let ready = try HTTP.send("GET", server.url("/readyz"))
        XCTAssertEqual(ready.status, 200)
        XCTAssertEqual(try object(ready.body)["idphoto"] as? String, "unavailable")
        let photo = try Data(contentsOf: Paths.idPortraits.appendingPathComponent("astronaut.png"))
        let refused = try HTTP.send("POST", server.url("/v1/idphoto?document=us-passport"), body: photo, contentType: "image/png")
        XCTAssertEqual(refused.status, 503, refused.text)
        let error = try XCTUnwrap(try object(refused.body)["error"] as? [String: Any])
        XCTAssertEqual(error["code"] as? String, "idphoto_unavailable")
        XCTAssertTrue((error["message"] as? String ?? "").contains("face_landmark.tflite"), "\(error)")
        XCTAssertEqual(try HTTP.send("POST", server.url("/v1/remove"), body: photo, contentType: "image/png").status, 200)
        XCTAssertEqual(try HTTP.send("GET", server.url("/v1/documents")).status, 200)

        for model in Paths.faceModels {
            try FileManager.default.createSymbolicLink(at: weights.appendingPathComponent(model.lastPathComponent), withDestinationURL: model)
        }
        let made = try HTTP.send("POST", server.url("/v1/idphoto?document=us-passport"), body: photo, contentType: "image/png")
        XCTAssertEqual(made.status, 200, made.text)
        XCTAssertEqual(try object(try HTTP.send("GET", server.url("/readyz")).body)["idphoto"] as? String, "ready")
        XCTAssertEqual(server.stop(), 0)
    }

    /// Two heads side by side: the astronaut's and Grace Hopper's, cut out of their portraits.
    static func twoPeople() throws -> Image {
        let a = try ImageFile.load(path: Paths.idPortraits.appendingPathComponent("astronaut.png").path)
        let h = try ImageFile.load(path: Paths.idPortraits.appendingPathComponent("grace_hopper.jpg").path)
        var canvas = Image(width: 600, height: 330, color: (255, 255, 255))
        func paste(_ source: Image, from x0: Int, width: Int, at ox: Int) {
            for y in 0..<min(canvas.height, source.height) {
                for x in 0..<width {
                    for c in 0..<3 { canvas.rgb[3 * (y * canvas.width + ox + x) + c] = source.rgb[3 * (y * source.width + x0 + x) + c] }
                }
            }
        }
        paste(a, from: 110, width: 280, at: 0)
        paste(h, from: 110, width: 300, at: 290)
        return canvas
    }
}
