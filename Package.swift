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
        .target(name: "SeqTrain", dependencies: ["SeqTensor", "SeqModels", "SeqData"]),
        .target(name: "SeqHDF5", dependencies: ["CHDF5"]),
        .target(name: "SeqStore", dependencies: ["SeqHDF5", "SeqModels", "SeqData", "SeqTrain"]),
        .target(name: "SeqHarness", dependencies: [
            "SeqTensor", "SeqModels", "SeqHDF5",
            "SeqTrain", "SeqData", "SeqStore",
            .product(name: "Yams", package: "Yams"),
            .product(name: "Histogram", package: "hdrhistogram-swift"),
        ]),

        // MARK: - Command-line tool and benchmarks
        /// Runs a program and captures its output: for the CLI (sbatch) and the CLI tests, not a library's API.
        .target(name: "SeqProcess"),
        .target(name: "SeqBenchCLI", dependencies: [
            "SeqTensor", "SeqModels", "SeqData", "SeqTrain", "SeqHDF5", "SeqStore", "SeqHarness", "SeqProcess",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "seqbench", dependencies: ["SeqBenchCLI"]),
        .executableTarget(name: "SeqBenchmarks", dependencies: ["SeqTensor", "SeqModels", "SeqTrain", "SeqStore", "SeqHarness"],
                          path: "Benchmarks/SeqBenchmarks"),

        // MARK: - Tests
        // Model-level helpers (gradient checks, sample batches, PyTorch reference cases): no harness.
        .target(name: "TestSupport", dependencies: ["SeqTensor", "SeqModels", "SeqHDF5"], path: "Tests/TestSupport"),
        // Runs the built `seqbench` binary as a user would.
        .target(name: "CLITestSupport", dependencies: ["SeqProcess"], path: "Tests/CLITestSupport"),
        .testTarget(name: "SeqTensorTests", dependencies: ["SeqTensor"]),
        .testTarget(name: "SeqModelsTests", dependencies: ["SeqTensor", "SeqModels", "TestSupport"],
                    exclude: ["Resources"]),
        .testTarget(name: "SeqTrainTests", dependencies: ["SeqTensor", "SeqModels", "SeqData", "SeqTrain", "SeqHDF5", "TestSupport"],
                    exclude: ["Resources"]),
        .testTarget(name: "SeqHDF5Tests", dependencies: ["SeqHDF5", "CHDF5"]),
        .testTarget(name: "SeqDataTests", dependencies: ["SeqTensor", "SeqData", "SeqHDF5"]),
        .testTarget(name: "SeqHarnessTests", dependencies: [
            "SeqTensor", "SeqModels", "SeqData", "SeqTrain", "SeqHDF5", "SeqStore", "SeqHarness", "TestSupport",
        ], exclude: ["Resources"]),
        .testTarget(name: "SeqBenchCLITests", dependencies: [
            "SeqTensor", "SeqModels", "SeqData", "SeqTrain", "SeqHDF5", "SeqStore", "SeqHarness", "SeqProcess",
            "TestSupport", "CLITestSupport",
        ]),
    ]
)
