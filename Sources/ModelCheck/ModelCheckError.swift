/// Errors finding or reading ONNX test cases.
package enum ModelCheckError: Error, CustomStringConvertible, Equatable {
    /// A path given as a case folder does not exist or is not a folder.
    case notAFolder(path: String)
    /// A folder holds no model.onnx, and neither does any of its subfolders.
    case noModel(path: String)
    /// A test-data tensor has an element type the checker does not compare.
    case unsupportedTestData(what: String, dataType: String)

    package var description: String {
        switch self {
        case let .notAFolder(path): return "'\(path)' is not a folder"
        case let .noModel(path): return "no model.onnx in '\(path)' or its subfolders"
        case let .unsupportedTestData(what, dataType):
            return "\(what) has type \(dataType) (float32, int64, int32 and bool are supported)"
        }
    }
}
