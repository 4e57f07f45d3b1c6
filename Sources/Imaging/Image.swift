import Foundation

/// An 8-bit RGB image with an optional alpha plane, row-major, orientation already applied, and the colour
/// profile its file embedded (kept byte for byte, written into the output; the pixels are never converted).
public struct Image: Sendable, Equatable {
    /// Width in pixels.
    public var width: Int
    /// Height in pixels.
    public var height: Int
    /// `width × height × 3` bytes, R G B.
    public var rgb: [UInt8]
    /// `width × height` bytes, or nil when the image is opaque.
    public var alpha: [UInt8]?
    /// The embedded ICC profile, as read from the file (JPEG APP2, PNG iCCP, WebP ICCP, HEIF colr, TIFF tag), or nil.
    public var iccProfile: Data?

    /// An image from its planes; `rgb` must hold `width × height × 3` bytes and `alpha`, if given, `width × height`.
    public init(width: Int, height: Int, rgb: [UInt8], alpha: [UInt8]? = nil, iccProfile: Data? = nil) {
        precondition(rgb.count == width * height * 3, "Image: \(rgb.count) bytes for \(width)×\(height) RGB")
        precondition(alpha == nil || alpha!.count == width * height)
        self.width = width
        self.height = height
        self.rgb = rgb
        self.alpha = alpha
        self.iccProfile = iccProfile
    }

    /// A solid-colour image.
    public init(width: Int, height: Int, color: (UInt8, UInt8, UInt8)) {
        var rgb = [UInt8](repeating: 0, count: width * height * 3)
        for i in 0..<width * height { rgb[3 * i] = color.0; rgb[3 * i + 1] = color.1; rgb[3 * i + 2] = color.2 }
        self.init(width: width, height: height, rgb: rgb)
    }

    /// An opaque RGB image whose three channels all carry `gray`'s levels (for formats without a grey
    /// pipeline of ours, such as a mask written as JPEG).
    public init(gray: GrayImage) {
        var rgb = [UInt8](repeating: 0, count: gray.pixels.count * 3)
        gray.pixels.withUnsafeBufferPointer { g in
            for i in 0..<g.count { rgb[3 * i] = g[i]; rgb[3 * i + 1] = g[i]; rgb[3 * i + 2] = g[i] }
        }
        self.init(width: gray.width, height: gray.height, rgb: rgb)
    }
}

/// An 8-bit single-channel image (a mask), row-major.
public struct GrayImage: Sendable, Equatable {
    /// Width in pixels.
    public var width: Int
    /// Height in pixels.
    public var height: Int
    /// `width × height` levels, 0–255 (for a matte: 255 = subject).
    public var pixels: [UInt8]

    /// An image from its levels; `pixels` must hold `width × height` bytes.
    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(pixels.count == width * height)
        self.width = width
        self.height = height
        self.pixels = pixels
    }
}

/// An 8-bit RGBA image with straight (not premultiplied) alpha.
public struct RGBAImage: Sendable, Equatable {
    /// Width in pixels.
    public var width: Int
    /// Height in pixels.
    public var height: Int
    /// `width × height × 4` bytes.
    public var pixels: [UInt8]

    /// An image from its pixels; `pixels` must hold `width × height × 4` bytes, R G B A.
    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(pixels.count == width * height * 4)
        self.width = width
        self.height = height
        self.pixels = pixels
    }
}
