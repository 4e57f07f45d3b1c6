import NNTensor

/// Resize (opset 10 on) and Upsample (before it), over the two innermost axes.
enum ResizeOps {
    /// The fast path when it applies, else the general one (``ResizeReferenceOps``).
    static func resize(_ c: NodeContext) throws -> NodeResult {
        do {
            return try fastResize(c)
        } catch RuntimeError.unsupportedOperator(_, _, _, _, let detail) where !(detail ?? "").contains("must be known") {
            return try ResizeReferenceOps.resize(c)
        }
    }

    static func fastResize(_ c: NodeContext) throws -> NodeResult {
        let x = try c.input(0)
        let rank = x.shape.count
        guard rank >= 2 else { throw c.unsupported("inputs of rank \(rank)") }
        try ShapeOps.requireFloat(c, x)

        // Where scales and sizes come from, by opset.
        var scales: [Float]?
        var sizes: [Int]?
        if c.op == "Upsample" {
            if c.opset >= 9 { scales = try c.constantInput(1).floats } else { scales = c.floats("scales") }
        } else if c.opset < 11 {
            scales = try c.constantInput(1).floats
        } else {
            if let s = c.optionalInput(2), s.shape.reduce(1, *) > 0 { scales = try c.constantInput(2).floats }
            if let s = c.optionalInput(3), s.shape.reduce(1, *) > 0 { sizes = try c.constantInput(3).integers.map { Int($0) } }
        }
        if c.int("antialias", default: 0) != 0 { throw c.unsupported("antialias") }
        if let axes = c.ints("axes"), !axes.isEmpty { throw c.unsupported("the axes attribute") }
        if let p = c.string("keep_aspect_ratio_policy"), p != "stretch" { throw c.unsupported("keep_aspect_ratio_policy \(p)") }

        var outShape = x.shape
        var scaleList = [Float](repeating: 1, count: rank)
        if let sizes {
            guard sizes.count == rank else { throw c.invalid("sizes has \(sizes.count) values for rank \(rank)") }
            outShape = sizes
            for i in 0..<rank { scaleList[i] = Float(sizes[i]) / Float(x.shape[i]) }
        } else if let scales {
            guard scales.count == rank else { throw c.invalid("scales has \(scales.count) values for rank \(rank)") }
            scaleList = scales
            for i in 0..<rank {
                guard scales[i] > 0 else { throw c.invalid("scale \(scales[i])") }
                outShape[i] = Int((Float(x.shape[i]) * scales[i]).rounded(.down))
            }
        } else {
            throw c.invalid("neither scales nor sizes given")
        }
        for i in 0..<(rank - 2) where outShape[i] != x.shape[i] {
            throw c.unsupported("resizing axis \(i) (only the two innermost axes can be resized)")
        }
        guard outShape.allSatisfy({ $0 > 0 }) else { throw c.invalid("empty output \(outShape)") }

        let modeName = c.string("mode") ?? "nearest"
        let mode: Resize2D.Mode
        switch modeName {
        case "nearest":
            let r = c.string("nearest_mode") ?? "round_prefer_floor"
            guard let rounding = NearestRounding(rawValue: r) else { throw c.unsupported("nearest_mode \(r)") }
            // Before opset 11 nearest simply floors.
            mode = .nearest(c.op == "Upsample" || c.opset < 11 ? .floor : rounding)
        case "linear", "bilinear":
            mode = .linear
        default:
            throw c.unsupported("mode \(modeName)")
        }
        let transformName = (c.op == "Upsample" || c.opset < 11) ? "asymmetric" : (c.string("coordinate_transformation_mode") ?? "half_pixel")
        guard let transform = CoordinateTransform(rawValue: transformName) else {
            throw c.unsupported("coordinate_transformation_mode \(transformName)")
        }
        let planes = x.shape[..<(rank - 2)].reduce(1, *)
        let (ih, iw) = (x.shape[rank - 2], x.shape[rank - 1])
        let (oh, ow) = (outShape[rank - 2], outShape[rank - 1])
        let (sy, sx) = (scaleList[rank - 2], scaleList[rank - 1])
        let taps = ResizeTaps(mode: mode, transform: transform, inHeight: ih, inWidth: iw, outHeight: oh, outWidth: ow,
                              scaleY: sy, scaleX: sx)
        let make = { () -> Kernel in ResizeKernel(planes: planes, taps: taps) }
        let op = rank == 4 && x.shape[0] == 1 ? ResizeOp(c.op, taps: taps, make: make) : PlannedOp(c.op, make: make)
        return .runtime(outputs: [(outShape, .float32)], op: op)
    }
}

final class ResizeKernel: Kernel {
    let planes: Int
    let taps: ResizeTaps

    init(planes: Int, taps: ResizeTaps) {
        self.planes = planes
        self.taps = taps
    }

    func run(_ io: KernelIO) {
        taps.run(input: io.input(0), planes: planes, output: io.output(0), threads: io.threads)
    }
}
