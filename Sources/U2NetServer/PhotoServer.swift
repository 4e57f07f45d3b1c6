import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import U2Net

/// `u2net-run serve`: the HTTP service. Stateless (any replica answers any request), nothing written to disk,
/// photos never logged; limits enforced before large allocations.
public final class PhotoServer: @unchecked Sendable {
    let configuration: ServerConfiguration
    let admission: Admission
    let metrics = ServerMetrics()
    let logger: Logger
    /// The face models and the ID-photo maker for `/v1/idphoto`.
    let idPhotos: IDPhotoLoader
    private let lock = NSLock()
    private var pipelines: [String: CutoutPipeline] = [:]
    private var loading = Set<String>()
    private var isReady = false
    private var isDraining = false
    /// Recent seconds per photo (moving average), for `Retry-After`.
    private var secondsPerPhoto = 1.0

    /// A server with these limits; nothing listens or loads until ``run()``.
    public init(configuration: ServerConfiguration) {
        self.configuration = configuration
        admission = Admission(maxConcurrent: configuration.maxConcurrent, queue: configuration.queue)
        idPhotos = IDPhotoLoader(threads: configuration.threads)
        var logger = Logger(label: "u2net-run.serve")
        logger.logLevel = ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
        self.logger = logger
    }

    var ready: Bool { lock.withLock { isReady && !isDraining } }

    /// Runs until SIGTERM or SIGINT: then stops accepting connections, lets requests in flight finish, and returns.
    public func run() async throws {
        let app = Application(
            router: makeRouter(),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "u2net-run"),
            onServerRunning: { [logger] channel in
                let port = channel.localAddress?.port ?? 0
                logger.info("listening", metadata: ["url": "http://\(self.configuration.host):\(port)"])
                FileHandle.standardError.write(Data("u2net-run serve: listening on http://\(self.configuration.host):\(port)\n".utf8))
            },
            logger: logger)
        // Load the default model beside the server: /healthz answers at once, /readyz once it is loaded.
        let model = configuration.model
        Thread.detachNewThread { [self] in
            do {
                _ = try pipeline(named: model)
                logger.info("model loaded", metadata: ["model": "\(model)"])
                // The face models next; without them only /v1/idphoto is refused (503), the cutout routes serve.
                switch idPhotos.loadAtStart() {
                case .ready: logger.info("face models loaded")
                case .unavailable(let why): logger.warning("ID photos unavailable", metadata: ["reason": "\(why)"])
                }
                lock.withLock { isReady = true }
            } catch {
                logger.critical("cannot load the model", metadata: ["model": "\(model)", "error": "\(error)"])
                FileHandle.standardError.write(Data("u2net-run serve: error: \(error)\n".utf8))
                exit(2)
            }
        }
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: app), .init(service: DrainWatch { [self] in
                lock.withLock { isDraining = true }
                logger.info("shutting down: no new connections, finishing requests in flight")
            })],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        try await group.run()
        logger.info("stopped")
    }

    /// The pipeline for a model name, loaded on first use.
    func pipeline(named name: String) throws -> CutoutPipeline {
        if let p = lock.withLock({ pipelines[name] }) { return p }
        let p = try CutoutPipeline(model: name, threads: configuration.threads)
        return lock.withLock {
            if let existing = pipelines[name] { return existing }
            pipelines[name] = p
            return p
        }
    }

    func retryAfterSeconds() -> Int {
        let perPhoto = lock.withLock { secondsPerPhoto }
        let waiting = Double(configuration.queue + configuration.maxConcurrent)
        return max(1, Int((waiting * perPhoto / Double(configuration.maxConcurrent)).rounded(.up)))
    }

    // MARK: Routes

    func makeRouter() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: AccessLog(server: self))
        router.get("/") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-cache"],
                     body: .init(byteBuffer: ByteBuffer(string: Page.html)))
        }
        router.get("/healthz") { _, _ in Self.json(["status": "alive"]) }
        router.get("/readyz") { [self] _, _ in
            if ready {
                return Self.json(["status": "ready", "model": configuration.model,
                                  "idphoto": idPhotos.unavailable() == nil ? "ready" : "unavailable"])
            }
            let draining = lock.withLock { isDraining }
            return APIError(.serviceUnavailable, draining ? "draining" : "loading",
                            draining ? "the server is shutting down" : "the model is loading", retryAfter: 1).response
        }
        router.get("/metrics") { [self] _, _ in
            let text = metrics.exposition(queued: admission.queued, inFlight: admission.inFlight, ready: ready)
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(string: text)))
        }
        router.post("/v1/remove") { [self] request, _ in
            await handle(request, options: { query, form in
                if let form {
                    // Options may come as form fields too; the query wins.
                    return try PhotoRequest(query: { query($0) ?? form.field($0) }, defaultModel: self.configuration.model)
                }
                return try PhotoRequest(query: query, defaultModel: self.configuration.model)
            }, work: cutout)
        }
        router.post("/api/remove") { [self] request, _ in
            if request.uri.queryParameters.get("url") != nil { return Self.refuseURL() }
            return await handle(request, requireForm: true, options: { query, form in
                try PhotoRequest(rembgFields: { form?.field($0) ?? query($0) }, defaultModel: self.configuration.model)
            }, work: cutout)
        }
        router.post("/v1/idphoto") { [self] request, _ in
            await handle(request, available: { self.idPhotos.unavailable() }, options: { query, form in
                try IDPhotoRequest(query: { query($0) ?? form?.field($0) })
            }, work: idPhoto)
        }
        router.get("/v1/documents") { _, _ in DocumentListing.response }
        router.get("/api/remove") { request, _ in
            if request.uri.queryParameters.get("url") != nil { return Self.refuseURL() }
            return APIError(.methodNotAllowed, "post_the_photo", "POST the photo as multipart field 'file'").response
        }
        return router
    }

    static func refuseURL() -> Response {
        APIError(.badRequest, "url_refused",
                 "this server does not fetch URLs: a server that downloads whatever address it is given can be made to "
                 + "reach internal services (server-side request forgery, SSRF); POST the photo itself as multipart field 'file'").response
    }

    static func json(_ object: [String: String], status: HTTPResponse.Status = .ok) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return Response(status: status, headers: [.contentType: "application/json; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// One photo request, from the headers to the answer: size check, admission, body, options, a slot, the
    /// work under the time limit. Every refusal is a JSON error. Each photo route brings its options (parsed from
    /// the query, and from the form once the body is read), an optional check that what it needs is loaded, and its
    /// work (run on a worker thread of its own while the request holds a slot).
    func handle<Job: Sendable>(_ request: Request, requireForm: Bool = false, available: (() -> APIError?)? = nil,
                               options: @escaping ((String) -> String?, MultipartForm?) throws -> Job,
                               work: @escaping @Sendable (Data, Job) throws -> PhotoAnswer) async -> Response {
        let started = ContinuousClock.now
        let limit = configuration.maxBodyBytes
        let timeout = configuration.timeoutSeconds
        // 1. The declared size, before a byte of the body is read.
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > limit {
            metrics.refused(reason: "body_too_large")
            return APIError(.contentTooLarge, "body_too_large",
                            "the body is \(length) bytes; this server takes at most \(limit) (--max-body-mb)").response
        }
        // 2. What the body is: a photo, or a form with the photo in field 'file'.
        let contentType = request.headers[.contentType] ?? ""
        let boundary = MultipartForm.boundary(contentType: contentType)
        let mediaType = contentType.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        if boundary == nil {
            if mediaType.hasPrefix("multipart/") {
                return APIError(.badRequest, "bad_multipart", "a multipart body needs Content-Type multipart/form-data with a boundary").response
            }
            if requireForm {
                return APIError(.unsupportedMediaType, "form_expected", "send multipart/form-data with the photo in field 'file'").response
            }
            if !(mediaType.isEmpty || mediaType.hasPrefix("image/") || mediaType == "application/octet-stream") {
                return APIError(.unsupportedMediaType, "not_an_image", "send the photo with an image/* type (or application/octet-stream), or as multipart field 'file' (got \(mediaType))").response
            }
        }
        // 3. Options that need no body are checked first, so a bad query costs nothing.
        let query = request.uri.queryParameters
        if boundary == nil {
            do { _ = try options({ query.get($0) }, nil) } catch { return APIError.from(error, maxPixels: configuration.maxPixels).response }
        }
        // 4. Not before the model is loaded (a load balancer waits for /readyz; a direct client is told to retry).
        guard lock.withLock({ isReady }) else {
            return APIError(.serviceUnavailable, "loading", "the model is still loading", retryAfter: 1).response
        }
        if let missing = available?() { return missing.response }
        // 5. A place among the admitted, or 503 at once.
        guard admission.admit() else {
            metrics.refused(reason: "queue_full")
            return APIError(.serviceUnavailable, "busy",
                            "the server is busy (\(configuration.maxConcurrent) running, \(configuration.queue) waiting); try again",
                            retryAfter: retryAfterSeconds()).response
        }
        // 6. The body, counted while it streams in.
        let photo: Data
        let asked: Job
        do {
            // A body that does not arrive within the time limit gives its place back (a slow client cannot hold it).
            let buffer = try await withThrowingTaskGroup(of: ByteBuffer?.self) { group in
                group.addTask { try await request.body.collect(upTo: limit) }
                group.addTask { try await Task.sleep(for: .seconds(timeout)); return nil }
                let first = try await group.next()!
                group.cancelAll()
                guard let first else {
                    throw APIError(.requestTimeout, "body_timeout", "the body did not arrive within \(Int(timeout)) s (--timeout-s)")
                }
                return first
            }
            let body = Data(buffer.readableBytesView)
            if let boundary {
                let form: MultipartForm
                do { form = try MultipartForm(body, boundary: boundary) } catch {
                    throw APIError(.badRequest, "bad_multipart", "the multipart body is broken: \(error)")
                }
                guard let file = form.file("file") else {
                    throw APIError(.badRequest, "no_file", "the form has no field 'file' with the photo")
                }
                photo = file.data
                asked = try options({ query.get($0) }, form)
            } else {
                photo = body
                asked = try options({ query.get($0) }, nil)
            }
            if photo.isEmpty { throw APIError(.badRequest, "empty_body", "the request has no photo") }
        } catch {
            admission.abandon()
            let e = APIError.from(error, maxPixels: configuration.maxPixels)
            if e.status == .contentTooLarge { metrics.refused(reason: "body_too_large") }
            return e.response
        }
        // 7. A slot within what is left of the time limit.
        let waited = Self.seconds(since: started)
        guard await admission.acquire(within: max(0.001, timeout - waited)) else {
            metrics.refused(reason: "queue_timeout")
            return APIError(.serviceUnavailable, "queue_timeout", "no slot came free within \(Int(timeout)) s (--timeout-s)",
                            retryAfter: retryAfterSeconds()).response
        }
        // 8. The pipeline, racing the rest of the time limit. The slot is released when the work ends, even if the
        //    answer has gone out as a 504 before.
        let remaining = max(0.001, timeout - Self.seconds(since: started))
        do {
            return try await process(photo, asked, timeout: remaining, work: work).response
        } catch {
            return APIError.from(error, maxPixels: configuration.maxPixels).response
        }
    }

    static func seconds(since start: ContinuousClock.Instant) -> Double {
        let d = ContinuousClock.now - start
        return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }

    /// Runs a photo's work (decode, the pipeline, encode) on a worker thread; holds the slot until done.
    func process<Job: Sendable>(_ photo: Data, _ asked: Job, timeout: Double,
                                work: @escaping @Sendable (Data, Job) throws -> PhotoAnswer) async throws -> PhotoAnswer {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<PhotoAnswer, Error>) in
            let outcome = FirstOutcome(continuation)
            // A thread of its own, not Dispatch's pool: Swift concurrency's tasks (every other request, the signal
            // handler) run on that pool, and a photo must not hold one of its few threads for its whole run.
            Thread.detachNewThread { [self] in
                let start = ContinuousClock.now
                defer { admission.release() }
                outcome.resume(with: Result { try work(photo, asked) })
                let seconds = Self.seconds(since: start)
                metrics.photo(nanoseconds: UInt64(seconds * 1e9))
                lock.withLock { secondsPerPhoto = 0.8 * secondsPerPhoto + 0.2 * seconds }
            }
            DispatchQueue.global().asyncAfter(deadline: .now() + timeout) { [configuration] in
                outcome.resume(with: .failure(APIError(.gatewayTimeout, "timeout",
                                                       "the photo took longer than \(Int(configuration.timeoutSeconds)) s (--timeout-s)")))
            }
        }
    }

    /// The photo as the body sent it, decoded within the server's pixel limit.
    func decode(_ photo: Data) throws -> Image {
        try ImageFile.decode(photo, path: "request body", maxPixels: configuration.maxPixels)
    }

    /// `/v1/remove` and `/api/remove`: the cutout pipeline's answer, encoded as asked.
    @Sendable func cutout(_ photo: Data, _ asked: PhotoRequest) throws -> PhotoAnswer {
        let pipeline = try pipeline(named: asked.model)
        let result = try pipeline.run(try decode(photo), options: asked.options)
        return PhotoAnswer(body: result.encoded!, contentType: PhotoRequest.mediaType(of: asked.options.format!))
    }
}

/// Counts and times every request by route and status, and logs one line each: method, path, status,
/// milliseconds — never the body or the query.
struct AccessLog<Context: RequestContext>: RouterMiddleware {
    let server: PhotoServer
    static var routes: Set<String> { ["/", "/healthz", "/readyz", "/metrics", "/v1/remove", "/api/remove", "/v1/idphoto", "/v1/documents"] }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let path = request.uri.path
        let route = Self.routes.contains(path) ? path : "other"
        var status = 500
        defer {
            let d = ContinuousClock.now - start
            let ns = UInt64(d.components.seconds) * 1_000_000_000 + UInt64(d.components.attoseconds / 1_000_000_000)
            server.metrics.request(route: route, method: request.method.rawValue, status: status, nanoseconds: ns)
            if route != "/metrics" && route != "/healthz" && route != "/readyz" {
                server.logger.info("request", metadata: [
                    "method": "\(request.method.rawValue)", "route": "\(route)", "status": "\(status)",
                    "ms": "\(Double(ns / 10_000) / 100)",
                ])
            }
        }
        do {
            let response = try await next(request, context)
            status = Int(response.status.code)
            return response
        } catch let error as HTTPError {
            status = Int(error.status.code)
            let e = APIError(error.status, error.status == .notFound ? "not_found" : "http_error", error.body ?? error.status.reasonPhrase)
            return e.response
        } catch {
            return APIError(.internalServerError, "internal", "\(error)").response
        }
    }
}

/// A service whose only job is to notice the start of a graceful shutdown (it is shut down before the server).
struct DrainWatch: Service {
    let onShutdown: @Sendable () -> Void

    func run() async throws {
        try? await gracefulShutdown()
        onShutdown()
    }
}
