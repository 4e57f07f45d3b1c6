// The façade re-exports the engine, so `import U2Net` is all a program needs.
@_exported import NNRuntime
@_exported import NNTensor
@_exported import ONNXFormat
@_exported import Imaging
@_exported import Matting
@_exported import Faces
