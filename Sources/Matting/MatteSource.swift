import Imaging

extension GrayImage {
    /// A matte read from an image file's pixels: its alpha when it has a non-opaque one (a cutout), else its
    /// luma (``Grayscale/luminance(_:)``, as `compare` reads a mask), resized with Lanczos to
    /// `width × height` when it differs.
    public static func matte(from image: Image, width: Int, height: Int) -> GrayImage {
        var levels: [UInt8]
        if let alpha = image.alpha, alpha.contains(where: { $0 != 255 }) {
            levels = alpha
        } else {
            levels = Grayscale.luminance(image).pixels
        }
        if image.width != width || image.height != height {
            levels = Resample.lanczos(levels, width: image.width, height: image.height, channels: 1,
                                      outWidth: width, outHeight: height)
        }
        return GrayImage(width: width, height: height, pixels: levels)
    }
}
