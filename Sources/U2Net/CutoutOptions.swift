import Imaging
import Matting

/// What ``CutoutPipeline`` makes of each photo after the network: the refinement, the composition and the
/// encoding.
///
/// ```swift
/// var options = CutoutOptions()
/// options.refinement.method = .guided
/// options.composition = .flatten(onto: Background(color: "off-white")!)
/// options.format = .jpeg
/// ```
public struct CutoutOptions: Sendable, Equatable {
    /// What is done to the network's matte: guided filter or closed-form matting, decontamination, clean-up,
    /// shrink, feather (``Refinement``). Default: nothing.
    public var refinement: Refinement
    /// The image made: the cutout, the mask, or the subject flattened onto a background. Default: the cutout.
    public var composition: Composition
    /// The file format the result is encoded in; nil leaves it unencoded (``CutoutResult/encoded`` is nil).
    /// Default: PNG.
    public var format: ImageFormat?
    /// JPEG quality, 1–100 (PNG is lossless and ignores it). Default: 92.
    public var jpegQuality: Int
    /// WebP quality, 1–100, for lossy WebP; nil writes lossless WebP. Default: nil.
    public var webpQuality: Int?

    /// Options with the given refinement, composition, format (nil: no encoding), JPEG quality (1–100) and WebP
    /// quality (nil: lossless).
    public init(refinement: Refinement = Refinement(), composition: Composition = .cutout, format: ImageFormat? = .png,
                jpegQuality: Int = 92, webpQuality: Int? = nil) {
        self.refinement = refinement
        self.composition = composition
        self.format = format
        self.jpegQuality = jpegQuality
        self.webpQuality = webpQuality
    }
}

/// The image ``CutoutPipeline`` composes from a photo and its matte.
public enum Composition: Sendable, Equatable {
    /// RGBA: the photo's colours (or the decontaminated ones) with the matte as straight alpha, the photo's
    /// own alpha multiplied in. PNG only.
    case cutout
    /// The 8-bit matte alone: a grey PNG, or a JPEG whose three channels carry the grey levels.
    case mask
    /// Opaque RGB: the subject over `background`, `(F·α + B·(255 − α)) / 255`.
    case flatten(onto: Background)

    /// True when the image has transparency (only the cutout), so JPEG cannot hold it.
    public var isTransparent: Bool { self == .cutout }
}
