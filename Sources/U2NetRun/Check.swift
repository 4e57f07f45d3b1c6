import ArgumentParser
import Foundation
import U2Net

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
    @Option(name: .long, help: "Relative tolerance.") var rtol: Double = 1e-3
    @Option(name: .long, help: "Absolute tolerance.") var atol: Double = 1e-7
    @Option(name: .long, help: "Worker threads (default: every core).") var threads: Int?
    @Flag(name: .long, help: "One JSON object per case.") var json = false
    @Flag(name: .long, help: "Only the summary line (and failures).") var quiet = false

    func run() {
        let status: Int32 = reportingErrors { try process() }
        Foundation.exit(status)
    }

    /// Case folders: those holding model.onnx, else their subfolders that do.
    func caseFolders() throws -> [String] {
        let fm = FileManager.default
        var out: [String] = []
        for path in cases {
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue else {
                throw ValidationError("'\(path)' is not a folder")
            }
            if fm.fileExists(atPath: path + "/model.onnx") { out.append(path); continue }
            let children = (try? fm.contentsOfDirectory(atPath: path))?.sorted() ?? []
            let found = children.map { path + "/" + $0 }.filter { fm.fileExists(atPath: $0 + "/model.onnx") }
            guard !found.isEmpty else { throw ValidationError("no model.onnx in '\(path)' or its subfolders") }
            out += found
        }
        return out
    }

    func process() throws -> Int32 {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        let folders = try caseFolders()
        var counts = ["pass": 0, "mismatch": 0, "refused": 0]
        for folder in folders {
            let t0 = DispatchTime.now().uptimeNanoseconds
            let outcome = TestCase.run(folder: folder, rtol: rtol, atol: atol, threads: threads)
            let ms = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6
            counts[outcome.kind, default: 0] += 1
            let name = URL(fileURLWithPath: folder).lastPathComponent
            if json {
                var line: [String: Any] = ["case": folder, "result": outcome.kind, "ms": (ms * 10).rounded() / 10]
                if let detail = outcome.detail { line["detail"] = detail }
                if !outcome.ops.isEmpty { line["ops"] = outcome.ops }
                let d = try JSONSerialization.data(withJSONObject: line, options: [.sortedKeys])
                print(String(decoding: d, as: UTF8.self))
            } else if !quiet || outcome.kind != "pass" {
                print("\(name): \(outcome.kind)" + (outcome.detail.map { " — \($0)" } ?? ""))
            }
            fflush(stdout)
        }
        if !json {
            print("\(folders.count) cases: \(counts["pass"]!) passed, \(counts["mismatch"]!) mismatched, \(counts["refused"]!) refused")
        }
        return counts["pass"] == folders.count ? 0 : ExitStatus.difference
    }
}

/// One ONNX test case: its model, its data sets, and how our outputs compare.
enum TestCase {
    struct Outcome {
        var kind: String
        var detail: String?
        /// The op types in the model (for per-op tables).
        var ops: [String] = []
    }

    static func run(folder: String, rtol: Double, atol: Double, threads: Int?) -> Outcome {
        let model: ONNXModel
        do { model = try ONNXModel.load(path: folder + "/model.onnx") } catch {
            return Outcome(kind: "refused", detail: "\(error)")
        }
        let ops = Array(Set(model.graph.nodes.map(\.opType))).sorted()
        let fm = FileManager.default
        let sets = ((try? fm.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasPrefix("test_data_set_") }.sorted()
        guard !sets.isEmpty else { return Outcome(kind: "refused", detail: "no test_data_set_* folder", ops: ops) }
        for set in sets {
            let dir = folder + "/" + set
            do {
                let inputs = try numbered(dir, prefix: "input_")
                let expected = try numbered(dir, prefix: "output_")
                let feeds = model.graph.feedInputs
                guard inputs.count <= feeds.count else {
                    return Outcome(kind: "refused", detail: "\(set): \(inputs.count) inputs for a graph with \(feeds.count)", ops: ops)
                }
                var shapes: [String: [Int]] = [:], runtime: [String: Tensor] = [:], planned: [String: Tensor] = [:]
                for (info, t) in zip(feeds, inputs) {
                    let tensor = try convert(t, what: "input '\(info.name)'")
                    if tensor.dtype == .float32 && tensor.count > 0 {
                        shapes[info.name] = tensor.shape; runtime[info.name] = tensor
                    } else {
                        planned[info.name] = tensor
                    }
                }
                let plan: Plan
                do {
                    plan = try Plan(model: model, inputShapes: shapes, threads: threads, options: PlanOptions(inputValues: planned))
                } catch let first as RuntimeError {
                    // Some float inputs are parameters the engine needs when planning (Resize scales, Clip
                    // bounds, weights): plan again with every input known, so the graph folds.
                    guard case .unsupportedOperator = first, !runtime.isEmpty else { throw first }
                    planned.merge(runtime) { $1 }
                    runtime = [:]
                    shapes = [:]
                    plan = try Plan(model: model, inputShapes: shapes, threads: threads, options: PlanOptions(inputValues: planned))
                }
                let results = try Session(plan: plan).run(runtime)
                for (k, want) in expected.enumerated() {
                    guard k < model.graph.outputs.count else { break }
                    let name = model.graph.outputs[k].name
                    guard let got = results[name] else { return Outcome(kind: "refused", detail: "output '\(name)' missing", ops: ops) }
                    let reference = try convert(want, what: "output '\(name)'")
                    if let problem = compare(got, reference, rtol: rtol, atol: atol) {
                        return Outcome(kind: "mismatch", detail: "\(set) output '\(name)': \(problem)", ops: ops)
                    }
                }
            } catch let e as RuntimeError {
                return Outcome(kind: "refused", detail: "\(e)", ops: ops)
            } catch {
                return Outcome(kind: "refused", detail: "\(error)", ops: ops)
            }
        }
        return Outcome(kind: "pass", ops: ops)
    }

    /// `PREFIXk.pb` files of a folder, in order of k.
    static func numbered(_ dir: String, prefix: String) throws -> [ONNXTensor] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [])
            .filter { $0.hasPrefix(prefix) && $0.hasSuffix(".pb") }
            .compactMap { name -> (Int, String)? in Int(name.dropFirst(prefix.count).dropLast(3)).map { ($0, name) } }
            .sorted { $0.0 < $1.0 }
        return try names.map { try ONNXTensor.load(path: dir + "/" + $0.1) }
    }

    struct UnsupportedData: Error, CustomStringConvertible {
        let description: String
    }

    /// Test data as a tensor: float32, int64, int32 and bool only.
    static func convert(_ t: ONNXTensor, what: String) throws -> Tensor {
        switch t.dataType {
        case .float, .int64, .int32, .bool: return Tensor(onnx: t)
        default: throw UnsupportedData(description: "\(what) has type \(t.dataType) (float32, int64, int32 and bool are supported)")
        }
    }

    /// Why `got` does not match `want`, or nil when it does.
    static func compare(_ got: Tensor, _ want: Tensor, rtol: Double, atol: Double) -> String? {
        guard got.shape == want.shape else { return "shape \(got.shape), expected \(want.shape)" }
        guard got.dtype == want.dtype else { return "type \(got.dtype), expected \(want.dtype)" }
        if !want.dtype.isFloatingPoint {
            let a = got.integers, b = want.integers
            if let i = (0..<a.count).first(where: { a[$0] != b[$0] }) { return "element \(i) is \(a[i]), expected \(b[i])" }
            return nil
        }
        let a = got.floats, b = want.floats
        var worst = -1, worstExcess = 0.0, worstError = 0.0
        for i in 0..<a.count {
            let x = Double(a[i]), y = Double(b[i])
            if x.isNaN && y.isNaN { continue }
            if x == y { continue }  // equal infinities
            let error = abs(x - y)
            let excess = error.isNaN ? .infinity : error - (atol + rtol * abs(y))
            if excess > 0 && (worst < 0 || excess > worstExcess) { worst = i; worstExcess = excess; worstError = error }
        }
        guard worst >= 0 else { return nil }
        return "worst error \(worstError) at element \(worst) (\(a[worst]) vs \(b[worst]))"
    }
}
