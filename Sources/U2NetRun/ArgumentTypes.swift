import ArgumentParser
import U2Net

// The library's option types as command-line values: ArgumentParser parses them and lists their values in
// `--help` and in its error messages.

/// `--refine none|guided|closed-form`.
extension Refinement.Method: ExpressibleByArgument {}

/// `--format png|jpg|jpeg|webp`.
extension ImageFormat: ExpressibleByArgument {
    public init?(argument: String) { self.init(fileExtension: argument) }
    public static var allValueStrings: [String] { ["png", "jpg", "jpeg", "webp"] }
    public var defaultValueDescription: String { fileExtension }
}

/// `--bg white|off-white|…|#RRGGBB`: a colour background.
extension Background: ExpressibleByArgument {
    public init?(argument: String) { self.init(color: argument) }
    public static var allValueStrings: [String] { colorNames + ["#RRGGBB"] }
    public static var defaultCompletionKind: CompletionKind { .list(colorNames) }
}

/// `bench --convolution auto|im2col|direct|winograd|winograd2x2`.
extension PlanOptions.Convolution: ExpressibleByArgument {
    static let choices: [Self] = [.automatic, .im2col, .direct, .winograd, .winograd2x2]

    public init?(argument: String) {
        guard let choice = Self.choices.first(where: { $0.defaultValueDescription == argument }) else { return nil }
        self = choice
    }

    public static var allValueStrings: [String] { choices.map(\.defaultValueDescription) }

    public var defaultValueDescription: String {
        switch self {
        case .automatic: return "auto"
        case .im2col: return "im2col"
        case .direct: return "direct"
        case .winograd: return "winograd"
        case .winograd2x2: return "winograd2x2"
        }
    }
}
