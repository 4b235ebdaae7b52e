// swift-tools-version:6.0
import PackageDescription

// A package outside seqbench that adds a model (a GRU) and runs the whole seqbench CLI with it.
let package = Package(
    name: "custom-model",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "GRUModel", targets: ["GRUModel"]),
        .executable(name: "seqbench-custom", targets: ["seqbench-custom"]),
    ],
    dependencies: [
        // The seqbench checkout this example lives in. In a package of your own, depend on seqbench by URL.
        .package(name: "seqbench", path: "../.."),
    ],
    targets: [
        // The model: one file.
        .target(name: "GRUModel", dependencies: [
            .product(name: "SeqModels", package: "seqbench"),
        ]),
        // `seqbench` with `gru` registered.
        .executableTarget(name: "seqbench-custom", dependencies: [
            "GRUModel",
            .product(name: "SeqBenchCLI", package: "seqbench"),
        ]),
        // Gradient check, FLOP count and PyTorch parity, with seqbench's own test helpers.
        .testTarget(name: "GRUModelTests", dependencies: [
            "GRUModel",
            .product(name: "SeqModels", package: "seqbench"),
            .product(name: "SeqHarness", package: "seqbench"),
            .product(name: "SeqTestSupport", package: "seqbench"),
        ]),
    ]
)
