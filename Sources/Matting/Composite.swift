import Imaging

/// Putting the subject on a new background.
public enum Composite {
    /// Named background colours.
    public static let namedColors: [String: (UInt8, UInt8, UInt8)] = [
        "white": (255, 255, 255),
        "off-white": (250, 249, 246),
        "light-grey": (211, 211, 211),
        "pale-blue": (214, 234, 248),
        "black": (0, 0, 0),
    ]

    /// Parses `white`, `off-white`, `light-grey`, `pale-blue`, `black` or `#RRGGBB`.
    public static func color(_ text: String) -> (UInt8, UInt8, UInt8)? {
        if let c = namedColors[text.lowercased()] { return c }
        var hex = Substring(text)
        if hex.hasPrefix("#") { hex = hex.dropFirst() }
        guard hex.count == 6, let v = UInt32(hex, radix: 16) else { return nil }
        return (UInt8(v >> 16), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF))
    }

    /// The matte combined with the image's own alpha (product, rounded).
    public static func effectiveAlpha(_ image: Image, _ mask: GrayImage) -> [UInt8] {
        precondition(mask.width == image.width && mask.height == image.height)
        guard let own = image.alpha else { return mask.pixels }
        return zip(mask.pixels, own).map { UInt8((UInt32($0) * UInt32($1) + 127) / 255) }
    }

    /// The cutout: the image's colours with the matte as straight alpha. Fully transparent pixels are
    /// (0, 0, 0, 0), as in rembg's cutouts: their colour is invisible, and zeros compress far better.
    /// - Parameter foreground: the subject's estimated colours (``ForegroundEstimator``), used instead of the
    ///   photo's; same size.
    public static func cutout(_ image: Image, mask: GrayImage, foreground: Image? = nil) -> RGBAImage {
        let alpha = effectiveAlpha(image, mask)
        let n = image.width * image.height
        let colours = foreground?.rgb ?? image.rgb
        precondition(colours.count == image.rgb.count, "cutout: foreground size differs")
        var out = [UInt8](repeating: 0, count: n * 4)
        for i in 0..<n where alpha[i] != 0 {
            out[4 * i] = colours[3 * i]
            out[4 * i + 1] = colours[3 * i + 1]
            out[4 * i + 2] = colours[3 * i + 2]
            out[4 * i + 3] = alpha[i]
        }
        return RGBAImage(width: image.width, height: image.height, pixels: out)
    }

    /// The subject over `background` (same size): out = (fg·a + bg·(255 − a)) / 255, rounded, where fg is
    /// `foreground` (estimated subject colours, same size) when given, else the photo.
    public static func over(_ image: Image, mask: GrayImage, background: Image, foreground: Image? = nil) -> Image {
        precondition(background.width == image.width && background.height == image.height)
        let alpha = effectiveAlpha(image, mask)
        let colours = foreground?.rgb ?? image.rgb
        precondition(colours.count == image.rgb.count, "over: foreground size differs")
        var rgb = [UInt8](repeating: 0, count: image.rgb.count)
        for i in 0..<alpha.count {
            let a = UInt32(alpha[i])
            for c in 0..<3 {
                let f = UInt32(colours[3 * i + c]), b = UInt32(background.rgb[3 * i + c])
                rgb[3 * i + c] = UInt8((f * a + b * (255 - a) + 127) / 255)
            }
        }
        return Image(width: image.width, height: image.height, rgb: rgb)
    }

    /// `background` scaled (Lanczos) to cover `width × height`, centred and cropped.
    public static func cover(_ background: Image, width: Int, height: Int) -> Image {
        let scale = max(Double(width) / Double(background.width), Double(height) / Double(background.height))
        let sw = max(width, Int((Double(background.width) * scale).rounded())), sh = max(height, Int((Double(background.height) * scale).rounded()))
        let scaled = Resample.lanczos(background.rgb, width: background.width, height: background.height, channels: 3,
                                      outWidth: sw, outHeight: sh)
        let x0 = (sw - width) / 2, y0 = (sh - height) / 2
        var rgb = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            let src = ((y + y0) * sw + x0) * 3
            rgb.replaceSubrange(y * width * 3..<(y + 1) * width * 3, with: scaled[src..<src + width * 3])
        }
        return Image(width: width, height: height, rgb: rgb)
    }
}
