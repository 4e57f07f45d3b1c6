import Foundation
import NNTensor
import TestSupport

/// The engine's reference fixtures (made by Tools/make-fixtures.sh with ONNX Runtime), read in place.
enum Fixtures {
    static var root: URL { FixturePaths.runtimeFixtures }

    /// The case folders of one group (`ops`, `u2netp`), in name order.
    static func caseFolders(_ group: String) throws -> [URL] {
        try FixturePaths.subfolders(of: root.appendingPathComponent(group))
    }

    static func npy(_ url: URL) throws -> Tensor { try NPYFile.read(path: url.path) }

    /// Default model, put in place by Tools/fetch-weights.sh.
    static var u2netpPath: String { FixturePaths.u2netpModel.path }
}
