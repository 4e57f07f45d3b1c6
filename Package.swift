// swift-tools-version:6.2
import PackageDescription

/// Hot modules are built for x86-64-v3 (AVX2 + FMA, "haswell" in LLVM's names): every supported CPU has it,
/// and without it SIMD multiply-adds become calls into libm. Nothing above x86-64-v3 is chosen at build time.
let kernelSettings: [SwiftSetting] = [
    .unsafeFlags(["-target-cpu", "haswell", "-Xcc", "-mavx2", "-Xcc", "-mfma"]),
    .unsafeFlags(["-Ounchecked", "-wmo"], .when(configuration: .release)),
]
let moduleSettings: [SwiftSetting] = [
    .unsafeFlags(["-target-cpu", "haswell"]),
]

let package = Package(
    name: "u2net-run",
    products: [
        .library(name: "U2Net", targets: ["U2Net"]),
        .executable(name: "u2net-run", targets: ["U2NetRun"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // C system libraries (module maps only).
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CJPEG", pkgConfig: "libjpeg", providers: [.apt(["libjpeg-dev"])]),

        // Engine.
        .target(name: "NNTensor", dependencies: ["CBLAS"], swiftSettings: kernelSettings),
        .target(name: "ONNXFormat", swiftSettings: moduleSettings),
        .target(name: "NNRuntime", dependencies: ["NNTensor", "ONNXFormat"], swiftSettings: kernelSettings),

        // Images and mattes.
        .target(name: "Imaging", dependencies: ["CPNG", "CJPEG"], swiftSettings: moduleSettings),
        .target(name: "Matting", dependencies: ["Imaging", "NNTensor"], swiftSettings: kernelSettings),

        // TFLite files (FlatBuffers) read into the same graph IR; face detection, face mesh and ID-photo documents.
        .target(name: "TFLiteFormat", dependencies: ["ONNXFormat"], swiftSettings: moduleSettings),
        .target(name: "Faces", dependencies: ["TFLiteFormat", "NNRuntime", "NNTensor", "Imaging"], swiftSettings: kernelSettings),

        // ONNX test cases (model.onnx + test_data_set_N) run through the engine: `u2net-run check` and the tests.
        .target(name: "ModelCheck", dependencies: ["NNRuntime", "NNTensor", "ONNXFormat"], swiftSettings: moduleSettings),

        // Façade and command.
        .target(name: "U2Net", dependencies: ["Matting", "NNRuntime", "Imaging", "Faces"], swiftSettings: moduleSettings),
        .executableTarget(
            name: "U2NetRun",
            dependencies: ["U2Net", "ModelCheck", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: moduleSettings),

        // Tests. Each target tests its own layer and imports nothing above it. Fixtures are read in place, found
        // through TestSupport's paths (the end-to-end tests hand those paths to the binary).
        .target(name: "TestSupport", dependencies: ["NNTensor"], path: "Tests/TestSupport", swiftSettings: moduleSettings),
        .testTarget(name: "NNTensorTests", dependencies: ["NNTensor"], swiftSettings: moduleSettings),
        .testTarget(name: "ONNXFormatTests", dependencies: ["ONNXFormat", "TestSupport"], swiftSettings: moduleSettings),
        .testTarget(name: "NNRuntimeTests", dependencies: ["NNRuntime", "NNTensor", "ONNXFormat", "TestSupport"],
                    exclude: ["Fixtures"], swiftSettings: moduleSettings),
        .testTarget(name: "ModelCheckTests", dependencies: ["ModelCheck", "NNTensor", "TestSupport"],
                    swiftSettings: moduleSettings),
        .testTarget(name: "ImagingTests", dependencies: ["Imaging", "TestSupport"], swiftSettings: moduleSettings),
        .testTarget(name: "MattingTests", dependencies: ["Matting", "Imaging"], exclude: ["Fixtures"],
                    swiftSettings: moduleSettings),
        .testTarget(name: "TFLiteFormatTests", dependencies: ["TFLiteFormat", "NNRuntime", "NNTensor", "ONNXFormat", "Imaging", "TestSupport"],
                    exclude: ["Fixtures"], swiftSettings: moduleSettings),
        .testTarget(name: "FacesTests", dependencies: ["Faces", "Imaging", "NNTensor", "TestSupport"],
                    swiftSettings: moduleSettings),
        .testTarget(name: "EndToEndTests", dependencies: ["U2Net", "TestSupport"], exclude: ["Fixtures"],
                    swiftSettings: moduleSettings),
    ],
    swiftLanguageModes: [.v5]
)
