import ArgumentParser
import Foundation
import U2Net

struct Remove: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Remove the background of photos (the default command).",
        discussion: """
            One photo: -o is the output file (default <stem>.out.png beside the input; '-' reads stdin or \
            writes stdout). Several photos or folders (searched recursively): -o is a folder, outputs are \
            <stem>.png (or .jpg, .webp with --format) mirroring subfolders. The output file's extension picks its \
            format: .png, .jpg/.jpeg or .webp (lossless unless --quality is given); any other is an error. Exit status: 0 all done, 1 some inputs failed (the \
            others were written), 2 nothing could be done.
            """)

    @Argument(help: "Photos (PNG, JPEG, WebP, HEIC, AVIF, TIFF) or folders; '-' for stdin.") var inputs: [String] = []
    @Option(name: .shortAndLong, help: "Output file (one input) or folder (several).") var output: String?
    @Option(name: .long, help: "Model name or .onnx path.") var model: String = "u2netp"
    @Option(name: .long, help: "Network input size in pixels (default: 320 for U²-Net, 1024 for IS-Net and RMBG, 512 for MODNet's shorter side).")
    var size: Int?
    @Option(name: .long, help: "Inference threads (default: every core).") var threads: Int?
    @Flag(name: .long, help: "Write the 8-bit mask as a grey PNG instead of a cutout.") var maskOnly = false
    @Option(name: .long, help: "Flatten onto a colour (a name or #RRGGBB).") var bg: Background?
    @Option(name: .long, help: "Flatten onto this image, scaled to cover.") var bgImage: String?
    @Option(name: .long, help: "Output format for folders and stdout (jpg needs --bg, --bg-image or --mask-only).")
    var format: ImageFormat?
    @Option(name: .long, help: "JPEG quality, 1–100 (default 92); for WebP, lossy at this quality (default: lossless).")
    var quality: Int?
    @Flag(name: .long, help: "Skip inputs whose output already exists.") var skipExisting = false
    @Option(name: .long, help: "Refuse images larger than this many megapixels.") var maxMegapixels: Double = 100
    @Flag(name: .long, help: "No progress or summary lines.") var quiet = false
    @Flag(name: .long, help: "One JSON line per image: input, output, sizes, milliseconds per stage.") var json = false
    @Option(name: .long, help: "Process only shard i of n (1-based) of the sorted inputs: n runs with i = 1…n cover every photo once.")
    var shard: Shard?
    @OptionGroup(title: "Matte refinement") var refineOptions: RefineOptions

    func validate() throws {
        if inputs.isEmpty { throw ValidationError("give at least one photo or folder") }
        if let size, size < 32 || size > 4096 { throw ValidationError("--size must be in 32...4096") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        if let quality, !(1...100).contains(quality) { throw ValidationError("--quality must be in 1...100") }
        if !(maxMegapixels > 0) { throw ValidationError("--max-megapixels must be positive") }
        if bg != nil && bgImage != nil { throw ValidationError("give --bg or --bg-image, not both") }
    }

    func run() {
        let status: Int32 = reportingErrors { try process() }
        if status != 0 { Foundation.exit(status) }
    }

    /// One unit of work: where a photo comes from and where its result goes.
    struct Job {
        var input: String
        var output: String
    }

    /// The format written to `path`: `--format`, else the one its name says, else PNG.
    func outputFormat(for path: String?) -> ImageFormat {
        format ?? path.flatMap { ImageFormat(path: $0) } ?? .png
    }

    /// Refuses an output file whose extension names no format we write (before anything is done or written).
    func checkExtension(of path: String) throws {
        guard format == nil, path != "-", let ext = ImageFormat.pathExtension(path), ImageFormat(fileExtension: ext) == nil else { return }
        throw ValidationError("cannot write '\(path)': the extension .\(ext) is not .png, .jpg, .jpeg or .webp")
    }

    /// What is written: the mask, the photo flattened onto `--bg` or `--bg-image`, or the cutout.
    func composition(backgroundImage: Image?) -> Composition {
        if maskOnly { return .mask }
        if let bg { return .flatten(onto: bg) }
        if let backgroundImage { return .flatten(onto: .image(backgroundImage)) }
        return .cutout
    }

    func jobs() throws -> [Job] {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        let single = inputs.count == 1 && !(fm.fileExists(atPath: inputs[0], isDirectory: &isDir) && isDir.boolValue)
        if single {
            let input = inputs[0]
            let out: String
            if let output { out = output } else if input == "-" { out = "-" } else {
                let url = URL(fileURLWithPath: input)
                out = url.deletingPathExtension().path + ".out." + outputFormat(for: nil).fileExtension
            }
            return [Job(input: input, output: out)]
        }
        guard let output else {
            throw ValidationError(inputs.count == 1 ? "a folder input needs -o FOLDER" : "several inputs need -o FOLDER")
        }
        if fm.fileExists(atPath: output, isDirectory: &isDir), !isDir.boolValue {
            throw ValidationError("-o '\(output)' is a file; several inputs need a folder")
        }
        let ext = outputFormat(for: nil).fileExtension
        var jobs: [Job] = []
        for input in inputs {
            // A file (or a missing path, reported when its turn comes) maps to <stem>.<ext> in the folder.
            guard fm.fileExists(atPath: input, isDirectory: &isDir), isDir.boolValue else {
                jobs.append(Job(input: input, output: output + "/" + URL(fileURLWithPath: input).deletingPathExtension().lastPathComponent + "." + ext))
                continue
            }
            let root = URL(fileURLWithPath: input).standardized
            var found: [Job] = []
            if let walker = fm.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey]) {
                for case let url as URL in walker {
                    let name = url.lastPathComponent.lowercased()
                    guard let inputExtension = ImageFormat.pathExtension(name), ImageFile.readableExtensions.contains(inputExtension) else { continue }
                    let relative = String(url.standardized.path.dropFirst(root.path.count + 1))
                    let stem = (relative as NSString).deletingPathExtension
                    found.append(Job(input: url.path, output: output + "/" + stem + "." + ext))
                }
            }
            guard !found.isEmpty else { throw ValidationError("no PNG, JPEG, WebP, HEIC, AVIF or TIFF images in folder '\(input)'") }
            jobs += found.sorted { $0.input < $1.input }
        }
        return jobs
    }

    func process() throws -> Int32 {
        var jobs = try jobs()
        if jobs.count == 1 { try checkExtension(of: jobs[0].output) }
        if let shard {
            jobs = shard.select(jobs, by: \.input)
            if jobs.isEmpty {
                if !quiet { FileHandle.standardError.write(Data("u2net-run: shard \(shard) has no photos\n".utf8)) }
                return 0
            }
        }
        let composition = composition(backgroundImage: try bgImage.map { try ImageFile.load(path: $0) })
        for job in jobs where outputFormat(for: job.output) == .jpeg && composition.isTransparent {
            throw ValidationError("JPEG has no transparency: add --bg COLOR or --bg-image FILE, or write PNG ('\(job.output)')")
        }
        let pipeline = try CutoutPipeline(model: model, size: size, threads: threads)
        let options = CutoutOptions(refinement: refineOptions.refinement(threads: threads), composition: composition,
                                    jpegQuality: quality ?? 92, webpQuality: quality)
        let maxPixels = Int(maxMegapixels * 1e6)
        let progress = Progress(total: jobs.count, enabled: !quiet && !json && jobs.count > 1)
        let failures = FailureLog()
        var skipped = 0

        // Decoding and preparing the next photo overlap inference of the current one; finishing the mask,
        // refining, compositing, encoding and writing overlap the next. Only inference runs on this thread.
        let io = DispatchQueue(label: "u2net-run.io", attributes: .concurrent)
        let writes = DispatchGroup()
        @Sendable func decode(_ job: Job) -> Swift.Result<PreparedPhoto, Error> {
            Swift.Result(catching: {
                let watch = Stopwatch()
                let data = job.input == "-" ? FileHandle.standardInput.readDataToEndOfFile() : try ImageFile.read(path: job.input)
                let image = try ImageFile.decode(data, path: job.input == "-" ? "<stdin>" : job.input, maxPixels: maxPixels)
                let decodeMs = watch.milliseconds
                var prepared = pipeline.prepare(image)
                prepared.timings[.decode] = decodeMs
                return prepared
            })
        }
        func startDecode(_ index: Int) -> (() -> Swift.Result<PreparedPhoto, Error>)? {
            guard index < jobs.count else { return nil }
            let slot = DecodeSlot()
            let job = jobs[index]
            io.async { slot.fill(decode(job)) }
            return { slot.take() }
        }
        let pending = jobs.map { job in skipExisting && job.output != "-" && FileManager.default.fileExists(atPath: job.output) }
        var next = pending.first == true ? nil : startDecode(0)
        for (i, job) in jobs.enumerated() {
            if pending[i] { skipped += 1; progress.step(); if i + 1 < jobs.count, !pending[i + 1] { next = startDecode(i + 1) }; continue }
            let decoded = next!()
            next = i + 1 < jobs.count && !pending[i + 1] ? startDecode(i + 1) : nil
            do {
                let inferred = try pipeline.infer(try decoded.get())
                var jobOptions = options
                jobOptions.format = outputFormat(for: job.output)
                writes.enter()
                io.async { [jobOptions] in
                    defer { writes.leave() }
                    do {
                        var result = try pipeline.complete(inferred, options: jobOptions)
                        let data = result.encoded!  // jobOptions.format is set, so the result is encoded
                        try result.timings.measure(.write) { try OutputFile.write(data, to: job.output) }
                        if json {
                            let line: [String: Any] = [
                                "input": job.input, "output": job.output,
                                "width": inferred.image.width, "height": inferred.image.height, "ms": result.timings.report,
                            ]
                            if let d = try? JSONSerialization.data(withJSONObject: line, options: [.sortedKeys]) {
                                failures.printLine(String(decoding: d, as: UTF8.self))
                            }
                        }
                    } catch {
                        failures.record(job.input, error)
                    }
                    progress.step()
                }
            } catch {
                failures.record(job.input, error)
                progress.step()
            }
        }
        writes.wait()
        progress.finish()
        let failed = failures.entries
        if jobs.count == 1, !failed.isEmpty { return ExitStatus.failure }
        if !quiet && jobs.count > 1 {
            let done = jobs.count - failed.count - skipped
            var summary = "u2net-run: \(done) of \(jobs.count) done"
            if skipped > 0 { summary += ", \(skipped) skipped (output exists)" }
            if !failed.isEmpty { summary += ", \(failed.count) failed: " + failed.map { URL(fileURLWithPath: $0).lastPathComponent }.joined(separator: ", ") }
            FileHandle.standardError.write(Data((summary + "\n").utf8))
        }
        if failed.isEmpty { return 0 }
        return failed.count == jobs.count ? ExitStatus.failure : ExitStatus.difference
    }
}

/// Failed inputs of a batch, recorded from any thread; each failure is reported on stderr at once.
final class FailureLog: @unchecked Sendable {
    private var failed: [String] = []
    private let lock = NSLock()

    func record(_ input: String, _ error: Error) {
        lock.lock(); defer { lock.unlock() }
        failed.append(input)
        FileHandle.standardError.write(Data("u2net-run: error: \(error)\n".utf8))
    }

    /// Prints a line on stdout without interleaving with other threads' lines.
    func printLine(_ line: String) {
        lock.lock(); defer { lock.unlock() }
        print(line)
        fflush(stdout)
    }

    var entries: [String] { lock.lock(); defer { lock.unlock() }; return failed }
}

/// A photo being decoded in the background, and the wait for it.
final class DecodeSlot: @unchecked Sendable {
    private var result: Swift.Result<PreparedPhoto, Error>?
    private let ready = DispatchSemaphore(value: 0)

    func fill(_ r: Swift.Result<PreparedPhoto, Error>) { result = r; ready.signal() }
    func take() -> Swift.Result<PreparedPhoto, Error> { ready.wait(); return result! }
}

/// A progress line on a terminal: done/total, images per second, time left.
final class Progress {
    let total: Int
    let enabled: Bool
    private var done = 0
    private let clock = Stopwatch()
    private let lock = NSLock()
    private let terminal = isatty(STDERR_FILENO) != 0

    init(total: Int, enabled: Bool) {
        self.total = total
        self.enabled = enabled
    }

    func step() {
        lock.lock(); defer { lock.unlock() }
        done += 1
        guard enabled else { return }
        let seconds = clock.seconds
        let rate = Double(done) / max(seconds, 1e-9)
        let left = Double(total - done) / max(rate, 1e-9)
        let width = 30, filled = width * done / max(total, 1)
        let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
        let line = String(format: "%@ %d/%d  %.2f img/s  ETA %.0f s", bar, done, total, rate, left)
        if terminal {
            FileHandle.standardError.write(Data("\r\(line)".utf8))
        } else if done == total || done % max(total / 10, 1) == 0 {
            FileHandle.standardError.write(Data("\(line)\n".utf8))
        }
    }

    func finish() {
        if enabled && terminal { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
