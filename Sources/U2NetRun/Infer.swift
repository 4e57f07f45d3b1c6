import ArgumentParser
import Foundation
import U2Net

struct Infer: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the raw graph on an NCHW float32 .npy tensor.",
        discussion: "Writes the first output as float32 .npy; --all-outputs writes every output as <DIR>/output_<k>.npy.")

    @OptionGroup var options: ModelOption

    @Option(name: .long, help: "Input tensor (.npy, float32 NCHW).")
    var input: String

    @Option(name: .shortAndLong, help: "Where to write the first output (.npy).")
    var output: String?

    @Option(name: .long, help: "Folder to write every output into.")
    var allOutputs: String?

    func validate() throws {
        if output == nil && allOutputs == nil { throw ValidationError("give --output or --all-outputs") }
    }

    func run() {
        reportingErrors {
            let model = try options.load()
            let tensor = try NPYFile.read(path: input)
            guard tensor.dtype.isFloatingPoint else {
                throw ValidationError("input '\(input)' holds \(tensor.dtype); a float tensor is needed")
            }
            // Batch and channels must fit where the model fixes them; height and width may differ.
            let declared = model.declaredInputShape
            let fits = declared.isEmpty || (tensor.shape.count == declared.count
                && zip(tensor.shape.prefix(2), declared.prefix(2)).allSatisfy { $1 == nil || $0 == $1! })
            if !fits {
                throw ValidationError("input shape \(tensor.shape) does not fit the model's input \(declared.map { $0.map(String.init) ?? "?" })")
            }
            let outputs = try model.run(tensor)
            if let output { try OutputFile.write(NPYFile.encode(outputs[0]), to: output) }
            if let allOutputs {
                try FileManager.default.createDirectory(atPath: allOutputs, withIntermediateDirectories: true)
                for (k, t) in outputs.enumerated() { try OutputFile.write(NPYFile.encode(t), to: "\(allOutputs)/output_\(k).npy") }
            }
        }
    }
}
