import Imaging
import NNTensor

/// How a model family wants its input prepared and its output turned into a mask.
///
/// The U²-Net family (u2net, u2netp, u2net_human_seg, silueta) follows rembg 2.0.86 exactly: RGB resized
/// to the network size with Pillow-exact Lanczos, divided by the image's maximum, normalised with
/// ImageNet's mean and std; output 0 min-max normalised, scaled by 255 and truncated to 8 bits, then
/// resized back to the photo's size with Lanczos.
public struct ModelPreset: Sendable, Equatable {
    public var name: String
    /// Network input size (square), in pixels.
    public var size: Int
    public var mean: (Float, Float, Float)
    public var std: (Float, Float, Float)

    public static func == (a: ModelPreset, b: ModelPreset) -> Bool {
        a.name == b.name && a.size == b.size && a.mean == b.mean && a.std == b.std
    }

    public static let u2netFamily = ["u2net", "u2netp", "u2net_human_seg", "silueta"]

    /// The preset for a U²-Net-family model at `size` (320 by default).
    public static func u2net(name: String = "u2netp", size: Int = 320) -> ModelPreset {
        ModelPreset(name: name, size: size, mean: (0.485, 0.456, 0.406), std: (0.229, 0.224, 0.225))
    }

    /// The network input for `image`: a `1 × 3 × size × size` float32 tensor.
    public func prepare(_ image: Image) -> Tensor {
        let s = size
        let resized = Resample.lanczos(image.rgb, width: image.width, height: image.height, channels: 3,
                                       outWidth: s, outHeight: s)
        let peak = Double(max(resized.max() ?? 0, 1))
        let means = [Double(mean.0), Double(mean.1), Double(mean.2)]
        let stds = [Double(std.0), Double(std.1), Double(std.2)]
        var values = [Float](repeating: 0, count: 3 * s * s)
        // In double, as NumPy does it, then rounded once to float32.
        for c in 0..<3 {
            let m = means[c], d = stds[c]
            let lut = (0..<256).map { Float((Double($0) / peak - m) / d) }
            for i in 0..<s * s { values[c * s * s + i] = lut[Int(resized[3 * i + c])] }
        }
        return Tensor(shape: [1, 3, s, s], values: values)
    }

    /// The 8-bit mask at the photo's size from the network's first output (`1 × 1 × size × size`).
    public func finish(_ output: Tensor, width: Int, height: Int) -> GrayImage {
        let h = output.shape[output.rank - 2], w = output.shape[output.rank - 1]
        let pred = Array(output.floats.prefix(h * w))
        let lo = pred.min() ?? 0, hi = pred.max() ?? 0
        let range = hi - lo
        var levels = [UInt8](repeating: 0, count: h * w)
        if range > 0 {
            for i in 0..<pred.count {
                let v = (pred[i] - lo) / range * 255
                levels[i] = UInt8(max(0, min(255, v)).rounded(.towardZero))
            }
        }
        let resized = Resample.lanczos(levels, width: w, height: h, channels: 1, outWidth: width, outHeight: height)
        return GrayImage(width: width, height: height, pixels: resized)
    }
}
