import NNRuntime
import NNTensor
import ONNXFormat

extension Tensor {
    /// A test-data tensor as the engine's tensor: float32, int64, int32 and bool only.
    /// - Parameter what: names the tensor in the error, e.g. `input 'x'`.
    /// - Throws: ``ModelCheckError/unsupportedTestData(what:dataType:)`` for any other element type.
    init(testData t: ONNXTensor, what: String) throws {
        switch t.dataType {
        case .float, .int64, .int32, .bool: self.init(onnx: t)
        default: throw ModelCheckError.unsupportedTestData(what: what, dataType: "\(t.dataType)")
        }
    }
}
