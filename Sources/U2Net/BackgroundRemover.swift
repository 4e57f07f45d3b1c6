import Foundation
import Imaging
import Matting
import NNTensor

/// Removes photo backgrounds with a U²-Net-family model: load once, then call ``mask(for:)`` or
/// ``remove(_:refinement:)`` for each photo. A short form of ``CutoutPipeline`` (which it runs), for callers
/// that want images rather than files. Thread-safe: concurrent calls are serialised on the model.
///
/// ```swift
/// let remover = try BackgroundRemover(model: "u2netp")
/// let photo = try ImageFile.load(path: "portrait.jpg")
/// let result = try remover.remove(photo)
/// try PNGCodec.encode(result.cutout).write(to: URL(fileURLWithPath: "portrait.png"))
/// ```
public final class BackgroundRemover: Sendable {
    /// The pipeline every call goes through.
    public let pipeline: CutoutPipeline
    /// The network.
    public var model: InferenceModel { pipeline.model }
    /// How the network's input is prepared and its output finished.
    public var preset: ModelPreset { pipeline.preset }

    /// The matte and the cutout of one photo.
    public struct Result: Sendable {
        /// 8-bit alpha matte at the photo's size (255 = subject).
        public var mask: GrayImage
        /// RGBA cutout, straight alpha (the photo's own alpha multiplied in).
        public var cutout: RGBAImage
        /// The subject's estimated colours when the refinement decontaminates (`Refinement.decontaminate`),
        /// else nil; flatten with `Composite.over(_:mask:background:foreground:)` to keep them.
        public var foreground: Image?
        /// Milliseconds per stage: `.prepare`, `.infer`, `.finish`, each refinement stage, `.composite`
        /// (also readable by name: `timings["closed_form"]`).
        public var timings: StageTimings
    }

    /// - Parameters:
    ///   - model: a model name (`u2netp`, `u2net`, …, looked up like the command line does) or a path.
    ///   - size: network input size in pixels; nil takes the model family's (320 for U²-Net, 1024 for IS-Net and
    ///     RMBG, 512 for MODNet's shorter side). The family comes from the model's file name (``ModelPreset/forModel(named:size:)``).
    ///   - threads: inference threads (default: every core).
    public init(model: String = "u2netp", size: Int? = nil, threads: Int? = nil) throws {
        pipeline = try CutoutPipeline(model: model, size: size, threads: threads)
    }

    /// The 8-bit mask for `image`, at its size.
    public func mask(for image: Image) throws -> GrayImage {
        try pipeline.run(image, options: CutoutOptions(composition: .mask, format: nil)).mask
    }

    /// Step 1 of ``mask(for:)``: the network input for `image` (the model preset's preprocessing,
    /// `1 × 3 × H × W` float32; `H × W` is `size × size` for the rembg family, aspect-preserving for MODNet).
    /// Safe to run on one photo while ``infer(_:)`` runs on another.
    public func prepare(_ image: Image) -> Tensor { preset.prepare(image) }

    /// Step 2: the network's first output for a prepared input (`1 × 1 × H × W`, the input's `H × W`). One
    /// inference runs at a time; callers on other threads wait.
    public func infer(_ input: Tensor) throws -> Tensor { try pipeline.network(input) }

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
        let result = try pipeline.run(image, options: CutoutOptions(refinement: refinement, composition: .cutout, format: nil))
        guard let cutout = result.cutout else { preconditionFailure("a cutout composition gives a cutout") }
        return Result(mask: result.mask, cutout: cutout, foreground: result.foreground, timings: result.timings)
    }

    /// `remove` from async code, off the caller's executor.
    public func remove(_ image: Image, refinement: Refinement = Refinement()) async throws -> Result {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Swift.Result(catching: { try self.remove(image, refinement: refinement) }))
            }
        }
    }
}
