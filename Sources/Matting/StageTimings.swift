/// Milliseconds spent in each stage of one photo's trip through the pipeline, measured with ``Stopwatch``.
/// A stage that did not run has no entry.
///
/// ```swift
/// var timings = StageTimings()
/// let mask = timings.measure(.finish) { preset.finish(output, width: w, height: h) }
/// timings[.finish]            // milliseconds, or nil when the stage did not run
/// timings.milliseconds        // ["finish": 3.1], for JSON
/// ```
public struct StageTimings: Sendable, Equatable {
    /// The stages, in pipeline order; a stage's raw value is its name in reports (`--json`).
    public enum Stage: String, Sendable, CaseIterable {
        /// Reading and decoding the photo file.
        case decode
        /// Reading and decoding a mask file made elsewhere.
        case decodeMask = "decode_mask"
        /// Turning that mask into a matte at the photo's size.
        case maskResize = "mask_resize"
        /// The model preset's preprocessing: the network input tensor.
        case prepare
        /// The network.
        case infer
        /// The model preset's finishing: the 8-bit matte at the photo's size.
        case finish
        /// Refinement: islands dropped and pinholes filled.
        case cleanup
        /// Refinement: the trimap for closed-form matting.
        case trimap
        /// Refinement: the guided filter (or the closed-form solve's starting matte).
        case guided
        /// Refinement: the closed-form matting solve.
        case closedForm = "closed_form"
        /// Refinement: erosion of the final matte.
        case shrink
        /// Refinement: Gaussian feathering of the final matte.
        case feather
        /// Colour decontamination: the subject's own colours.
        case foreground
        /// The cutout, the flattened photo or the mask as an image.
        case composite
        /// PNG or JPEG encoding.
        case encode
        /// Writing the file.
        case write
    }

    private var values: [Stage: Double] = [:]

    /// No stage timed yet.
    public init() {}

    /// Milliseconds spent in `stage`, or nil when it did not run.
    public subscript(stage: Stage) -> Double? {
        get { values[stage] }
        set { values[stage] = newValue }
    }

    /// Milliseconds spent in the stage named `name` (a ``Stage`` raw value such as `"closed_form"`), or nil.
    public subscript(name: String) -> Double? {
        Stage(rawValue: name).flatMap { values[$0] }
    }

    /// Runs `body`, adding the milliseconds it takes to `stage`.
    @discardableResult
    public mutating func measure<T>(_ stage: Stage, _ body: () throws -> T) rethrows -> T {
        let watch = Stopwatch()
        defer { values[stage, default: 0] += watch.milliseconds }
        return try body()
    }

    /// Adds `other`'s milliseconds, stage by stage.
    public mutating func merge(_ other: StageTimings) {
        values.merge(other.values, uniquingKeysWith: +)
    }

    /// The stages that ran, in pipeline order, with their milliseconds.
    public var stages: [(stage: Stage, milliseconds: Double)] {
        Stage.allCases.compactMap { stage in values[stage].map { (stage, $0) } }
    }

    /// Milliseconds by stage name (``Stage`` raw values), for reports.
    public var milliseconds: [String: Double] {
        Dictionary(uniqueKeysWithValues: values.map { ($0.key.rawValue, $0.value) })
    }

    /// Milliseconds over all stages that ran.
    public var total: Double { values.values.reduce(0, +) }
}
