import Imaging

/// Trimaps: which pixels are surely subject (255), surely background (0), or unknown (128).
public enum Trimap {
    /// The level of surely-subject pixels.
    public static let foreground: UInt8 = 255
    /// The level of surely-background pixels.
    public static let background: UInt8 = 0
    /// The level of pixels the solver decides.
    public static let unknown: UInt8 = 128

    /// The trimap of a matte, as rembg builds it for alpha matting: pixels above `foregroundThreshold` are
    /// subject and pixels below `backgroundThreshold` background, each set then eroded by a square of side
    /// `erode` (offsets `−erode/2 … erode − 1 − erode/2`, as SciPy's `binary_erosion` places an even square);
    /// everything else is unknown. rembg's defaults: 240, 10, 10.
    ///
    /// One deliberate difference: the square is clipped at the image's edge (rembg counts outside as
    /// not-subject), so a subject cut by the frame — shoulders at the bottom of a portrait — stays surely
    /// subject there instead of turning into an unknown, semi-transparent strip.
    public static func make(from matte: GrayImage, foregroundThreshold: UInt8 = 240, backgroundThreshold: UInt8 = 10,
                            erode: Int = 10) -> GrayImage {
        let w = matte.width, h = matte.height
        let fg = Morphology.erode(matte.pixels.map { $0 > foregroundThreshold }, width: w, height: h, size: erode)
        let bg = Morphology.erode(matte.pixels.map { $0 < backgroundThreshold }, width: w, height: h, size: erode)
        var out = [UInt8](repeating: unknown, count: w * h)
        for i in 0..<w * h {
            if fg[i] { out[i] = foreground } else if bg[i] { out[i] = background }
        }
        return GrayImage(width: w, height: h, pixels: out)
    }
}

/// Binary and grey-level morphology with square structuring elements, separable and O(1) per pixel.
enum Morphology {
    /// Binary erosion by a `size × size` square: a pixel stays set only if every pixel of the square placed at
    /// offsets `−size/2 … size − 1 − size/2` is set; the square is clipped to the image, or, when `outside` is
    /// given, pixels outside count as that value.
    static func erode(_ mask: [Bool], width w: Int, height h: Int, size: Int, outside: Bool? = nil) -> [Bool] {
        guard size > 1 else { return mask }
        let lo = size / 2, hi = size - 1 - size / 2
        // A window is all-set when it holds no unset pixel: count unset pixels with prefix sums.
        func pass(_ src: [Bool], count: Int, lines: Int, lineStride: Int, step: Int) -> [Bool] {
            var out = [Bool](repeating: false, count: src.count)
            var prefix = [Int](repeating: 0, count: count + 1)
            for line in 0..<lines {
                let base = line * lineStride
                for i in 0..<count { prefix[i + 1] = prefix[i] + (src[base + i * step] ? 0 : 1) }
                for i in 0..<count {
                    let a = i - lo, b = i + hi
                    if outside == false && (a < 0 || b >= count) { out[base + i * step] = false; continue }
                    let unset = prefix[min(b, count - 1) + 1] - prefix[max(a, 0)]
                    out[base + i * step] = unset == 0
                }
            }
            return out
        }
        let rows = pass(mask, count: w, lines: h, lineStride: w, step: 1)
        return pass(rows, count: h, lines: w, lineStride: 1, step: w)
    }

    /// Grey-level erosion (window minimum) or dilation (maximum) over the `(2r + 1)²` square, clipped to the image.
    static func extremum(_ src: [UInt8], width w: Int, height h: Int, radius r: Int, minimum: Bool) -> [UInt8] {
        guard r > 0 else { return src }
        func pass(_ s: [UInt8], count: Int, lines: Int, lineStride: Int, step: Int) -> [UInt8] {
            var out = s
            var line = [UInt8](repeating: 0, count: count)
            for l in 0..<lines {
                let base = l * lineStride
                for i in 0..<count { line[i] = s[base + i * step] }
                // Van Herk / Gil-Werman: block-wise prefix and suffix extrema give any window in two lookups.
                let k = 2 * r + 1
                var pre = line, suf = line
                for i in 0..<count where i % k != 0 {
                    pre[i] = minimum ? min(pre[i - 1], line[i]) : max(pre[i - 1], line[i])
                }
                if count > 1 {
                    for i in stride(from: count - 2, through: 0, by: -1) where (i + 1) % k != 0 {
                        suf[i] = minimum ? min(suf[i + 1], line[i]) : max(suf[i + 1], line[i])
                    }
                }
                for i in 0..<count {
                    let a = max(0, i - r), b = min(count - 1, i + r)
                    // [a, b] spans at most two blocks: the suffix of a's block and the prefix of b's.
                    let v: UInt8
                    if a / k == b / k {
                        var m = line[a]
                        for j in a...b { m = minimum ? min(m, line[j]) : max(m, line[j]) }
                        v = m
                    } else {
                        v = minimum ? min(suf[a], pre[b]) : max(suf[a], pre[b])
                    }
                    out[base + i * step] = v
                }
            }
            return out
        }
        let rows = pass(src, count: w, lines: h, lineStride: w, step: 1)
        return pass(rows, count: h, lines: w, lineStride: 1, step: w)
    }
}
