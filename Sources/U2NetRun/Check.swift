import ArgumentParser
import Foundation
import ModelCheck
import NNTensor

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run ONNX test cases (model.onnx + test_data_set_N/input_K.pb, output_K.pb) and compare outputs.",
        discussion: """
            A CASE_DIR holds model.onnx and test_data_set_* folders (the layout of ONNX's backend tests and of \
            the model zoo); a folder of such folders is searched one level down. Every output must have the \
            expected shape and type and satisfy |ours − expected| ≤ atol + rtol·|expected| (NaN matches NaN). \
            Floating inputs are fed at run time; integer and boolean inputs are folded in when planning. \
            One line per case: pass, mismatch (output, worst error, where) or refused (why). Exit status 0 only \
            if every case passed.
            """)

    @Argument(help: "Test-case folders, or folders of them.") var cases: [String]
    @Option(name: .long, help: "Relative tolerance.") var rtol: Double = ONNXTestCase.defaultTolerance.relative
    @Option(name: .long, help: "Absolute tolerance.") var atol: Double = ONNXTestCase.defaultTolerance.absolute
    @Option(name: .long, help: "Worker threads (default: every core).") var threads: Int?
    @Flag(name: .long, help: "One JSON object per case.") var json = false
    @Flag(name: .long, help: "Only the summary line (and failures).") var quiet = false

    func run() {
        let status: Int32 = reportingErrors { try process() }
        Foundation.exit(status)
    }

    func process() throws -> Int32 {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        let testCases = try ONNXTestCase.find(in: cases)
        let tolerance = Tolerance(absolute: atol, relative: rtol)
        var counts: [CaseOutcome.Result: Int] = [:]
        for testCase in testCases {
            let t0 = DispatchTime.now().uptimeNanoseconds
            let outcome = testCase.run(tolerance: tolerance, threads: threads)
            let ms = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6
            counts[outcome.result, default: 0] += 1
            if json {
                var line: [String: Any] = ["case": testCase.folder, "result": outcome.result.rawValue, "ms": (ms * 10).rounded() / 10]
                if let detail = outcome.detail { line["detail"] = detail }
                if !outcome.ops.isEmpty { line["ops"] = outcome.ops }
                let d = try JSONSerialization.data(withJSONObject: line, options: [.sortedKeys])
                print(String(decoding: d, as: UTF8.self))
            } else if !quiet || outcome.result != .pass {
                print("\(testCase.name): \(outcome.result.rawValue)" + (outcome.detail.map { " — \($0)" } ?? ""))
            }
            fflush(stdout)
        }
        let passed = counts[.pass, default: 0]
        if !json {
            print("\(testCases.count) cases: \(passed) passed, \(counts[.mismatch, default: 0]) mismatched, \(counts[.refused, default: 0]) refused")
        }
        return passed == testCases.count ? 0 : ExitStatus.difference
    }
}
