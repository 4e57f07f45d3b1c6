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
        // The server (`u2net-run serve`, target U2NetServer) only: the library product U2Net builds none of these.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: ["FullFoundation"]),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    ],
    targets: [
        // C system libraries (module maps only).
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CJPEG", pkgConfig: "libjpeg", providers: [.apt(["libjpeg-dev"])]),
        .systemLibrary(name: "CWebP", pkgConfig: "libwebp", providers: [.apt(["libwebp-dev"])]),
        .systemLibrary(name: "CHeif", pkgConfig: "libheif", providers: [.apt(["libheif-dev"])]),
        .systemLibrary(name: "CTIFF", pkgConfig: "libtiff-4", providers: [.apt(["libtiff-dev"])]),
        // libheif's AV1 decoder replaced by one with a frame-size limit (dav1d's own setting), so a damaged AVIF
        // cannot make it allocate gigabytes.
        .target(name: "CBoundedAV1", dependencies: ["CHeif"], linkerSettings: [.linkedLibrary("dav1d")]),

        // Engine.
        .target(name: "NNTensor", dependencies: ["CBLAS"], swiftSettings: kernelSettings),
        .target(name: "ONNXFormat", swiftSettings: moduleSettings),
        .target(name: "NNRuntime", dependencies: ["NNTensor", "ONNXFormat"], swiftSettings: kernelSettings),

        // Images and mattes.
        .target(name: "Imaging", dependencies: ["CPNG", "CJPEG", "CWebP", "CHeif", "CBoundedAV1", "CTIFF"], swiftSettings: moduleSettings),
        .target(name: "Matting", dependencies: ["Imaging", "NNTensor"], swiftSettings: kernelSettings),

        // TFLite files (FlatBuffers) read into the same graph IR; face detection, face mesh and ID-photo documents.
        .target(name: "TFLiteFormat", dependencies: ["ONNXFormat"], swiftSettings: moduleSettings),
        .target(name: "Faces", dependencies: ["TFLiteFormat", "NNRuntime", "NNTensor", "Imaging"], swiftSettings: kernelSettings),

        // ONNX test cases (model.onnx + test_data_set_N) run through the engine: `u2net-run check` and the tests.
        .target(name: "ModelCheck", dependencies: ["NNRuntime", "NNTensor", "ONNXFormat"], swiftSettings: moduleSettings),

        // Façade and command.
        .target(name: "U2Net", dependencies: ["Matting", "NNRuntime", "Imaging", "Faces"], swiftSettings: moduleSettings),
        // The HTTP service and its page: routes, limits, metrics — no matting of its own.
        .target(
            name: "U2NetServer",
            dependencies: [
                "U2Net",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: moduleSettings),
        .executableTarget(
            name: "U2NetRun",
            dependencies: ["U2Net", "ModelCheck", "U2NetServer",
                           .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: moduleSettings),

        // Fuzzing: libFuzzer entry points for every reader of untrusted bytes (Tools/fuzz.sh builds them with
        // -sanitize=fuzzer,address); a plain build makes a tool that replays files through them.
        .executableTarget(name: "U2NetFuzz", dependencies: ["Imaging", "ONNXFormat", "TFLiteFormat"],
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
        // The server: the real `u2net-run serve` on a loopback port, and the page in headless Chromium (WebDriver).
        .testTarget(name: "ServerTests", dependencies: ["U2Net", "TestSupport"], swiftSettings: moduleSettings),
    ],
    swiftLanguageModes: [.v5]
)
