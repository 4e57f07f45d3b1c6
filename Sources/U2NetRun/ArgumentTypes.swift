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

/// `--shard i/n`: the i-th of n parts (1-based) of a batch. The inputs are sorted by path and photo k (0-based)
/// goes to shard k mod n + 1, so n runs — a Kubernetes Indexed Job, a Slurm array — cover every photo exactly once
/// whatever order the machines start in, and the shards differ in size by at most one photo.
struct Shard: ExpressibleByArgument, CustomStringConvertible, Equatable {
    var index: Int
    var count: Int

    init?(argument: String) {
        let parts = argument.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]), n >= 1, (1...n).contains(i) else { return nil }
        index = i
        count = n
    }

    var description: String { "\(index)/\(count)" }
    static var defaultCompletionKind: CompletionKind { .default }

    func select<T>(_ items: [T], by key: (T) -> String) -> [T] {
        items.sorted { key($0) < key($1) }.enumerated().filter { $0.offset % count == index - 1 }.map(\.element)
    }
}
