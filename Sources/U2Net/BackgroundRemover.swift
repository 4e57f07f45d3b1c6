import Foundation
import Imaging
import Matting
import NNRuntime
import NNTensor

/// Removes photo backgrounds with a U²-Net-family model: load once, then call ``mask(for:)`` or
/// ``remove(_:)`` for each photo. Thread-safe: concurrent calls are serialised on the model.
///
/// ```swift
/// let remover = try BackgroundRemover(model: "u2netp")
/// let photo = try ImageFile.load(path: "portrait.jpg")
/// let result = try remover.remove(photo)
/// try PNGCodec.encode(result.cutout).write(to: URL(fileURLWithPath: "portrait.png"))
/// ```
public final class BackgroundRemover: @unchecked Sendable {
    public let model: InferenceModel
    public let preset: ModelPreset
    private let lock = NSLock()

    /// The matte and the cutout of one photo.
    public struct Result: Sendable {
        /// 8-bit alpha matte at the photo's size (255 = subject).
        public var mask: GrayImage
        /// RGBA cutout, straight alpha (the photo's own alpha multiplied in).
        public var cutout: RGBAImage
        /// The subject's estimated colours when the refinement decontaminates (`Refinement.decontaminate`),
        /// else nil; flatten with `Composite.over(_:mask:background:foreground:)` to keep them.
        public var foreground: Image?
        /// Milliseconds per stage: preparing, in the network, finishing the mask, each refinement stage, compositing.
        public var timings: [String: Double]
    }

    /// - Parameters:
    ///   - model: a model name (`u2netp`, `u2net`, …, looked up like the command line does) or a path.
    ///   - size: network input size in pixels; nil takes the model family's (320 for U²-Net, 1024 for IS-Net and
    ///     RMBG, 512 for MODNet's shorter side). The family comes from the model's file name (``ModelPreset/forModel(named:size:)``).
    ///   - threads: inference threads (default: every core).
    public init(model: String = "u2netp", size: Int? = nil, threads: Int? = nil) throws {
        let path = try ModelLocator.locate(model)
        self.model = try InferenceModel(path: path, threads: threads)
        let stem = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        preset = .forModel(named: stem, size: size)
    }

    /// The 8-bit mask for `image`, at its size.
    public func mask(for image: Image) throws -> GrayImage {
        try maskWithTimings(for: image).0
    }

    func maskWithTimings(for image: Image) throws -> (GrayImage, [String: Double]) {
        var timings: [String: Double] = [:]
        func timed<T>(_ key: String, _ body: () throws -> T) rethrows -> T {
            let t0 = DispatchTime.now().uptimeNanoseconds
            defer { timings[key] = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6 }
            return try body()
        }
        let input = timed("prepare") { prepare(image) }
        let output: Tensor = try timed("infer") { try infer(input) }
        let mask = timed("finish") { finish(output, width: image.width, height: image.height) }
        return (mask, timings)
    }

    /// Step 1 of ``mask(for:)``: the network input for `image` (the model preset's preprocessing,
    /// `1 × 3 × size × size`). Safe to run on one photo while ``infer(_:)`` runs on another.
    public func prepare(_ image: Image) -> Tensor { preset.prepare(image) }

    /// Step 2: the network's first output for a prepared input (`1 × 1 × size × size`). One inference runs
    /// at a time; callers on other threads wait.
    public func infer(_ input: Tensor) throws -> Tensor {
        lock.lock(); defer { lock.unlock() }
        // Only the first output is needed: fill the input in place and read that one back.
        let session = try model.session(inputShape: input.shape)
        let buffer = session.inputBuffer(0)
        input.floats.withUnsafeBufferPointer { _ = buffer.update(fromContentsOf: $0) }
        session.execute(timings: nil)
        return session.output(0)
    }

    /// Step 3: the 8-bit mask at `width × height` pixels from the network's output.
    public func finish(_ output: Tensor, width: Int, height: Int) -> GrayImage {
        preset.finish(output, width: width, height: height)
    }

    /// The mask and the RGBA cutout of `image`.
    ///
    /// - Parameter refinement: what to do to the network's mask before compositing — guided filter or
    ///   closed-form matting, colour decontamination, clean-up, shrink, feather (see `Refinement`); by default
    ///   nothing. Refinement runs on the calling thread and does not hold the model, so other threads can infer
    ///   meanwhile.
    ///
    /// ```swift
    /// var refinement = Refinement()
    /// refinement.method = .closedForm
    /// refinement.decontaminate = true
    /// let result = try remover.remove(photo, refinement: refinement)
    /// ```
    public func remove(_ image: Image, refinement: Refinement = Refinement()) throws -> Result {
        let (raw, networkTimings) = try maskWithTimings(for: image)
        var timings = networkTimings
        let refined = MatteRefiner.refine(image: image, matte: raw, refinement: refinement)
        let mask = refined.matte, foreground = refined.foreground
        timings.merge(refined.timings) { $1 }
        let t0 = DispatchTime.now().uptimeNanoseconds
        let cutout = Composite.cutout(image, mask: mask, foreground: foreground)
        timings["composite"] = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6
        return Result(mask: mask, cutout: cutout, foreground: foreground, timings: timings)
    }

    /// `remove` from async code, off the caller's executor.
    public func remove(_ image: Image, refinement: Refinement = Refinement()) async throws -> Result {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Swift.Result { try self.remove(image, refinement: refinement) })
            }
        }
    }
}

extension Swift.Result where Failure == Error {
    init(_ body: () throws -> Success) {
        do { self = .success(try body()) } catch { self = .failure(error) }
    }
}
