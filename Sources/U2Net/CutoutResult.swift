import Foundation
import Imaging
import Matting

/// One photo through ``CutoutPipeline``: its matte, the composed image, the encoded file and the time of each stage.
public struct CutoutResult: Sendable {
    /// The final 8-bit matte at the photo's size (255 = subject), after refinement.
    public var mask: GrayImage
    /// The subject's estimated colours (RGB, the photo's size) when the refinement decontaminates, else nil.
    public var foreground: Image?
    /// The image ``CutoutOptions/composition`` asked for, at the photo's size.
    public var composed: ComposedImage
    /// `composed` as a PNG, JPEG or WebP file's bytes (with the photo's ICC profile, unless it is the mask), or nil
    /// when ``CutoutOptions/format`` is nil.
    public var encoded: Data?
    /// Milliseconds per stage that ran (network, finishing, refinement, composite, encode).
    public var timings: StageTimings
    /// The closed-form solve's report, when it ran.
    public var solver: MatteRefiner.SolverReport?

    /// The RGBA cutout, when the composition was ``Composition/cutout``.
    public var cutout: RGBAImage? {
        if case let .cutout(image) = composed { return image }
        return nil
    }
}

/// A composed image of one of the kinds ``Composition`` names.
public enum ComposedImage: Sendable, Equatable {
    /// RGBA, straight alpha.
    case cutout(RGBAImage)
    /// The 8-bit matte.
    case mask(GrayImage)
    /// Opaque RGB.
    case flattened(Image)

    /// Width in pixels.
    public var width: Int {
        switch self {
        case let .cutout(i): return i.width
        case let .mask(i): return i.width
        case let .flattened(i): return i.width
        }
    }

    /// Height in pixels.
    public var height: Int {
        switch self {
        case let .cutout(i): return i.height
        case let .mask(i): return i.height
        case let .flattened(i): return i.height
        }
    }

    /// The image as a file: PNG (grey, RGBA or RGB), JPEG at `quality` (1–100, default 92; a mask becomes grey RGB)
    /// or WebP (lossless when `quality` is nil, else lossy; alpha kept; a mask becomes grey RGB).
    /// `iccProfile` (the photo's, ``Image/iccProfile``) is embedded byte for byte in a cutout or flattened image
    /// (a flattened image's own profile is used when it is nil); a mask is grey levels and carries none.
    /// - Throws: ``CutoutError/transparentJPEG`` for a cutout as JPEG; `ImagingError` when the codec fails.
    public func encoded(as format: ImageFormat, quality: Int? = nil, iccProfile: Data? = nil) throws -> Data {
        switch (self, format) {
        case let (.cutout(image), .png): return try PNGCodec.encode(image, iccProfile: iccProfile)
        case (.cutout, .jpeg): throw CutoutError.transparentJPEG
        case let (.cutout(image), .webp): return try WebPCodec.encode(image, quality: quality, iccProfile: iccProfile)
        case let (.mask(mask), .png): return try PNGCodec.encode(mask)
        case let (.mask(mask), .jpeg): return try JPEGCodec.encode(Image(gray: mask), quality: quality ?? 92)
        case let (.mask(mask), .webp): return try WebPCodec.encode(Image(gray: mask), quality: quality)
        case let (.flattened(image), .png): return try PNGCodec.encode(withProfile(image, iccProfile))
        case let (.flattened(image), .jpeg): return try JPEGCodec.encode(withProfile(image, iccProfile), quality: quality ?? 92)
        case let (.flattened(image), .webp): return try WebPCodec.encode(withProfile(image, iccProfile), quality: quality)
        }
    }

    private func withProfile(_ image: Image, _ profile: Data?) -> Image {
        guard let profile else { return image }
        var image = image
        image.iccProfile = profile
        return image
    }
}

/// Requests ``CutoutPipeline`` cannot carry out.
public enum CutoutError: Error, CustomStringConvertible, Equatable {
    /// A transparent cutout was to be written as JPEG, which has no alpha.
    case transparentJPEG

    /// One line saying what was refused and what to do instead.
    public var description: String {
        switch self {
        case .transparentJPEG: return "JPEG has no transparency: flatten onto a background, write the mask, or write PNG"
        }
    }
}
