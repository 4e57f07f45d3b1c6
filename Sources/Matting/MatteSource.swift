import Imaging

extension GrayImage {
    /// A matte read from an image file's pixels: its alpha when it has a non-opaque one (a cutout), else its
    /// luma (`0.299 R + 0.587 G + 0.114 B`, a grey mask), resized with Lanczos to `width × height` when it differs.
    public static func matte(from image: Image, width: Int, height: Int) -> GrayImage {
        var levels: [UInt8]
        if let alpha = image.alpha, alpha.contains(where: { $0 != 255 }) {
            levels = alpha
        } else {
            let n = image.width * image.height
            levels = [UInt8](repeating: 0, count: n)
            for i in 0..<n {
                let r = UInt32(image.rgb[3 * i]), g = UInt32(image.rgb[3 * i + 1]), b = UInt32(image.rgb[3 * i + 2])
                levels[i] = UInt8((r * 299 + g * 587 + b * 114 + 500) / 1000)
            }
        }
        if image.width != width || image.height != height {
            levels = Resample.lanczos(levels, width: image.width, height: image.height, channels: 1,
                                      outWidth: width, outHeight: height)
        }
        return GrayImage(width: width, height: height, pixels: levels)
    }
}
