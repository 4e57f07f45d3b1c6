import Foundation
import U2Net

/// The ID-photo maker (U²-Net-p and the two face models), loaded once when the server starts. When the face
/// models' files are absent then, `/v1/idphoto` answers 503 saying so while the cutout routes serve as usual, and
/// the maker is loaded by the first ID-photo request after the files appear.
final class IDPhotoLoader: @unchecked Sendable {
    /// Whether ID photos can be made.
    enum Outcome: Equatable {
        case ready
        case unavailable(String)
    }

    /// The face models' files, looked for in the model folders (`ModelLocator.searchFolders()`).
    static let files = ["face_detection_short_range.tflite", "face_landmark.tflite"]

    private enum State {
        case notLoaded
        case loaded(IDPhotoMaker)
        case missing
        case failed(String)
    }

    private let threads: Int?
    private let lock = NSLock()
    /// Held while a maker loads, so that two requests never load it twice (never held by Swift concurrency's threads).
    private let loadLock = NSLock()
    private var state = State.notLoaded

    init(threads: Int?) { self.threads = threads }

    /// Loads the maker if its files are there; called once, from the thread that loads the server's model.
    @discardableResult
    func loadAtStart() -> Outcome {
        guard Self.filesPresent() else {
            lock.withLock { state = .missing }
            return .unavailable("face models not found: \(Self.files.joined(separator: ", ")) in \(ModelLocator.searchFolders().joined(separator: ", "))")
        }
        do {
            _ = try maker()
            return .ready
        } catch {
            return .unavailable("\(error)")
        }
    }

    /// Why `/v1/idphoto` cannot be served now (503), or nil when it can: the maker is loaded, or its files have
    /// appeared since the start and the request will load it.
    func unavailable() -> APIError? {
        switch lock.withLock({ state }) {
        case .loaded:
            return nil
        case .notLoaded:
            return APIError(.serviceUnavailable, "loading", "the face models are still loading", retryAfter: 1)
        case .missing:
            if Self.filesPresent() { return nil }
            return APIError(.serviceUnavailable, "idphoto_unavailable",
                            "ID photos are not available on this server: the face models (\(Self.files.joined(separator: ", "))) "
                            + "are not installed beside the cutout model (Tools/fetch-weights.sh fetches them); /v1/remove works")
        case .failed(let why):
            return APIError(.serviceUnavailable, "idphoto_unavailable", "ID photos are not available on this server: the face models did not load (\(why))")
        }
    }

    /// The maker, loaded now if it is not yet (on a worker thread: loading takes a moment).
    func maker() throws -> IDPhotoMaker {
        if case .loaded(let m) = lock.withLock({ state }) { return m }
        return try loadLock.withLock {
            if case .loaded(let m) = lock.withLock({ state }) { return m }
            do {
                let m = try IDPhotoMaker(threads: threads)
                lock.withLock { state = .loaded(m) }
                return m
            } catch IDPhotoError.modelNotFound {
                lock.withLock { state = .missing }
                throw unavailable() ?? APIError(.serviceUnavailable, "idphoto_unavailable", "the face models are missing")
            } catch {
                lock.withLock { state = .failed("\(error)") }
                throw unavailable() ?? APIError(.serviceUnavailable, "idphoto_unavailable", "\(error)")
            }
        }
    }

    static func filesPresent() -> Bool {
        let folders = ModelLocator.searchFolders()
        return files.allSatisfy { file in folders.contains { FileManager.default.fileExists(atPath: $0 + "/" + file) } }
    }
}
