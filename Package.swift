// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "seqbench",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "seqbench", targets: ["seqbench"]),
        .library(name: "SeqTensor", targets: ["SeqTensor"]),
        .library(name: "SeqModels", targets: ["SeqModels"]),
        .library(name: "SeqData", targets: ["SeqData"]),
        .library(name: "SeqTrain", targets: ["SeqTrain"]),
        .library(name: "SeqHDF5", targets: ["SeqHDF5"]),
        .library(name: "SeqStore", targets: ["SeqStore"]),
        .library(name: "SeqHarness", targets: ["SeqHarness"]),
        /// The whole command-line tool as a library: plugin packages register their models and tasks,
        /// then call `SeqBench.main()`.
        .library(name: "SeqBenchCLI", targets: ["SeqBenchCLI"]),
        /// The test helpers (gradient checks, sample batches, PyTorch reference cases) for plugin packages' tests.
        .library(name: "SeqTestSupport", targets: ["TestSupport"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
    ],
    targets: [
        // MARK: - C libraries (Debian packages; `make` installs them)
        .systemLibrary(name: "CDNNL", providers: [.apt(["libdnnl-dev"])]),
        .systemLibrary(name: "CHDF5", pkgConfig: "hdf5", providers: [.apt(["libhdf5-dev"])]),

        // MARK: - Libraries, dependencies flow downward only
        .target(name: "SeqTensor", dependencies: ["CDNNL"]),
        .target(name: "SeqModels", dependencies: ["SeqTensor"]),
        .target(name: "SeqData", dependencies: ["SeqTensor", "SeqHDF5"]),
        .target(name: "SeqTrain", dependencies: ["SeqModels", "SeqData"]),
        .target(name: "SeqHDF5", dependencies: ["CHDF5"]),
        .target(name: "SeqStore", dependencies: ["SeqHDF5", "SeqTrain"]),
        .target(name: "SeqHarness", dependencies: [
            "SeqTrain", "SeqData", "SeqStore",
            .product(name: "Yams", package: "Yams"),
            .product(name: "Histogram", package: "hdrhistogram-swift"),
        ]),

        // MARK: - Command-line tool and benchmarks
        .target(name: "SeqBenchCLI", dependencies: [
            "SeqHarness",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "seqbench", dependencies: ["SeqBenchCLI"]),
        .executableTarget(name: "SeqBenchmarks", dependencies: ["SeqHarness"], path: "Benchmarks/SeqBenchmarks"),

        // MARK: - Tests
        .target(name: "TestSupport", dependencies: ["SeqModels", "SeqStore", "SeqHarness"], path: "Tests/TestSupport"),
        .testTarget(name: "SeqTensorTests", dependencies: ["SeqTensor"]),
        .testTarget(name: "SeqModelsTests", dependencies: ["SeqModels", "TestSupport"],
                    exclude: ["Resources"]),
        .testTarget(name: "SeqTrainTests", dependencies: ["SeqTrain", "TestSupport"]),
        .testTarget(name: "SeqHDF5Tests", dependencies: ["SeqHDF5"]),
        .testTarget(name: "SeqDataTests", dependencies: ["SeqData", "SeqHDF5"]),
        .testTarget(name: "SeqHarnessTests", dependencies: ["SeqHarness", "TestSupport"]),
        // Runs the real `seqbench` binary (built alongside the tests) as a user would.
        .testTarget(name: "SeqBenchCLITests", dependencies: ["SeqHarness", "TestSupport"]),
    ]
)
