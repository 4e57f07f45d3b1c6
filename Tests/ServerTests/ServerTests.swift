import Foundation
import TestSupport
import XCTest

/// The real `u2net-run serve` on a loopback port: answers equal to the command line's files, limits, overload,
/// hostile inputs and graceful shutdown (the issue's acceptance items 1, 3 and 6).
final class ServerTests: XCTestCase {
    func testAnswersEqualTheCommandLinesFiles() throws {
        let server = try ServerProcess()
        let photo = try Data(contentsOf: Paths.astronaut)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("u2net-serve-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }

        // /v1/remove, raw body: the cutout `u2net-run PHOTO` writes, byte for byte.
        let cutout = try HTTP.send("POST", server.url("/v1/remove"), body: photo, contentType: "image/png")
        XCTAssertEqual(cutout.status, 200, cutout.text)
        XCTAssertEqual(cutout.header("Content-Type"), "image/png")
        XCTAssertEqual(try runCLI([Paths.astronaut.path, "-o", dir.appendingPathComponent("cli.png").path]).status, 0)
        XCTAssertEqual(cutout.body, try Data(contentsOf: dir.appendingPathComponent("cli.png")), "/v1/remove differs from the CLI's cutout")

        // The same as multipart field 'file'.
        let form = HTTP.form(file: photo)
        let viaForm = try HTTP.send("POST", server.url("/v1/remove"), body: form.body, contentType: form.contentType)
        XCTAssertEqual(viaForm.status, 200)
        XCTAssertEqual(viaForm.body, cutout.body)

        // Options mirror the CLI's: flattened JPEG on off-white with guided refinement.
        let jpeg = try HTTP.send("POST", server.url("/v1/remove?format=jpg&bg=off-white&refine=guided&decontaminate=true"),
                                 body: photo, contentType: "image/png")
        XCTAssertEqual(jpeg.status, 200, jpeg.text)
        XCTAssertEqual(jpeg.header("Content-Type"), "image/jpeg")
        XCTAssertEqual(try runCLI([Paths.astronaut.path, "-o", dir.appendingPathComponent("cli.jpg").path, "--bg", "off-white",
                                   "--refine", "guided", "--decontaminate"]).status, 0)
        XCTAssertEqual(jpeg.body, try Data(contentsOf: dir.appendingPathComponent("cli.jpg")))

        // rembg's form with om=true: the mask `--mask-only` writes.
        let rembg = HTTP.form(file: photo, fields: [("model", "u2netp"), ("om", "true")])
        let mask = try HTTP.send("POST", server.url("/api/remove"), body: rembg.body, contentType: rembg.contentType)
        XCTAssertEqual(mask.status, 200, mask.text)
        XCTAssertEqual(mask.header("Content-Type"), "image/png")
        XCTAssertEqual(try runCLI([Paths.astronaut.path, "-o", dir.appendingPathComponent("mask.png").path, "--mask-only"]).status, 0)
        XCTAssertEqual(mask.body, try Data(contentsOf: dir.appendingPathComponent("mask.png")), "/api/remove om=true differs from --mask-only")

        // rembg's ?url= is refused, with the reason.
        let url = try HTTP.send("GET", server.url("/api/remove?url=http://169.254.169.254/latest"))
        XCTAssertEqual(url.status, 400)
        XCTAssertTrue(url.text.contains("SSRF"), url.text)

        // Bad options are JSON errors.
        let bad = try HTTP.send("POST", server.url("/v1/remove?format=gif"), body: photo, contentType: "image/png")
        XCTAssertEqual(bad.status, 400)
        XCTAssertEqual(bad.header("Content-Type"), "application/json; charset=utf-8")
        let pathModel = try HTTP.send("POST", server.url("/v1/remove?model=../../etc/passwd"), body: photo, contentType: "image/png")
        XCTAssertEqual(pathModel.status, 400)
        let unknownModel = try HTTP.send("POST", server.url("/v1/remove?model=nosuchmodel"), body: photo, contentType: "image/png")
        XCTAssertEqual(unknownModel.status, 400, unknownModel.text)

        // Health, readiness, metrics, the page.
        XCTAssertEqual(try HTTP.send("GET", server.url("/healthz")).status, 200)
        XCTAssertEqual(try HTTP.send("GET", server.url("/readyz")).status, 200)
        let metrics = try HTTP.send("GET", server.url("/metrics"))
        XCTAssertEqual(metrics.status, 200)
        for name in ["u2net_requests_total", "u2net_request_duration_seconds_bucket", "u2net_queue_depth", "u2net_in_flight",
                     "process_resident_memory_bytes"] {
            XCTAssertTrue(metrics.text.contains(name), "/metrics lacks \(name)")
        }
        XCTAssertTrue(metrics.text.contains(#"route="/v1/remove""#) && metrics.text.contains(#"status="200""#))
        let page = try HTTP.send("GET", server.url("/"))
        XCTAssertEqual(page.status, 200)
        XCTAssertTrue(page.text.contains(#"id="preview""#) && page.text.contains(##"data-bg="#FAF9F6""##))
        XCTAssertEqual(try HTTP.send("GET", server.url("/nothing-here")).status, 404)
        XCTAssertEqual(server.stop(), 0)
        XCTAssertFalse(server.log.contains("\u{89}PNG"), "the photo must never be logged")
    }

    func testOverloadAnswers200Or503WithRetryAfter() throws {
        let server = try ServerProcess(["--max-concurrent", "1", "--queue", "2"])
        let photo = try Data(contentsOf: Paths.astronaut)
        let all = burst(16) { try HTTP.send("POST", server.url("/v1/remove"), body: photo, contentType: "image/png") }
        XCTAssertEqual(all.count, 16)
        for a in all {
            XCTAssertTrue(a.status == 200 || a.status == 503, "status \(a.status): \(a.text)")
            if a.status == 503 { XCTAssertNotNil(a.header("Retry-After").flatMap { Int($0) }, "a 503 without Retry-After") }
        }
        let ok = all.filter { $0.status == 200 }.count
        XCTAssertGreaterThanOrEqual(ok, 3, "the running request and the two queued ones complete")
        XCTAssertGreaterThan(all.count - ok, 0, "some requests are refused")
        XCTAssertEqual(try HTTP.send("POST", server.url("/v1/remove"), body: photo, contentType: "image/png").status, 200)
        XCTAssertEqual(server.stop(), 0)
    }

    func testHostileInputsAre4xxWithinFiveSecondsAndTheServerKeepsServing() throws {
        let server = try ServerProcess(["--max-body-mb", "25", "--max-megapixels", "100"])
        let png = try Data(contentsOf: Paths.astronaut)
        let jpeg = try Data(contentsOf: Paths.rocket)
        let form = HTTP.form(file: png)
        let cases: [(String, Data, String)] = [
            ("truncated JPEG", jpeg.prefix(jpeg.count / 2), "image/jpeg"),
            ("empty body", Data(), "image/png"),
            ("text as PNG", Data(String(repeating: "this is not a picture\n", count: 100).utf8), "image/png"),
            ("60000×60000 PNG header", RawPNG.headerOnly(width: 60000, height: 60000), "image/png"),
            ("bad CRC", RawPNG.corruptingCRC(png), "image/png"),
            ("60 MB body", Data(count: 60 << 20), "image/png"),
            ("broken multipart", form.body.prefix(form.body.count - 40), form.contentType),
            ("multipart without a boundary", form.body, "multipart/form-data"),
            ("a text body", Data("hello".utf8), "text/plain"),
        ]
        for (name, body, type) in cases {
            let a = try HTTP.send("POST", server.url("/v1/remove"), body: body, contentType: type, timeout: 10)
            XCTAssertTrue((400..<500).contains(a.status), "\(name): status \(a.status) \(a.text)")
            XCTAssertLessThan(a.seconds, 5, "\(name) took \(a.seconds) s")
            XCTAssertEqual(a.header("Content-Type"), "application/json; charset=utf-8", name)
            XCTAssertTrue(a.text.contains(#""error""#), "\(name): \(a.text)")
        }
        let tooMany = try HTTP.send("POST", server.url("/v1/remove"), body: RawPNG.headerOnly(width: 60000, height: 60000), contentType: "image/png")
        XCTAssertEqual(tooMany.status, 422)
        XCTAssertTrue(tooMany.text.contains("too_many_pixels"))
        XCTAssertEqual(try HTTP.send("POST", server.url("/v1/remove"), body: Data(count: 60 << 20), contentType: "image/png").status, 413)

        // A chunked body (no Content-Length) is counted as it streams: 413 once it passes the limit.
        let chunk = Data(count: 1 << 20)
        var chunks: [Data] = []
        for _ in 0..<30 { chunks.append(Data(String(chunk.count, radix: 16).utf8) + Data("\r\n".utf8) + chunk + Data("\r\n".utf8)) }
        chunks.append(Data("0\r\n\r\n".utf8))
        let started = Date()
        let chunked = rawExchange(port: server.port, head: "POST /v1/remove HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: image/png\r\nTransfer-Encoding: chunked\r\n\r\n", chunks: chunks)
        XCTAssertEqual(chunked.status, 413, chunked.text)
        XCTAssertLessThan(Date().timeIntervalSince(started), 5)

        // Still serving.
        XCTAssertEqual(try HTTP.send("GET", server.url("/healthz")).status, 200)
        XCTAssertEqual(try HTTP.send("POST", server.url("/v1/remove"), body: png, contentType: "image/png").status, 200)
        XCTAssertEqual(server.stop(), 0)
    }

    func testSIGTERMFinishesRequestsInFlightRefusesNewOnesAndExitsZero() throws {
        let server = try ServerProcess(["--max-concurrent", "2", "--queue", "4"])
        let photo = try Data(contentsOf: Paths.astronaut)
        let answers = ConcurrentBox<HTTP.Answer>()
        let group = DispatchGroup()
        for _ in 0..<3 {
            group.enter()
            // Threads of their own: blocked Dispatch workers would starve URLSession's callbacks on two cores.
            Thread.detachNewThread {
                defer { group.leave() }
                // Closed-form refinement makes each photo take long enough to be caught in flight.
                if let a = try? HTTP.send("POST", server.url("/v1/remove?refine=closed-form&decontaminate=true"), body: photo,
                                          contentType: "image/png") { answers.append(a) }
            }
        }
        // Wait until the server is working on them.
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            let m = (try? HTTP.send("GET", server.url("/metrics")).text) ?? ""
            let inFlight = m.split(separator: "\n").first { $0.hasPrefix("u2net_in_flight ") }.flatMap { Double($0.split(separator: " ")[1]) } ?? 0
            if inFlight >= 1 { break }
            Thread.sleep(forTimeInterval: 0.02)
        }
        kill(server.process.processIdentifier, SIGTERM)
        Thread.sleep(forTimeInterval: 0.3)
        XCTAssertTrue(server.process.isRunning, "the server waits for the requests in flight")
        // A new connection is refused while they finish.
        let refused = try? HTTP.send("GET", server.url("/healthz"), timeout: 3)
        XCTAssertNil(refused, "a new request was answered after SIGTERM: \(refused?.status ?? 0)")
        group.wait()
        XCTAssertEqual(answers.items.count, 3, "every request in flight completed")
        XCTAssertTrue(answers.items.allSatisfy { $0.status == 200 })
        XCTAssertEqual(server.stop(within: 20), 0, "exit status after SIGTERM")
    }
}

/// `count` requests sent at once, each from a thread of its own, released together (Dispatch would run only as
/// many at once as there are cores); the answers of those that got one (a failure to send fails the test).
func burst(_ count: Int, _ send: @escaping @Sendable () throws -> HTTP.Answer) -> [HTTP.Answer] {
    let answers = ConcurrentBox<HTTP.Answer>()
    let start = DispatchSemaphore(value: 0), finished = DispatchGroup()
    for _ in 0..<count {
        finished.enter()
        Thread.detachNewThread {
            start.wait()
            do { answers.append(try send()) } catch { XCTFail("request failed: \(error)") }
            finished.leave()
        }
    }
    for _ in 0..<count { start.signal() }
    finished.wait()
    return answers.items
}

final class ConcurrentBox<T>: @unchecked Sendable {
    private var storage: [T] = []
    private let lock = NSLock()
    func append(_ item: T) { lock.withLock { storage.append(item) } }
    var items: [T] { lock.withLock { storage } }
}
