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
    /// `composed` as a PNG or JPEG file's bytes, or nil when ``CutoutOptions/format`` is nil.
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

    /// The image as a file: PNG (grey, RGBA or RGB) or JPEG at `quality` (1–100; a mask becomes grey RGB).
    /// - Throws: ``CutoutError/transparentJPEG`` for a cutout as JPEG; `ImagingError` when the codec fails.
    public func encoded(as format: ImageFormat, quality: Int = 92) throws -> Data {
        switch (self, format) {
        case let (.cutout(image), .png): return try PNGCodec.encode(image)
        case (.cutout, .jpeg): throw CutoutError.transparentJPEG
        case let (.mask(mask), .png): return try PNGCodec.encode(mask)
        case let (.mask(mask), .jpeg): return try JPEGCodec.encode(Image(gray: mask), quality: quality)
        case let (.flattened(image), .png): return try PNGCodec.encode(image)
        case let (.flattened(image), .jpeg): return try JPEGCodec.encode(image, quality: quality)
        }
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
