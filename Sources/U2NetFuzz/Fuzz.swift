import Foundation
import Imaging
import ONNXFormat
import TFLiteFormat

// `u2net-fuzz`: one libFuzzer entry point per reader of untrusted bytes. Tools/fuzz.sh builds it with
// `-sanitize=fuzzer,address -DFUZZING` and runs `U2NET_FUZZ_TARGET=<target> u2net-fuzz [libFuzzer options]`.
// Built normally (by `swift build`), it replays files instead: `u2net-fuzz TARGET FILE…` runs each file through
// the target once, which is how a crash file is reproduced outside the fuzzer.

/// The pixel limit while fuzzing: a few megapixels, so a tiny file declaring a huge image is refused quickly.
let fuzzMaxPixels = 4_000_000

let targets: [String: (Data) -> Void] = [
    "png": { _ = try? PNGCodec.decode($0, path: "fuzz", maxPixels: fuzzMaxPixels) },
    "jpeg": { _ = try? JPEGCodec.decode($0, path: "fuzz", maxPixels: fuzzMaxPixels) },
    "webp": { _ = try? WebPCodec.decode($0, path: "fuzz", maxPixels: fuzzMaxPixels) },
    "heif": { _ = try? HEIFCodec.decode($0, path: "fuzz", maxPixels: fuzzMaxPixels) },
    "tiff": { _ = try? TIFFCodec.decode($0, path: "fuzz", maxPixels: fuzzMaxPixels) },
    "image": { _ = try? ImageFile.decode($0, path: "fuzz", maxPixels: fuzzMaxPixels) },
    "onnx": { _ = try? ONNXModel(serialized: $0) },
    "tensor": { _ = try? ONNXTensor(serialized: $0) },
    // The FlatBuffers reader and the translation into the engine's graph: everything that reads the file's bytes
    // (the model is not run).
    "tflite": { _ = try? TFLiteModel(bytes: [UInt8]($0)).onnxModel() },
]

nonisolated(unsafe) var selected: (Data) -> Void = { _ in }

#if FUZZING
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<CInt>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt
#endif

@main
struct Fuzz {
    static func main() {
        #if FUZZING
        let name = ProcessInfo.processInfo.environment["U2NET_FUZZ_TARGET"] ?? ""
        guard let target = targets[name] else {
            FileHandle.standardError.write(Data("set U2NET_FUZZ_TARGET to one of: \(targets.keys.sorted().joined(separator: " "))\n".utf8))
            exit(2)
        }
        selected = target
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv) { bytes, size in
            selected(bytes.map { Data(bytes: $0, count: size) } ?? Data())
            return 0
        })
        #else
        let args = CommandLine.arguments.dropFirst()
        guard let name = args.first, let target = targets[name] else {
            print("usage: u2net-fuzz TARGET FILE…   (targets: \(targets.keys.sorted().joined(separator: " ")))")
            exit(2)
        }
        for path in args.dropFirst() {
            guard let data = FileManager.default.contents(atPath: path) else { print("cannot read \(path)"); exit(2) }
            target(data)
            print("ok \(path)")
        }
        #endif
    }
}
