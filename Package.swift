// swift-tools-version:6.0
import PackageDescription

/// Tandem: streaming audio-visual pipelines over FFmpeg-decoded media.
/// The layering (lowest first) is described in DESIGN.md; a lower target never imports a higher one.
let package = Package(
    name: "Tandem",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "Tandem", targets: ["TandemCore", "TandemMedia", "TandemDSP", "TandemNN", "TandemModels", "TandemVision", "TandemAV", "TandemNodes", "TandemReport"]),
        .executable(name: "tandem", targets: ["tandem"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        .systemLibrary(
            name: "CFFmpeg", pkgConfig: "libavformat",
            providers: [.apt(["libavformat-dev", "libavcodec-dev", "libavutil-dev", "libswresample-dev", "libswscale-dev"])]),
        .systemLibrary(name: "CSndfile", pkgConfig: "sndfile", providers: [.apt(["libsndfile1-dev"])]),
        .systemLibrary(name: "CFFTW", pkgConfig: "fftw3f", providers: [.apt(["libfftw3-dev"])]),
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),

        .target(name: "TandemCore", dependencies: [.product(name: "Yams", package: "Yams")]),
        .target(name: "TandemMedia", dependencies: ["TandemCore", "CFFmpeg", "CSndfile"]),
        // The one Swift wrapper over CBLAS: DSP (NMF) and NN both import it, and neither may import the other.
        .target(name: "TandemBLAS", dependencies: ["CBLAS", "CTandemKernels"]),
        .target(name: "TandemDSP", dependencies: ["TandemCore", "CFFTW", "TandemBLAS"]),
        // Tandem's own C kernels (AVX-512/AVX2/F16C chosen at run time), used only by TandemNN.
        .target(name: "CTandemKernels"),
        .target(name: "TandemNN", dependencies: ["TandemCore", "TandemBLAS", "CTandemKernels"]),
        .target(name: "TandemModels", dependencies: ["TandemNN", "TandemDSP", "CZlib"]),
        .target(name: "TandemVision", dependencies: ["TandemCore", "TandemNN"]),
        // Fusion of sound and picture (who speaks when): above the models and vision, below the nodes.
        .target(name: "TandemAV", dependencies: ["TandemCore", "TandemDSP", "TandemModels", "TandemVision"]),
        .target(name: "TandemNodes", dependencies: ["TandemCore", "TandemMedia", "TandemDSP", "TandemNN", "TandemModels", "TandemVision", "TandemAV"]),
        // The HTML report of a batch's output folder: reads manifests (Core) and probes inputs (Media);
        // it runs no graph, so it sits beside Nodes rather than above it.
        .target(name: "TandemReport", dependencies: ["TandemCore", "TandemMedia"]),
        // The command links the Swift runtime and Foundation statically on Linux (`swift build --static-swift-stdlib`
        // for this one target): as 14 shared libraries their ~20 000 symbol relocations were looked up at every start
        // through the ~150 libraries FFmpeg pulls in, 10-25 ms of a 0.09 s start before any decoding. Compiled with the
        // flag too, so the module's link entries name the static Foundation's own archives (ICU, CoreFoundation);
        // linked with it alone they go unresolved. Only here: the test bundles load Swift Testing and XCTest, which
        // need the shared runtime (and `--static-swift-stdlib` for the whole build finds no Swift Testing).
        .executableTarget(name: "tandem", dependencies: [
            "TandemCore", "TandemMedia", "TandemNodes", "TandemReport", "TandemBLAS", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], swiftSettings: [.unsafeFlags(["-static-stdlib"], .when(platforms: [.linux]))],
           linkerSettings: [.unsafeFlags(["-static-stdlib"], .when(platforms: [.linux]))]),

        .executableTarget(name: "tandem-bench", dependencies: ["TandemNodes"], path: "Benchmarks/TandemBench"),
        .executableTarget(name: "tandem-example", dependencies: ["TandemCore", "TandemNodes"], path: "Examples/CustomNode"),

        // Every test process writes its temporaries into one folder of its own, removed when it exits.
        .target(name: "CTestScratch", path: "Tests/CTestScratch"),
        .testTarget(name: "TandemCoreTests", dependencies: ["CTestScratch", "TandemCore"]),
        .testTarget(name: "TandemMediaTests", dependencies: ["CTestScratch", "TandemMedia"], resources: [.copy("Fixtures")]),
        .testTarget(name: "TandemDSPTests", dependencies: ["CTestScratch", "TandemDSP"], resources: [.copy("Fixtures")]),
        .testTarget(name: "TandemNNTests", dependencies: ["CTestScratch", "TandemNN"], resources: [.copy("Fixtures")]),
        .testTarget(name: "TandemModelsTests", dependencies: ["CTestScratch", "TandemModels"], resources: [.copy("Fixtures")]),
        .testTarget(name: "TandemNodesTests", dependencies: ["CTestScratch", "TandemNodes"], resources: [.copy("Fixtures")]),
        .testTarget(name: "TandemAVTests", dependencies: ["CTestScratch", "TandemAV"]),
        .testTarget(name: "TandemReportTests", dependencies: ["CTestScratch", "TandemReport"]),
        .testTarget(name: "TandemVisionTests", dependencies: ["CTestScratch", "TandemVision"], resources: [.copy("Fixtures")]),
    ],
    swiftLanguageModes: [.v6]
)
