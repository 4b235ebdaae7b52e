import Foundation
import XCTest

/// Examples/custom-model is a separate package that depends on seqbench by path, registers a GRU and runs the
/// whole CLI through `SeqBench.main()`. These tests build it as its users would, run its `seqbench-custom`
/// binary on a tiny task, and run the example's own tests (GRU gradient check, FLOPs, PyTorch parity).
///
/// Cost: the example builds seqbench's libraries a second time, in its own scratch folder
/// (Examples/custom-model/.build, git-ignored), in debug configuration, which compiles faster than release
/// and is fast enough for the tiny runs here: about 40–60 s in all on the 2-core development machine from a clean
/// folder (the build is most of it; a release build of the example takes about 2 minutes).
/// Set SEQBENCH_SKIP_EXAMPLE=1 to skip them, e.g. for a quick local run.
final class CustomModelExampleTests: XCTestCase {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path
    static let example = repository + "/Examples/custom-model"
    static let output = NSTemporaryDirectory() + "seqbench-custom-\(UUID().uuidString)"

    /// The example's bin folder once built; the build error otherwise. Built once for all tests here.
    nonisolated(unsafe) private static var build: Result<String, Error>?

    override class func tearDown() { try? FileManager.default.removeItem(atPath: output) }

    /// Builds the example (products and tests) once and returns its bin folder; skips when asked to.
    private func binFolder() throws -> String {
        if ProcessInfo.processInfo.environment["SEQBENCH_SKIP_EXAMPLE"] == "1" {
            throw XCTSkip("SEQBENCH_SKIP_EXAMPLE=1: building Examples/custom-model is a second full (debug) build of seqbench's libraries, about a minute on 2 cores")
        }
        if Self.build == nil {
            Self.build = Result {
                let clock = ContinuousClock(), start = clock.now
                let built = try Self.swift(["build", "--package-path", Self.example, "--build-tests"])
                guard built.status == 0 else { throw ExampleError("swift build of Examples/custom-model failed:\n\(built.output.suffix(6000))") }
                let bin = try Self.swift(["build", "--package-path", Self.example, "--show-bin-path"])
                guard bin.status == 0 else { throw ExampleError("swift build --show-bin-path failed:\n\(bin.output)") }
                print("custom-model example: built in \(clock.now - start)")
                return bin.output.split(separator: "\n").last.map(String.init) ?? ""
            }
        }
        return try Self.build!.get()
    }

    /// Runs `seqbench-custom` with `arguments`.
    private func seqbenchCustom(_ arguments: [String], in directory: String? = nil) throws -> (status: Int32, output: String) {
        try Self.run(try binFolder() + "/seqbench-custom", arguments, in: directory)
    }

    /// `run` with the example's own experiment config: the plugin's GRU beside a built-in model, through
    /// the same experiment pipeline (files, report table).
    func testRunsTheExamplesTinyExperiment() throws {
        try FileManager.default.createDirectory(atPath: Self.output, withIntermediateDirectories: true)
        let r = try seqbenchCustom(["run", Self.example + "/tiny.yaml", "--quiet"], in: Self.output)
        XCTAssertEqual(r.status, 0, r.output)
        let lines = r.output.split(separator: "\n")
        XCTAssertTrue(lines.contains { $0.hasPrefix("gru ") }, r.output)
        XCTAssertTrue(lines.contains { $0.hasPrefix("lstm ") }, r.output)
        for file in ["metrics.h5", "summary.csv", "report.md", "runs/gru.seed=1/best.h5"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: Self.output + "/Results/custom-model-tiny/" + file), file)
        }
    }

    func testListModelsShowsTheGRUBesideTheBuiltIns() throws {
        let r = try seqbenchCustom(["list", "models"])
        XCTAssertEqual(r.status, 0, r.output)
        let names = r.output.split(separator: "\n").compactMap { $0.split(separator: " ").first.map(String.init) }
        XCTAssertEqual(names, ["rnn", "lstm", "bilstm", "bilstm_attention", "gru"], r.output)
    }

    func testFlopsOfTheGRUEqualTheCountedStep() throws {
        let r = try seqbenchCustom(["flops", "gru", "--set", "hidden=32", "--set", "length=16", "--set", "batch_size=4", "--json"])
        XCTAssertEqual(r.status, 0, r.output)
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.output.utf8)) as? [String: Any], r.output)
        XCTAssertEqual(object["model"] as? String, "gru")
        let layers = try XCTUnwrap(object["layers"] as? [[String: Any]]).compactMap { $0["name"] as? String }
        XCTAssertEqual(layers, ["embedding", "rnn.l0", "classifier", "loss"])
        let step = try XCTUnwrap(object["train_step"] as? [String: Any])
        XCTAssertEqual(step["total"] as? [String: Int], object["counted_train_step"] as? [String: Int], "analytic = counted")
        // Forward: input projection N·E·3H + recurrence (N − B)·H·3H + classifier B·H·C, 2H σ and H tanh per row,
        // with N = 64 rows, B = 4, E = 32, H = 32 and C = 2 (the default task, contains, has 2 classes).
        let forward = try XCTUnwrap(step["forward"] as? [String: Int])
        XCTAssertEqual(forward["macs"], 64 * 32 * 96 + 60 * 32 * 96 + 4 * 32 * 2)
        XCTAssertEqual(forward["sigmoid"], 2 * 32 * 64)
        XCTAssertEqual(forward["tanh"], 32 * 64)
    }

    /// `train` a GRU and a built-in model for one epoch (checkpoints, run files, metrics.h5), then `eval` the
    /// GRU's best checkpoint, which rebuilds the model through the registry and must reproduce its accuracy.
    func testTrainThenEvalReproducesTheGRUsStoredAccuracy() throws {
        let out = Self.output + "/train"
        let r = try seqbenchCustom([
            "train", "--model", "gru", "--model", "lstm", "--set", "train.epochs=1", "--set", "model.hidden=16",
            "--set", "embed_dim=8", "--set", "batch_size=16", "--set", "task.length=12", "--set", "task.train_size=64",
            "--set", "val_size=32", "--set", "test_size=32", "--set", "measure.latency.max_seconds=0.05", "--out", out,
        ])
        XCTAssertEqual(r.status, 0, r.output)
        XCTAssertTrue(r.output.contains("gru"), r.output)
        for run in ["gru.seed=1", "lstm.seed=1"] {
            for file in ["best.h5", "last.h5", "run.h5"] {
                XCTAssertTrue(FileManager.default.fileExists(atPath: "\(out)/runs/\(run)/\(file)"), "\(run)/\(file)")
            }
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/metrics.h5"))

        let e = try seqbenchCustom(["eval", "\(out)/runs/gru.seed=1/best.h5", "--json"])
        XCTAssertEqual(e.status, 0, e.output)
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(e.output.utf8)) as? [String: Any], e.output)
        XCTAssertEqual(object["model"] as? String, "gru")
        XCTAssertEqual(object["matches"] as? Bool, true)
        XCTAssertNotNil(object["stored_test_accuracy"] as? Double)
        XCTAssertEqual(object["test_accuracy"] as? Double, object["stored_test_accuracy"] as? Double)
    }

    /// The example's own test suite: GRU gradient check, FLOPs, PyTorch parity, padding, its tiny.yaml.
    func testTheExamplesOwnTestsPass() throws {
        _ = try binFolder()
        let r = try Self.swift(["test", "--package-path", Self.example, "--skip-build", "--disable-swift-testing"])
        XCTAssertEqual(r.status, 0, String(r.output.suffix(6000)))
        XCTAssertTrue(r.output.contains(" 0 failures"), String(r.output.suffix(3000)))
        XCTAssertTrue(r.output.contains("testMatchesPyTorch"), "the parity test ran")
        // Surface the example's measurements in this suite's log.
        for line in r.output.split(separator: "\n") where line.hasPrefix("parity ") || line.hasPrefix("gradient check gru:") {
            print("custom-model example: \(line)")
        }
    }

    // MARK: - Processes

    struct ExampleError: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    /// `swift …` from the PATH (or $SWIFT), in the repository.
    private static func swift(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let swift = ProcessInfo.processInfo.environment["SWIFT"] ?? "swift"
        return try run("/usr/bin/env", [swift] + arguments)
    }

    /// Runs a program with stdout and stderr in one pipe, read to the end before waiting.
    private static func run(_ executable: String, _ arguments: [String], in directory: String? = nil) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory ?? repository)
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
