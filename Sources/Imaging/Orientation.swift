/// EXIF orientations 1–8 turned into upright pixels (the transforms of the EXIF specification,
/// the same as Pillow's `ImageOps.exif_transpose`).
public enum Orientation {
    /// Returns the image as it should be displayed.
    public static func apply(_ orientation: Int, to image: Image) -> Image {
        guard (2...8).contains(orientation) else { return image }
        let w = image.width, h = image.height
        let swaps = orientation >= 5
        let ow = swaps ? h : w, oh = swaps ? w : h
        var rgb = [UInt8](repeating: 0, count: ow * oh * 3)
        var alpha = image.alpha.map { _ in [UInt8](repeating: 0, count: ow * oh) }
        for y in 0..<oh {
            for x in 0..<ow {
                // Source pixel (sx, sy) for displayed pixel (x, y).
                let (sx, sy): (Int, Int)
                switch orientation {
                case 2: (sx, sy) = (w - 1 - x, y)               // mirror horizontally
                case 3: (sx, sy) = (w - 1 - x, h - 1 - y)       // rotate 180°
                case 4: (sx, sy) = (x, h - 1 - y)               // mirror vertically
                case 5: (sx, sy) = (y, x)                       // transpose
                case 6: (sx, sy) = (y, h - 1 - x)               // rotate 90° clockwise
                case 7: (sx, sy) = (w - 1 - y, h - 1 - x)       // transverse
                default: (sx, sy) = (w - 1 - y, x)              // 8: rotate 90° counter-clockwise
                }
                let s = sy * w + sx, d = y * ow + x
                rgb[3 * d] = image.rgb[3 * s]
                rgb[3 * d + 1] = image.rgb[3 * s + 1]
                rgb[3 * d + 2] = image.rgb[3 * s + 2]
                if alpha != nil { alpha![d] = image.alpha![s] }
            }
        }
        return Image(width: ow, height: oh, rgb: rgb, alpha: alpha, iccProfile: image.iccProfile)
    }
}
