import Foundation

extension ONNXTestCase {
    /// The test cases among `paths`: a folder that holds model.onnx is one case; any other folder is searched
    /// one level down, its case subfolders taken in name order.
    /// - Throws: ``ModelCheckError/notAFolder(path:)`` for a path that is not a folder,
    ///   ``ModelCheckError/noModel(path:)`` for a folder without any case.
    package static func find(in paths: [String]) throws -> [ONNXTestCase] {
        let fm = FileManager.default
        var found: [ONNXTestCase] = []
        for path in paths {
            var isFolder: ObjCBool = false
            guard fm.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue else {
                throw ModelCheckError.notAFolder(path: path)
            }
            if fm.fileExists(atPath: path + "/" + modelFileName) {
                found.append(ONNXTestCase(folder: path))
                continue
            }
            let children = (try? fm.contentsOfDirectory(atPath: path))?.sorted() ?? []
            let cases = children.map { path + "/" + $0 }.filter { fm.fileExists(atPath: $0 + "/" + modelFileName) }
            guard !cases.isEmpty else { throw ModelCheckError.noModel(path: path) }
            found += cases.map { ONNXTestCase(folder: $0) }
        }
        return found
    }
}
