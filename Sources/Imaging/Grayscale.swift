/// Colour to grey, with Pillow's ITU-R 601-2 weights and rounding (`Image.convert("L")`): the one luma every
/// reader of masks uses (`compare`'s PNGs, a mask handed to `refine`). The weights sum to one, so a grey pixel
/// keeps its level exactly.
public enum Grayscale {
    /// The luma of one 8-bit RGB pixel: `(19595 R + 38470 G + 7471 B + 2¹⁵) >> 16`, about `0.299 R + 0.587 G + 0.114 B`.
    @inline(__always)
    public static func luma(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> UInt8 {
        let weighted: UInt32 = UInt32(r) * 19595 + UInt32(g) * 38470 + UInt32(b) * 7471
        return UInt8((weighted + 0x8000) >> 16)
    }

    /// The luma of every pixel of `image` (its alpha is ignored), same size.
    public static func luminance(_ image: Image) -> GrayImage {
        var out = [UInt8](repeating: 0, count: image.width * image.height)
        image.rgb.withUnsafeBufferPointer { rgb in
            for i in 0..<out.count { out[i] = luma(rgb[3 * i], rgb[3 * i + 1], rgb[3 * i + 2]) }
        }
        return GrayImage(width: image.width, height: image.height, pixels: out)
    }
}
