import Foundation
import ONNXFormat

/// One `test_data_set_N` folder of a case: `input_K.pb` and `output_K.pb` (serialized TensorProtos), in order of K.
struct TestDataSet {
    /// The folder's name, e.g. `test_data_set_0`.
    let name: String
    let inputs: [ONNXTensor]
    let expectedOutputs: [ONNXTensor]

    /// The data-set folder names of a case folder, sorted.
    static func names(in caseFolder: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: caseFolder)) ?? [])
            .filter { $0.hasPrefix("test_data_set_") }.sorted()
    }

    /// Reads every input and expected output of `caseFolder/name`.
    /// - Throws: the TensorProto decoder's errors.
    static func load(caseFolder: String, name: String) throws -> TestDataSet {
        let folder = caseFolder + "/" + name
        return TestDataSet(name: name, inputs: try numbered(folder, prefix: "input_"),
                           expectedOutputs: try numbered(folder, prefix: "output_"))
    }

    /// `PREFIXk.pb` files of a folder, in order of k.
    private static func numbered(_ folder: String, prefix: String) throws -> [ONNXTensor] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [])
            .filter { $0.hasPrefix(prefix) && $0.hasSuffix(".pb") }
            .compactMap { name -> (Int, String)? in Int(name.dropFirst(prefix.count).dropLast(3)).map { ($0, name) } }
            .sorted { $0.0 < $1.0 }
        return try names.map { try ONNXTensor.load(path: folder + "/" + $0.1) }
    }
}
