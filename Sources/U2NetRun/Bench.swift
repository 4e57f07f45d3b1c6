import ArgumentParser
import Foundation
import U2Net

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Time inference: warm-up, then timed runs; prints min and median.",
        discussion: "--json prints one JSON object as the last line (median_ms, min_ms, runs, threads, size, peak_rss_mb).")

    @OptionGroup var options: ModelOption
    @Option(name: .long, help: "Input size (H = W); default: the model's declared size.") var size: Int?
    @Option(name: .long, help: "Timed runs.") var runs: Int = 10
    @Option(name: .long, help: "Untimed warm-up runs.") var warmup: Int = 2
    @Flag(name: .long, help: "Print one JSON object.") var json = false
    @Flag(name: .long, help: "Print time per op kind and per convolution class, and the slowest steps.") var profile = false
    @Option(name: .customLong("steps"), help: "Slowest steps listed by --profile.") var stepsListed = 15
    @Option(name: .long, help: "Convolution algorithm, each where it applies: winograd is F(4×4,3×3), winograd2x2 F(2×2,3×3).")
    var convolution: PlanOptions.Convolution = .automatic

    func run() {
        reportingErrors {
            guard runs >= 1, warmup >= 0 else { throw ValidationError("--runs must be ≥ 1 and --warmup ≥ 0") }
            if let size, size < 1 || size > 16384 { throw ValidationError("--size must be in 1...16384") }
            let model = try options.load()
            model.planOptions.convolution = convolution
            let shape = try model.inputShape(size: size)
            let session = try model.session(inputShape: shape)
            // A deterministic input in the range a normalised photo has.
            let input = session.inputBuffer(0)
            for i in 0..<input.count { input[i] = Float((i * 7919) % 1000) / 250 - 2 }
            for _ in 0..<warmup { session.execute(timings: nil) }
            let stepCount = session.stepDescriptions.count
            let timings = UnsafeMutablePointer<Double>.allocate(capacity: max(stepCount, 1))
            timings.initialize(repeating: 0, count: max(stepCount, 1))
            defer { timings.deallocate() }
            var times: [Double] = []
            for _ in 0..<runs {
                let watch = Stopwatch()
                session.execute(timings: profile ? timings : nil)
                times.append(watch.milliseconds)
            }
            let sorted = times.sorted()
            let median = sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
            let rss = Double(ResourceUsage.peakResidentBytes() ?? 0) / 1048576
            if profile { printProfile(session, timings, runs: runs, total: times.reduce(0, +)) }
            let summary: [String: Any] = [
                "model": model.path, "size": shape.count == 4 ? shape[3] : shape.last ?? 0, "threads": model.threads,
                "runs": runs, "median_ms": median, "min_ms": sorted[0], "peak_rss_mb": rss,
                "multiply_adds": session.plan.statistics.multiplyAdds,
            ]
            if json {
                print(String(decoding: try JSONSerialization.data(withJSONObject: summary, options: [.sortedKeys]), as: UTF8.self))
            } else {
                print("\(URL(fileURLWithPath: model.path).lastPathComponent) input \(shape), \(model.threads) threads, \(runs) runs")
                print(String(format: "median %.1f ms, min %.1f ms, peak RSS %.0f MB, %.1f GFLOP/s at the median",
                             median, sorted[0], rss, 2 * Double(session.plan.statistics.multiplyAdds) / median / 1e6))
            }
        }
    }

    private func printProfile(_ session: Session, _ timings: UnsafeMutablePointer<Double>, runs: Int, total: Double) {
        let steps = session.stepDescriptions, details = session.stepDetails
        let perRun = total / Double(runs)
        func table(_ title: String, _ key: (Int) -> String) {
            var groups: [String: (seconds: Double, macs: Int, count: Int)] = [:]
            for i in steps.indices {
                let e = groups[key(i), default: (0, 0, 0)]
                groups[key(i)] = (e.seconds + timings[i], e.macs + steps[i].multiplyAdds, e.count + 1)
            }
            print(title.padding(toLength: 30, withPad: " ", startingAt: 0) + " steps   ms/run      %   GFLOP/s")
            for (name, e) in groups.sorted(by: { $0.value.seconds > $1.value.seconds }) {
                let ms = e.seconds * 1000 / Double(runs)
                let gflops = e.macs > 0 ? String(format: "%9.1f", 2 * Double(e.macs) / (e.seconds / Double(runs)) / 1e9) : "        -"
                print(String(format: "%@ %5d %8.2f %6.1f %@", name.padding(toLength: 30, withPad: " ", startingAt: 0),
                             e.count, ms, 100 * ms / perRun, gflops))
            }
        }
        table("op kind") { steps[$0].opType }
        table("convolution class") { steps[$0].opType == "Conv" ? details[$0].algorithm : "(not a convolution)" }
        print("slowest steps  ms/run   GFLOP/s  node, algorithm, output shape")
        let order = steps.indices.sorted { timings[$0] > timings[$1] }
        for i in order.prefix(max(stepsListed, 0)) {
            let ms = timings[i] * 1000 / Double(runs)
            let gflops = steps[i].multiplyAdds > 0 ? String(format: "%9.1f", 2 * Double(steps[i].multiplyAdds) / (ms / 1000) / 1e9) : "        -"
            print(String(format: "  %-10@ %7.2f %@  %@  %@  %@", steps[i].opType, ms, gflops, steps[i].name,
                         details[i].algorithm, "\(details[i].outputShape)"))
        }
    }
}
