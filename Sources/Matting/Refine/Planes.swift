import Imaging

/// Float planes of an image, the form every refinement works on: values in [0, 1], row-major.
struct ColorPlanes {
    let width: Int
    let height: Int
    /// Three planes of `width × height`: red, green, blue.
    var values: [Float]

    init(width: Int, height: Int, values: [Float]) {
        precondition(values.count == 3 * width * height)
        self.width = width
        self.height = height
        self.values = values
    }

    init(_ image: Image) {
        let n = image.width * image.height
        var v = [Float](repeating: 0, count: 3 * n)
        image.rgb.withUnsafeBufferPointer { src in
            v.withUnsafeMutableBufferPointer { dst in
                for i in 0..<n {
                    dst[i] = Float(src[3 * i]) * (1 / 255)
                    dst[n + i] = Float(src[3 * i + 1]) * (1 / 255)
                    dst[2 * n + i] = Float(src[3 * i + 2]) * (1 / 255)
                }
            }
        }
        self.init(width: image.width, height: image.height, values: v)
    }
}

enum Levels {
    /// [0, 255] bytes to [0, 1] floats.
    static func unit(_ bytes: [UInt8]) -> [Float] { bytes.map { Float($0) * (1 / 255) } }

    /// [0, 1] floats to bytes, rounded and clamped.
    static func bytes(_ values: [Float]) -> [UInt8] {
        values.map { v in UInt8(max(0, min(255, (v * 255).rounded()))) }
    }
}
