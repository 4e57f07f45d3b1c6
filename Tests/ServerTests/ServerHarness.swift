import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import TestSupport
import XCTest

/// The built `u2net-run` binary and the example photos.
enum Paths {
    static var binary: URL { Bundle.main.bundleURL.appendingPathComponent("u2net-run") }
    static var astronaut: URL { FixturePaths.photos.appendingPathComponent("astronaut.png") }
    static var rocket: URL { FixturePaths.photos.appendingPathComponent("rocket.jpg") }
    /// A landscape without a face (600×400).
    static var coffee: URL { FixturePaths.photos.appendingPathComponent("coffee.png") }
    /// The portraits the ID-photo tests use.
    static var idPortraits: URL { FixturePaths.packagePath("Tests/EndToEndTests/Fixtures/idphoto") }
    static var faceModels: [URL] {
        ["face_detection_short_range.tflite", "face_landmark.tflite"].map { FixturePaths.packagePath("Weights/" + $0) }
    }
}

/// A free TCP port on loopback (bound to port 0, read back, closed).
func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw POSIXError(.EIO) }
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    addr.sin_port = 0
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
    guard bound == 0 else { throw POSIXError(.EADDRINUSE) }
    _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
    return Int(UInt16(bigEndian: addr.sin_port))
}

/// `u2net-run serve` running on a loopback port, stopped (SIGKILL) when the test ends unless stopped before.
final class ServerProcess: @unchecked Sendable {
    let process = Process()
    let port: Int
    let base: URL
    private let errors = Pipe()
    private var collected = Data()
    private let lock = NSLock()

    /// Starts `binary serve` in `directory` (the package by default; its `Weights/` are searched first), with
    /// `environment` if given (the test's own otherwise), and waits for `/readyz`.
    init(_ arguments: [String] = [], binary: URL = Paths.binary, directory: URL = FixturePaths.packageRoot,
         environment: [String: String]? = nil, file: StaticString = #filePath, line: UInt = #line) throws {
        try FixturePaths.requireU2netp()
        port = try freePort()
        base = URL(string: "http://127.0.0.1:\(port)")!
        process.executableURL = binary
        process.arguments = ["serve", "--port", String(port)] + arguments
        process.currentDirectoryURL = directory
        if let environment { process.environment = environment }
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        errors.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let d = handle.availableData
            guard let self else { return }
            self.lock.withLock { self.collected.append(d) }
        }
        try process.run()
        // Ready when /readyz answers 200 (the model is loaded).
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            if let r = try? HTTP.send("GET", base.appendingPathComponent("readyz"), timeout: 2), r.status == 200 { return }
            guard process.isRunning else { break }
            Thread.sleep(forTimeInterval: 0.1)
        }
        XCTFail("the server did not become ready: \(log)", file: file, line: line)
        throw POSIXError(.ETIMEDOUT)
    }

    var log: String { lock.withLock { String(decoding: collected, as: UTF8.self) } }

    func url(_ path: String) -> URL { URL(string: base.absoluteString + path)! }

    /// Sends a signal and waits for the exit status.
    @discardableResult
    func stop(_ signal: Int32 = SIGTERM, within seconds: Double = 30) -> Int32? {
        guard process.isRunning else { return process.terminationStatus }
        kill(process.processIdentifier, signal)
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit(); return nil }
        return process.terminationStatus
    }

    deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
}

/// A small blocking HTTP client over URLSession (its own session: no cookies, no cache, many connections).
enum HTTP {
    struct Answer {
        var status: Int
        var headers: [String: String]
        var body: Data
        var seconds: Double
        func header(_ name: String) -> String? { headers.first { $0.key.lowercased() == name.lowercased() }?.value }
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    static let session: URLSession = {
        let c = URLSessionConfiguration.ephemeral
        c.httpMaximumConnectionsPerHost = 64
        c.timeoutIntervalForRequest = 120
        c.requestCachePolicy = .reloadIgnoringLocalCacheData
        return URLSession(configuration: c)
    }()

    static func send(_ method: String, _ url: URL, body: Data? = nil, contentType: String? = nil, timeout: Double = 120) throws -> Answer {
        var request = URLRequest(url: url, timeoutInterval: timeout)
        request.httpMethod = method
        if let contentType { request.setValue(contentType, forHTTPHeaderField: "Content-Type") }
        if let body { request.httpBody = body }
        final class Box: @unchecked Sendable { var result: Result<Answer, Error>? }
        let box = Box()
        let done = DispatchSemaphore(value: 0)
        let start = Date()
        session.dataTask(with: request) { data, response, error in
            if let error { box.result = .failure(error) } else {
                let http = response as! HTTPURLResponse
                var headers: [String: String] = [:]
                for (k, v) in http.allHeaderFields { headers["\(k)"] = "\(v)" }
                box.result = .success(Answer(status: http.statusCode, headers: headers, body: data ?? Data(),
                                             seconds: Date().timeIntervalSince(start)))
            }
            done.signal()
        }.resume()
        done.wait()
        return try box.result!.get()
    }

    /// A multipart/form-data body with fields and one file.
    static func form(file: Data, fileName: String = "photo.png", fileType: String = "image/png",
                     fields: [(String, String)] = []) -> (body: Data, contentType: String) {
        let boundary = "u2net-test-\(UUID().uuidString)"
        var body = Data()
        for (name, value) in fields {
            body.append(Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8))
        }
        body.append(Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(fileName)\"\r\nContent-Type: \(fileType)\r\n\r\n".utf8))
        body.append(file)
        body.append(Data("\r\n--\(boundary)--\r\n".utf8))
        return (body, "multipart/form-data; boundary=\(boundary)")
    }
}

/// Raw bytes over a TCP connection to loopback, for requests URLSession will not send (a chunked body that
/// never ends within the limit; chromedriver's answers). Returns the status line's code (nil when the server closed
/// first), the whole answer as text, and its body.
func rawExchange(port: Int, head: String, chunks: [Data], timeout: Double = 10) -> (status: Int?, text: String, body: Data) {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    addr.sin_port = UInt16(port).bigEndian
    var tv = timeval(tv_sec: Int(timeout), tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    let ok = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
    guard ok == 0 else { return (nil, "connect failed", Data()) }
    func write(_ d: Data) -> Bool {
        d.withUnsafeBytes { raw in
            var sent = 0
            while sent < raw.count {
                let n = send(fd, raw.baseAddress! + sent, raw.count - sent, Int32(MSG_NOSIGNAL))
                if n <= 0 { return false }
                sent += n
            }
            return true
        }
    }
    _ = write(Data(head.utf8))
    for chunk in chunks { if !write(chunk) { break } }
    var received = Data()
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = recv(fd, &buffer, buffer.count, 0)
        if n <= 0 { break }
        received.append(contentsOf: buffer[0..<n])
        if let text = String(data: received, encoding: .utf8), let end = text.range(of: "\r\n\r\n"),
           let lengthLine = text[..<end.lowerBound].split(separator: "\r\n").first(where: { $0.lowercased().hasPrefix("content-length:") }),
           let length = Int(lengthLine.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)),
           received.count >= text.utf8.distance(from: text.utf8.startIndex, to: end.upperBound) + length { break }
    }
    let text = String(decoding: received, as: UTF8.self)
    let status = text.split(separator: " ", maxSplits: 2).dropFirst().first.flatMap { Int($0) }
    let body = received.range(of: Data("\r\n\r\n".utf8)).map { received[$0.upperBound...] } ?? Data()
    return (status, text, Data(body))
}

/// Runs the `u2net-run` binary and waits for it.
@discardableResult
func runCLI(_ arguments: [String]) throws -> (status: Int32, stderr: String, stdout: String) {
    let p = Process()
    p.executableURL = Paths.binary
    p.arguments = arguments
    p.currentDirectoryURL = FixturePaths.packageRoot
    let err = Pipe(), out = Pipe()
    p.standardError = err
    p.standardOutput = out
    // Standard output is read on a thread of its own: a full pipe would stop the command while standard error is read.
    final class Collected: @unchecked Sendable { var data = Data() }
    let collected = Collected(), done = DispatchSemaphore(value: 0)
    try p.run()
    Thread.detachNewThread {
        collected.data = out.fileHandleForReading.readDataToEndOfFile()
        done.signal()
    }
    let e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    done.wait()
    let o = collected.data
    return (p.terminationStatus, String(decoding: e, as: UTF8.self), String(decoding: o, as: UTF8.self))
}
