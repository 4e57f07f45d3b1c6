import Foundation
import Imaging
import Matting
import NNRuntime
import NNTensor

/// The photo pipeline: a photo in, its cutout (or mask, or flattened photo) out, encoded, with the time of every
/// stage. Load the model once, then run each photo:
///
/// ```
/// Image ─prepare─▶ network input ─infer─▶ network output ─finish─▶ matte ─refine─▶ matte (+ foreground colours)
///       ─compose─▶ cutout | mask | flattened ─encode─▶ PNG / JPEG / WebP bytes
/// ```
///
/// ```swift
/// let pipeline = try CutoutPipeline(model: "u2netp")
/// let photo = try ImageFile.load(path: "portrait.jpg")
/// let result = try pipeline.run(photo)                 // RGBA cutout as PNG
/// try result.encoded!.write(to: URL(fileURLWithPath: "portrait.png"))
/// ```
///
/// The stages come in three steps for callers that overlap photos — ``prepare(_:)`` of the next photo and
/// ``complete(_:options:)`` of the previous one on other threads while ``infer(_:)`` runs — and as one call,
/// ``run(_:options:)``. A matte made elsewhere goes through the steps after the network with
/// ``complete(_:mask:options:)``, no model needed.
///
/// Thread-safe: inference runs one photo at a time (other callers wait); every other step runs on the caller's
/// thread.
public final class CutoutPipeline: @unchecked Sendable {
    /// The network.
    public let model: InferenceModel
    /// How the network's input is prepared and its output finished (from the model's file name by default).
    public let preset: ModelPreset
    private let lock = NSLock()

    /// Loads a model.
    /// - Parameters:
    ///   - model: a model name (`u2netp`, `u2net`, `modnet`, …, looked up by ``ModelLocator``) or an `.onnx` path.
    ///   - size: network input size in pixels; nil takes the model family's (320 for U²-Net, 1024 for IS-Net and
    ///     RMBG, 512 for MODNet's shorter side). The family comes from the file name (``ModelPreset/forModel(named:size:)``).
    ///   - threads: inference threads (default: every core).
    public convenience init(model: String = "u2netp", size: Int? = nil, threads: Int? = nil) throws {
        let path = try ModelLocator.locate(model)
        let stem = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        self.init(model: try InferenceModel(path: path, threads: threads), preset: .forModel(named: stem, size: size))
    }

    /// A pipeline over a model already loaded, with the preset given.
    public init(model: InferenceModel, preset: ModelPreset) {
        self.model = model
        self.preset = preset
    }

    // MARK: One call

    /// Every stage for one photo: prepare, infer, then ``complete(_:options:)``.
    /// - Parameter image: the photo, any size, orientation applied.
    /// - Returns: the matte, the composed image and its encoding at the photo's size, and the stages' milliseconds.
    public func run(_ image: Image, options: CutoutOptions = CutoutOptions()) throws -> CutoutResult {
        try complete(infer(prepare(image)), options: options)
    }

    /// ``run(_:options:)`` from async code, off the caller's executor.
    public func run(_ image: Image, options: CutoutOptions = CutoutOptions()) async throws -> CutoutResult {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Swift.Result(catching: { try self.run(image, options: options) }))
            }
        }
    }

    // MARK: Three steps

    /// Step 1: the network input for `image` (the preset's preprocessing, timed as `.prepare`). Safe to run on
    /// one photo while ``infer(_:)`` runs on another.
    public func prepare(_ image: Image) -> PreparedPhoto {
        var timings = StageTimings()
        let input = timings.measure(.prepare) { preset.prepare(image) }
        return PreparedPhoto(image: image, input: input, timings: timings)
    }

    /// Step 2: the network on a prepared photo (timed as `.infer`). One inference runs at a time; callers on
    /// other threads wait.
    public func infer(_ photo: PreparedPhoto) throws -> InferredPhoto {
        var timings = photo.timings
        let output = try timings.measure(.infer) { try network(photo.input) }
        return InferredPhoto(image: photo.image, output: output, timings: timings)
    }

    /// Step 3: everything after the network — the matte finished at the photo's size, refined, composed and
    /// encoded as `options` say. Runs on the calling thread without holding the model.
    /// - Throws: ``CutoutError/transparentJPEG`` when a cutout is to be encoded as JPEG; codec errors.
    public func complete(_ photo: InferredPhoto, options: CutoutOptions) throws -> CutoutResult {
        var timings = photo.timings
        let image = photo.image
        let matte = timings.measure(.finish) { preset.finish(photo.output, width: image.width, height: image.height) }
        return try Self.complete(image, matte: matte, options: options, timings: timings)
    }

    // MARK: Without the network

    /// The steps after the network for a mask made elsewhere: the mask becomes a matte at the photo's size
    /// (``GrayImage/matte(from:width:height:)``: its alpha if it has one, else its luma; Lanczos when the size
    /// differs; timed as `.maskResize`), then refinement, composition and encoding as `options` say.
    /// - Parameters:
    ///   - image: the photo.
    ///   - mask: a grey mask or an RGBA cutout, any size.
    public static func complete(_ image: Image, mask: Image, options: CutoutOptions) throws -> CutoutResult {
        var timings = StageTimings()
        let matte = timings.measure(.maskResize) { GrayImage.matte(from: mask, width: image.width, height: image.height) }
        return try complete(image, matte: matte, options: options, timings: timings)
    }

    /// The steps after the network for an 8-bit matte at the photo's size: refinement, composition, encoding.
    /// `timings` holds the stages already run; this call's are added.
    public static func complete(_ image: Image, matte: GrayImage, options: CutoutOptions,
                                timings: StageTimings = StageTimings()) throws -> CutoutResult {
        var timings = timings
        if options.format == .jpeg && options.composition.isTransparent { throw CutoutError.transparentJPEG }
        let refined = MatteRefiner.refine(image: image, matte: matte, refinement: options.refinement)
        timings.merge(refined.timings)
        let composed = timings.measure(.composite) {
            compose(image, matte: refined.matte, foreground: refined.foreground, as: options.composition)
        }
        let encoded = try options.format.map { format in
            try timings.measure(.encode) {
                try composed.encoded(as: format, quality: format == .webp ? options.webpQuality : options.jpegQuality,
                                     iccProfile: image.iccProfile)
            }
        }
        return CutoutResult(mask: refined.matte, foreground: refined.foreground, composed: composed, encoded: encoded,
                            timings: timings, solver: refined.solver)
    }

    /// The image `composition` names, from the photo, its final matte and (when decontaminated) the subject's colours.
    static func compose(_ image: Image, matte: GrayImage, foreground: Image?, as composition: Composition) -> ComposedImage {
        switch composition {
        case .cutout:
            return .cutout(Composite.cutout(image, mask: matte, foreground: foreground))
        case .mask:
            return .mask(matte)
        case let .flatten(background):
            let behind = background.pixels(width: image.width, height: image.height)
            return .flattened(Composite.over(image, mask: matte, background: behind, foreground: foreground))
        }
    }

    /// The network's first output for an input tensor (`1 × 3 × H × W` → `1 × 1 × H × W`), one call at a time.
    func network(_ input: Tensor) throws -> Tensor {
        lock.lock(); defer { lock.unlock() }
        // Only the first output is needed: fill the input in place and read that one back.
        let session = try model.session(inputShape: input.shape)
        let buffer = session.inputBuffer(0)
        input.floats.withUnsafeBufferPointer { _ = buffer.update(fromContentsOf: $0) }
        session.execute(timings: nil)
        return session.output(0)
    }
}

/// A photo with its network input, ready for ``CutoutPipeline/infer(_:)``.
public struct PreparedPhoto: Sendable {
    /// The photo.
    public let image: Image
    /// The network input: `1 × 3 × H × W` float32 (`H × W` from ``ModelPreset/inputSize(width:height:)``).
    public let input: Tensor
    /// The stages run so far (`.prepare`; callers may add theirs, such as `.decode`).
    public var timings: StageTimings
}

/// A photo with the network's output, ready for ``CutoutPipeline/complete(_:options:)``.
public struct InferredPhoto: Sendable {
    /// The photo.
    public let image: Image
    /// The network's first output: `1 × 1 × H × W` float32 at the network input's `H × W`.
    public let output: Tensor
    /// The stages run so far (`.prepare`, `.infer`, and any the caller added).
    public var timings: StageTimings
}
