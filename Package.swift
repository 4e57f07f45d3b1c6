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
        .systemLibrary(name: "CWebP", pkgConfig: "libwebp", providers: [.apt(["libwebp-dev"])]),
        .systemLibrary(name: "CHeif", pkgConfig: "libheif", providers: [.apt(["libheif-dev"])]),
        .systemLibrary(name: "CTIFF", pkgConfig: "libtiff-4", providers: [.apt(["libtiff-dev"])]),

        // Engine.
        .target(name: "NNTensor", dependencies: ["CBLAS"], swiftSettings: kernelSettings),
        .target(name: "ONNXFormat", swiftSettings: moduleSettings),
        .target(name: "NNRuntime", dependencies: ["NNTensor", "ONNXFormat"], swiftSettings: kernelSettings),

        // Images and mattes.
        .target(name: "Imaging", dependencies: ["CPNG", "CJPEG", "CWebP", "CHeif", "CTIFF"], swiftSettings: moduleSettings),
        .target(name: "Matting", dependencies: ["Imaging", "NNTensor"], swiftSettings: kernelSettings),

        // ONNX test cases (model.onnx + test_data_set_N) run through the engine: `u2net-run check` and the tests.
        .target(name: "ModelCheck", dependencies: ["NNRuntime", "NNTensor", "ONNXFormat"], swiftSettings: moduleSettings),

        // Façade and command.
        .target(name: "U2Net", dependencies: ["Matting", "NNRuntime", "Imaging"], swiftSettings: moduleSettings),
        .executableTarget(
            name: "U2NetRun",
            dependencies: ["U2Net", "ModelCheck", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: moduleSettings),

        // Fuzzing: libFuzzer entry points for every reader of untrusted bytes (Tools/fuzz.sh builds them with
        // -sanitize=fuzzer,address); a plain build makes a tool that replays files through them.
        .executableTarget(name: "U2NetFuzz", dependencies: ["Imaging", "ONNXFormat"],
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
        .testTarget(name: "EndToEndTests", dependencies: ["U2Net", "TestSupport"], exclude: ["Fixtures"],
                    swiftSettings: moduleSettings),
    ],
    swiftLanguageModes: [.v5]
)
