import Foundation
import Imaging
import NNTensor

/// How a model family wants its input prepared and its output turned into a mask.
///
/// - The U²-Net family (u2net, u2netp, u2net_human_seg, silueta), the IS-Net family (isnet-general-use,
///   isnet-anime), BiRefNet (birefnet-general, -general-lite, -portrait, -dis, -hrsod, -cod, -massive), BRIA's
///   RMBG-2.0 (bria-rmbg) and BEN2 follow rembg 2.0.86 exactly: RGB resized to a square with Pillow-exact Lanczos,
///   divided by the image's maximum, normalised with the family's mean and std; output 0 (through a sigmoid
///   first for BiRefNet, whose exports end in logits) min-max normalised, scaled by 255 and truncated to 8 bits,
///   then resized back to the photo's size with Lanczos.
/// - MODNet follows its own inference code: the shorter side scaled to `size` (when the photo is smaller than
///   `size` on its longer side or larger on its shorter side), both sides rounded down to multiples of 32,
///   area interpolation, RGB scaled to [−1, 1]; the matte (already in [0, 1]) is resized back with area
///   interpolation.
public struct ModelPreset: Sendable, Equatable {
    /// How a model family prepares its input and finishes its output.
    public enum Family: String, Sendable {
        /// rembg's square preprocessing and min-max finishing (U²-Net, IS-Net, RMBG).
        case rembg
        /// MODNet's aspect-preserving preprocessing and direct matte.
        case modnet
    }

    /// The preset's name (the model family, e.g. "u2net", "isnet", "modnet").
    public var name: String
    /// Its preprocessing and finishing.
    public var family: Family
    /// Network input size in pixels: the square's side (rembg family) or the reference shorter side (MODNet).
    public var size: Int
    /// Per-channel mean (R, G, B) subtracted after scaling to [0, 1].
    public var mean: (Float, Float, Float)
    /// Per-channel standard deviation (R, G, B) divided by after the mean.
    public var std: (Float, Float, Float)
    /// Whether the network's output is a logit that rembg passes through a sigmoid before min-max
    /// normalising it (BiRefNet); false where the output is already a probability.
    public var sigmoidOutput: Bool

    /// A preset from its parts.
    public init(name: String, family: Family, size: Int, mean: (Float, Float, Float), std: (Float, Float, Float),
                sigmoidOutput: Bool = false) {
        self.name = name; self.family = family; self.size = size; self.mean = mean; self.std = std
        self.sigmoidOutput = sigmoidOutput
    }

    public static func == (a: ModelPreset, b: ModelPreset) -> Bool {
        a.name == b.name && a.family == b.family && a.size == b.size && a.mean == b.mean && a.std == b.std
            && a.sigmoidOutput == b.sigmoidOutput
    }

    /// The preset for a U²-Net-family model at `size` (320 by default).
    public static func u2net(name: String = "u2netp", size: Int = 320) -> ModelPreset {
        ModelPreset(name: name, family: .rembg, size: size, mean: (0.485, 0.456, 0.406), std: (0.229, 0.224, 0.225))
    }

    /// IS-Net (`isnet-general-use`, `isnet-anime`) as rembg runs it: 1024 × 1024, mean 0.5, std 1.
    public static func isnet(name: String = "isnet-general-use", size: Int = 1024) -> ModelPreset {
        ModelPreset(name: name, family: .rembg, size: size, mean: (0.5, 0.5, 0.5), std: (1, 1, 1))
    }

    /// BRIA's RMBG-2.0 as rembg 2.0.86 runs it (`bria-rmbg`): 1024 × 1024 with ImageNet's mean and std, the
    /// output already a probability (min-max normalised, no sigmoid).
    public static func bria(name: String = "bria-rmbg", size: Int = 1024) -> ModelPreset {
        ModelPreset(name: name, family: .rembg, size: size, mean: (0.485, 0.456, 0.406), std: (0.229, 0.224, 0.225))
    }

    /// BiRefNet (`birefnet-general`, `-general-lite`, `-portrait`, `-dis`, `-hrsod`, `-cod`, `-massive`) as rembg
    /// 2.0.86 runs it: 1024 × 1024 with ImageNet's mean and std; the output's logits through a sigmoid, then
    /// min-max normalised.
    public static func birefnet(name: String = "birefnet-general", size: Int = 1024) -> ModelPreset {
        ModelPreset(name: name, family: .rembg, size: size, mean: (0.485, 0.456, 0.406), std: (0.229, 0.224, 0.225),
                    sigmoidOutput: true)
    }

    /// BEN2 as rembg 2.0.86's `ben_custom` session runs it: 1024 × 1024, mean 0.5, std 1, min-max normalised.
    public static func ben2(name: String = "ben2", size: Int = 1024) -> ModelPreset {
        ModelPreset(name: name, family: .rembg, size: size, mean: (0.5, 0.5, 0.5), std: (1, 1, 1))
    }

    /// MODNet with reference size `size` (512 by default).
    public static func modnet(name: String = "modnet", size: Int = 512) -> ModelPreset {
        ModelPreset(name: name, family: .modnet, size: size, mean: (0.5, 0.5, 0.5), std: (0.5, 0.5, 0.5))
    }

    /// The preset a model file name implies: `modnet…` → MODNet, `isnet…` → IS-Net, `birefnet…` → BiRefNet,
    /// `ben…` → BEN2, `bria…` or `…rmbg…` → RMBG, anything else → U²-Net. `size` overrides the family's default.
    public static func forModel(named stem: String, size: Int? = nil) -> ModelPreset {
        let s = stem.lowercased()
        if s.contains("modnet") { return size.map { modnet(name: stem, size: $0) } ?? modnet(name: stem) }
        if s.hasPrefix("isnet") { return size.map { isnet(name: stem, size: $0) } ?? isnet(name: stem) }
        if s.hasPrefix("birefnet") { return size.map { birefnet(name: stem, size: $0) } ?? birefnet(name: stem) }
        if s.hasPrefix("ben") { return size.map { ben2(name: stem, size: $0) } ?? ben2(name: stem) }
        if s.hasPrefix("bria") || s.contains("rmbg") { return size.map { bria(name: stem, size: $0) } ?? bria(name: stem) }
        return u2net(name: stem, size: size ?? 320)
    }

    /// The network input's height and width for a `width × height` photo.
    public func inputSize(width: Int, height: Int) -> (height: Int, width: Int) {
        guard family == .modnet else { return (size, size) }
        var (h, w) = (height, width)
        if max(h, w) < size || min(h, w) > size {
            if w >= h { h = size; w = Int(Double(width) / Double(height) * Double(size)) } else {
                w = size; h = Int(Double(height) / Double(width) * Double(size))
            }
        }
        return (max(32, h - h % 32), max(32, w - w % 32))
    }

    /// The network input for `image`: a `1 × 3 × H × W` float32 tensor (`H × W` from ``inputSize(width:height:)``).
    public func prepare(_ image: Image) -> Tensor {
        if family == .modnet {
            let (h, w) = inputSize(width: image.width, height: image.height)
            let resized = AreaResize.resize(image.rgb.map(Float.init), width: image.width, height: image.height, channels: 3,
                                            outWidth: w, outHeight: h)
            var values = [Float](repeating: 0, count: 3 * h * w)
            let means = [mean.0, mean.1, mean.2], stds = [std.0, std.1, std.2]
            for c in 0..<3 { for i in 0..<h * w { values[c * h * w + i] = (resized[3 * i + c] / 255 - means[c]) / stds[c] } }
            return Tensor(shape: [1, 3, h, w], values: values)
        }
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

    /// The 8-bit mask at the photo's size from the network's first output (`1 × 1 × H × W`).
    public func finish(_ output: Tensor, width: Int, height: Int) -> GrayImage {
        let h = output.shape[output.rank - 2], w = output.shape[output.rank - 1]
        var pred = Array(output.floats.prefix(h * w))
        if sigmoidOutput {
            // As NumPy's 1 / (1 + exp(−x)) in float32.
            for i in pred.indices { pred[i] = 1 / (1 + Foundation.exp(-pred[i])) }
        }
        if family == .modnet {
            let matte = AreaResize.resize(pred, width: w, height: h, channels: 1, outWidth: width, outHeight: height)
            return GrayImage(width: width, height: height,
                             pixels: matte.map { UInt8(max(0, min(255, ($0 * 255).rounded()))) })
        }
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
