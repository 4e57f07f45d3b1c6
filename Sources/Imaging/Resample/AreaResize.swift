/// Area interpolation as PyTorch's `interpolate(mode: "area")` computes it (adaptive average pooling):
/// output pixel `i` averages input pixels `⌊i·in/out⌋ ..< ⌈(i+1)·in/out⌉`, in both directions.
public enum AreaResize {
    /// `src` (`height × width × channels` floats, interleaved) resized to `outHeight × outWidth × channels`.
    public static func resize(_ src: [Float], width: Int, height: Int, channels: Int, outWidth: Int, outHeight: Int) -> [Float] {
        func spans(_ n: Int, _ m: Int) -> [Range<Int>] {
            (0..<m).map { i in (i * n / m)..<(((i + 1) * n + m - 1) / m) }
        }
        let xs = spans(width, outWidth), ys = spans(height, outHeight)
        // Columns first, then rows, each an average over its span.
        var rows = [Float](repeating: 0, count: height * outWidth * channels)
        for y in 0..<height {
            for (ox, span) in xs.enumerated() {
                for c in 0..<channels {
                    var s: Float = 0
                    for x in span { s += src[(y * width + x) * channels + c] }
                    rows[(y * outWidth + ox) * channels + c] = s / Float(span.count)
                }
            }
        }
        var out = [Float](repeating: 0, count: outHeight * outWidth * channels)
        for (oy, span) in ys.enumerated() {
            for ox in 0..<outWidth {
                for c in 0..<channels {
                    var s: Float = 0
                    for y in span { s += rows[(y * outWidth + ox) * channels + c] }
                    out[(oy * outWidth + ox) * channels + c] = s / Float(span.count)
                }
            }
        }
        return out
    }
}
