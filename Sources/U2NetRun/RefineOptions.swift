import ArgumentParser
import U2Net

/// The matte refinement options shared by `remove` and `refine`.
struct RefineOptions: ParsableArguments {
    @Option(name: .long, help: "Refine the matte against the photo.")
    var refine: Refinement.Method = .none
    @Flag(name: .long, help: "Estimate the subject's own colours at the edges (no fringe of the old background).")
    var decontaminate = false
    @Option(name: .long, help: "Closed form: mask level above which pixels are surely subject.") var trimapFg: Int = 240
    @Option(name: .long, help: "Closed form: mask level below which pixels are surely background.") var trimapBg: Int = 10
    @Option(name: .long, help: "Closed form: erosion of the sure regions, in pixels.") var trimapErode: Int = 10
    @Option(name: .long, help: "Closed form: the matting Laplacian's regulariser.") var cfEpsilon: Double = 1e-7
    @Option(name: .long, help: "Closed form: stop when the residual falls below this fraction.") var cfTolerance: Double = 1e-4
    @Option(name: .long, help: "Guided filter window radius in pixels (default: 2% of the longer side).") var guidedRadius: Int?
    @Option(name: .long, help: "Guided filter regularisation (colours in [0, 1]).") var guidedEps: Float = 1e-4
    @Option(name: .long, help: "Feather the final matte: Gaussian of this radius in pixels (sigma = radius / 2).")
    var feather: Double = 0
    @Option(name: .long, help: "Erode the final matte by this many pixels.") var shrink: Int = 0
    @Flag(name: .long, help: "Drop small islands and fill small holes in the mask first.") var cleanup = false

    func validate() throws {
        for (name, v) in [("--trimap-fg", trimapFg), ("--trimap-bg", trimapBg)] where !(0...255).contains(v) {
            throw ValidationError("\(name) must be in 0...255")
        }
        if trimapBg > trimapFg { throw ValidationError("--trimap-bg must not exceed --trimap-fg") }
        if !(0...200).contains(trimapErode) { throw ValidationError("--trimap-erode must be in 0...200") }
        if let guidedRadius, !(1...500).contains(guidedRadius) { throw ValidationError("--guided-radius must be in 1...500") }
        if !(cfEpsilon > 0 && cfEpsilon < 1) { throw ValidationError("--cf-epsilon must be in (0, 1)") }
        if !(cfTolerance > 0 && cfTolerance < 1) { throw ValidationError("--cf-tolerance must be in (0, 1)") }
        if !(guidedEps > 0) { throw ValidationError("--guided-eps must be positive") }
        if !(0...200).contains(feather) { throw ValidationError("--feather must be in 0...200") }
        if !(0...200).contains(shrink) { throw ValidationError("--shrink must be in 0...200") }
    }

    func refinement(threads: Int?) -> Refinement {
        var r = Refinement()
        r.method = refine
        r.decontaminate = decontaminate
        r.trimapForeground = UInt8(trimapFg)
        r.trimapBackground = UInt8(trimapBg)
        r.trimapErode = trimapErode
        r.epsilon = cfEpsilon
        r.tolerance = cfTolerance
        r.guidedRadius = guidedRadius ?? 0
        r.guidedEpsilon = guidedEps
        r.feather = feather
        r.shrink = shrink
        r.cleanup = cleanup
        if let threads { r.threads = threads }
        return r
    }
}
