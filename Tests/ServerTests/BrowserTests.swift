import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import TestSupport
import XCTest

/// The page in a real browser: headless Chromium driven through chromedriver's WebDriver API on loopback.
/// Chromium and chromedriver come from Debian (`Tools/setup.sh` installs them); without them the test fails.
final class BrowserTests: XCTestCase {
    func testPagePaintsTheCutoutRecoloursWithoutANewRequestAndFramesADocument() throws {
        let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }
        let driverPath = ["/usr/bin/chromedriver"].first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let chromium, let driverPath else {
            return XCTFail("chromium and chromedriver are needed (Tools/setup.sh installs them: apt-get install chromium chromium-driver)")
        }
        let server = try ServerProcess()
        let driver = try WebDriver(chromedriver: driverPath, chromium: chromium)
        defer { driver.quit() }

        try driver.navigate(server.url("/"))
        XCTAssertEqual(try driver.script("return document.body.dataset.state") as? String, "empty")
        let before = try removeCount(server)
        try driver.element("input#file").sendKeys(Paths.astronaut.path)
        try driver.waitFor("return document.body.dataset.state === 'ready' || document.body.dataset.state === 'error'", seconds: 90)
        XCTAssertEqual(try driver.script("return document.body.dataset.state") as? String, "ready",
                       "page error: \(String(describing: try? driver.script("return document.getElementById('error').textContent")))")
        XCTAssertEqual(try removeCount(server), before + 1, "one upload, one request")

        // A background pixel (transparent in the cutout): each swatch paints it at once.
        let point = try XCTUnwrap(driver.script("return window.u2net.backgroundPoint()") as? [Any])
        let (x, y) = (point[0] as! Int, point[1] as! Int)
        for (hex, rgb) in [("#FAF9F6", [250, 249, 246]), ("#D3D3D3", [211, 211, 211]), ("#FFFFFF", [255, 255, 255]),
                           ("#D6EAF8", [214, 234, 248])] {
            try driver.element("button[data-bg=\"\(hex)\"]").click()
            let pixel = try XCTUnwrap(driver.script("return window.u2net.pixel(\(x), \(y))") as? [Any]).compactMap { $0 as? Int }
            XCTAssertEqual(pixel, rgb + [255], "swatch \(hex) at (\(x), \(y))")
        }
        // The custom colour.
        _ = try driver.script("const c = document.getElementById('custom'); c.value = '#336699'; c.dispatchEvent(new Event('input')); return 0")
        let custom = try XCTUnwrap(driver.script("return window.u2net.pixel(\(x), \(y))") as? [Any]).compactMap { $0 as? Int }
        XCTAssertEqual(custom, [0x33, 0x66, 0x99, 255])
        try driver.element("button[data-bg=\"#D6EAF8\"]").click()

        // No new request for any of it: the page's counter and the server's.
        XCTAssertEqual(try driver.script("return window.u2net.requests") as? Int, 1)
        XCTAssertEqual(try removeCount(server), before + 1, "recolouring must not ask the server again")

        // Export PNG (transparent) and JPEG (flattened).
        try driver.element("#export-png").click()
        try driver.waitFor("return window.u2net.lastExport !== null && window.u2net.lastExport.type === 'image/png'", seconds: 10)
        try driver.element("#export-jpeg").click()
        try driver.waitFor("return window.u2net.lastExport.type === 'image/jpeg'", seconds: 10)
        let exported = try XCTUnwrap(driver.script("return window.u2net.lastExport") as? [String: Any])
        XCTAssertEqual(exported["width"] as? Int, 512)
        XCTAssertGreaterThan(exported["size"] as? Int ?? 0, 1000)

        // A document: the framed photo from /v1/idphoto at its exact size, the bands drawn over it, the checks.
        try driver.waitFor("return document.getElementById('document').dataset.loaded === 'true'", seconds: 10)
        _ = try driver.script("const s = document.getElementById('document'); s.value = 'us-passport'; s.dispatchEvent(new Event('change')); return 0")
        try driver.waitFor("const s = document.getElementById('document-view').dataset.state; return s === 'ready' || s === 'error'", seconds: 90)
        XCTAssertEqual(try driver.script("return document.getElementById('document-view').dataset.state") as? String, "ready",
                       "document: \(String(describing: try? driver.script("return document.getElementById('document-status').textContent")))")
        let natural = try XCTUnwrap(driver.script("const i = document.getElementById('document-photo'); return [i.naturalWidth, i.naturalHeight]") as? [Any])
        XCTAssertEqual(natural.compactMap { $0 as? Int }, [600, 600])
        let reported = try XCTUnwrap(driver.script("return window.u2net.document.report.checks.map(c => c.name)") as? [Any]).compactMap { $0 as? String }
        let listed = try XCTUnwrap(driver.script("return Array.from(document.querySelectorAll('#checks li')).map(li => li.textContent)") as? [Any])
            .compactMap { $0 as? String }
        XCTAssertGreaterThanOrEqual(reported.count, 8)
        XCTAssertEqual(listed.count, reported.count)
        for (line, name) in zip(listed, reported) { XCTAssertTrue(line.hasPrefix(name), "\(line) vs \(name)") }
        // The measured eye line lies in the eye band, the crown in the crown band (the astronaut passes both checks).
        let bands = try XCTUnwrap(driver.script("""
            const g = (n) => document.querySelector('#guides [data-guide="' + n + '"]');
            const band = (n) => [Number(g(n).getAttribute('y')), Number(g(n).getAttribute('y')) + Number(g(n).getAttribute('height'))];
            return [band('eye band'), Number(g('eyes').getAttribute('y1')), band('crown band'), Number(g('crown').getAttribute('y1')),
                    document.getElementById('guides').getAttribute('viewBox')];
            """) as? [Any])
        let eyeBand = try XCTUnwrap(bands[0] as? [Double]), eyes = try XCTUnwrap(bands[1] as? Double)
        let crownBand = try XCTUnwrap(bands[2] as? [Double]), crown = try XCTUnwrap(bands[3] as? Double)
        XCTAssertEqual(bands[4] as? String, "0 0 600 600")
        // us-passport: eyes 28–35 mm above the bottom at 300 dpi.
        XCTAssertEqual(eyeBand[0], 600 - 35 * 600 / 50.8, accuracy: 0.01)
        XCTAssertEqual(eyeBand[1], 600 - 28 * 600 / 50.8, accuracy: 0.01)
        XCTAssertTrue((eyeBand[0]...eyeBand[1]).contains(eyes), "eyes at \(eyes), band \(eyeBand)")
        XCTAssertTrue((crownBand[0]...crownBand[1]).contains(crown), "crown at \(crown), band \(crownBand)")
        try driver.element("#export-document").click()
        try driver.waitFor("return window.u2net.lastExport.type === 'image/jpeg' && window.u2net.lastExport.width === 600", seconds: 10)
        XCTAssertEqual(try driver.script("return window.u2net.lastExport.size === window.u2net.document.report.bytes") as? Bool, true)
        XCTAssertEqual(try driver.script("return window.u2net.documentRequests") as? Int, 1)
        XCTAssertEqual(try removeCount(server), before + 1, "choosing a document does not ask for the cutout again")

        // A screenshot for people (set U2NET_SCREENSHOT=PATH to keep it; Tools/images/serve-page.png is one).
        let shot = try driver.screenshot()
        XCTAssertTrue(shot.starts(with: [0x89, 0x50, 0x4E, 0x47]))
        let path = ProcessInfo.processInfo.environment["U2NET_SCREENSHOT"]
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("u2net-serve-page.png").path
        try shot.write(to: URL(fileURLWithPath: path))

        // An error is shown in the page.
        let textFile = FileManager.default.temporaryDirectory.appendingPathComponent("not-a-photo-\(UUID().uuidString).png")
        try Data("not a photo".utf8).write(to: textFile)
        defer { try? FileManager.default.removeItem(at: textFile) }
        try driver.element("input#file").sendKeys(textFile.path)
        try driver.waitFor("return document.body.dataset.state === 'error'", seconds: 30)
        let message = try driver.script("return document.getElementById('error').textContent") as? String ?? ""
        XCTAssertTrue(message.contains("not a PNG, JPEG"), message)
        XCTAssertEqual(server.stop(), 0)
    }

    /// Successful `/v1/remove` requests the server has counted.
    func removeCount(_ server: ServerProcess) throws -> Int {
        let text = try HTTP.send("GET", server.url("/metrics")).text
        for line in text.split(separator: "\n") where line.hasPrefix("u2net_requests_total{")
            && line.contains(#"route="/v1/remove""#) && line.contains(#"status="200""#) {
            return Int(Double(line.split(separator: " ").last ?? "0") ?? 0)
        }
        return 0
    }
}

/// The few WebDriver commands the test needs, as plain JSON over HTTP to chromedriver on loopback.
final class WebDriver {
    let process = Process()
    let port: Int
    var session = ""

    struct Failure: Error, CustomStringConvertible { var description: String }

    init(chromedriver: String, chromium: String) throws {
        port = try freePort()
        process.executableURL = URL(fileURLWithPath: chromedriver)
        process.arguments = ["--port=\(port)", "--allowed-ips=127.0.0.1"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            if let status = try? call("GET", "/status"), (status["value"] as? [String: Any])?["ready"] as? Bool == true { break }
            Thread.sleep(forTimeInterval: 0.1)
        }
        let downloads = FileManager.default.temporaryDirectory.appendingPathComponent("u2net-downloads").path
        let capabilities: [String: Any] = ["capabilities": ["alwaysMatch": [
            "browserName": "chrome",
            "goog:chromeOptions": [
                "binary": chromium,
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1100,900",
                         "--no-first-run", "--disable-extensions"],
                "prefs": ["download.default_directory": downloads, "download.prompt_for_download": false],
            ],
        ]]]
        let answer = try call("POST", "/session", capabilities)
        guard let id = (answer["value"] as? [String: Any])?["sessionId"] as? String else { throw Failure(description: "no session: \(answer)") }
        session = id
    }

    @discardableResult
    func call(_ method: String, _ path: String, _ body: [String: Any]? = nil) throws -> [String: Any] {
        // chromedriver writes headers without a space after the colon, which URLSession on Linux refuses: plain
        // HTTP/1.1 over a socket instead.
        let data = try body.map { try JSONSerialization.data(withJSONObject: $0) } ?? (method == "POST" ? Data("{}".utf8) : Data())
        let head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nContent-Type: application/json\r\n"
            + "Content-Length: \(data.count)\r\nConnection: close\r\n\r\n"
        let answer = rawExchange(port: port, head: head, chunks: [data], timeout: 120)
        guard let status = answer.status else { throw Failure(description: "\(method) \(path): no answer") }
        guard let object = try JSONSerialization.jsonObject(with: answer.body) as? [String: Any] else {
            throw Failure(description: "\(path): not JSON")
        }
        if status != 200 { throw Failure(description: "\(method) \(path): \(status) \(object)") }
        return object
    }

    func navigate(_ url: URL) throws { try call("POST", "/session/\(session)/url", ["url": url.absoluteString]) }

    func script(_ source: String) throws -> Any? {
        try call("POST", "/session/\(session)/execute/sync", ["script": source, "args": []])["value"]
    }

    func waitFor(_ condition: String, seconds: Double) throws {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try script(condition) as? Bool == true { return }
            Thread.sleep(forTimeInterval: 0.1)
        }
        throw Failure(description: "timed out waiting for: \(condition)")
    }

    struct Element {
        let driver: WebDriver
        let id: String
        func click() throws { try driver.call("POST", "/session/\(driver.session)/element/\(id)/click") }
        func sendKeys(_ text: String) throws { try driver.call("POST", "/session/\(driver.session)/element/\(id)/value", ["text": text]) }
    }

    func element(_ css: String) throws -> Element {
        let value = try call("POST", "/session/\(session)/element", ["using": "css selector", "value": css])["value"] as? [String: Any]
        guard let id = value?.values.first as? String else { throw Failure(description: "no element \(css)") }
        return Element(driver: self, id: id)
    }

    func screenshot() throws -> Data {
        guard let b64 = try call("GET", "/session/\(session)/screenshot")["value"] as? String, let png = Data(base64Encoded: b64) else {
            throw Failure(description: "no screenshot")
        }
        return png
    }

    func quit() {
        if !session.isEmpty { _ = try? call("DELETE", "/session/\(session)") }
        if process.isRunning { process.terminate(); process.waitUntilExit() }
    }
}
