import CLITestSupport
import Foundation
import SeqData
import SeqProcess
import SeqHarness
import SeqModels
import SeqStore
import SeqTrain
import XCTest

/// The README's "Reading results elsewhere" snippets (Examples/python/) run against real files.
/// They need python3 with h5py and pandas; the suite never needs PyTorch (a stub stands in for
/// `torch.from_numpy`, so what is tested is the h5py side: paths, names and shapes).
final class PythonSnippetTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    var dir = ""

    override func setUpWithError() throws {
        let probe = try python(["-c", "import h5py, pandas"])
        guard probe.status == 0 else {
            throw XCTSkip("skipped: python3 with h5py and pandas is not available (pip install h5py pandas)")
        }
        dir = NSTemporaryDirectory() + "seqbench-py-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { if !dir.isEmpty { try? FileManager.default.removeItem(atPath: dir) } }

    func testReadmeShowsTheSnippetsVerbatim() throws {
        let readme = try String(contentsOfFile: Self.root + "/README.md", encoding: .utf8)
        for snippet in ["read_summary.py", "load_checkpoint.py"] {
            let text = try String(contentsOfFile: Self.root + "/Examples/python/" + snippet, encoding: .utf8)
            XCTAssertTrue(readme.contains(text), "README.md must contain Examples/python/\(snippet) verbatim")
        }
    }

    func testSummarySnippetLoadsADataFrame() throws {
        func run(_ model: String, accuracy: Double, parameters: Double) throws -> RunResult {
            var metrics = RunMetrics()
            metrics[.testAccuracy] = accuracy
            metrics[.parameters] = parameters
            let config = RunConfig(model: model, modelConfig: ModelConfig(hidden: 4), task: try TaskRegistry.resolve("contains"),
                                   train: TrainConfig(), seed: 1)
            return RunResult(runID: model + ".seed=1", model: model, seed: 1, status: .completed, config: config, metrics: metrics)
        }
        let runs = [try run("lstm", accuracy: 0.875, parameters: 1234), try run("bilstm_attention", accuracy: 0.9375, parameters: 5678)]
        try MetricsFile.write(to: dir + "/metrics.h5", experiment: "e",
                              config: ResolvedExperiment(name: "e", settings: [:], models: ["lstm", "bilstm_attention"], sweep: [:]),
                              runs: runs)
        let r = try python([Self.root + "/Examples/python/read_summary.py", dir + "/metrics.h5"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.stdout.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        XCTAssertTrue(lines.contains(["lstm.seed=1", "lstm", "1234.0", "0.8750"]), r.stdout)
        XCTAssertTrue(lines.contains(["bilstm_attention.seed=1", "bilstm_attention", "5678.0", "0.9375"]), r.stdout)
    }

    func testCheckpointSnippetRecoversStateDictKeysAndShapes() throws {
        let model = try ModelRegistry.make("bilstm_attention", config: ModelConfig(vocab: 9, embedDim: 4, hidden: 5,
                                                                                     layers: 2, attentionDim: 3, classes: 4), seed: 1)
        let trainer = Trainer(model: model, config: TrainConfig(), seed: 1)
        let config = RunConfig(model: "bilstm_attention", modelConfig: model.config, task: try TaskRegistry.resolve("contains"),
                               train: TrainConfig(), seed: 1)
        try Checkpoint(kind: .best, config: config, parameters: model.parameters.map(NamedArray.init),
                       trainer: trainer.state).write(to: dir + "/best.h5")
        try "def from_numpy(array):\n    return array\n".write(toFile: dir + "/torch.py", atomically: true, encoding: .utf8)
        let r = try python([Self.root + "/Examples/python/load_checkpoint.py", dir + "/best.h5"], pythonPath: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        let expected = "bilstm_attention {" + model.parameters.sorted { $0.name < $1.name }
            .map { "'\($0.name)': (\($0.shape.map(String.init).joined(separator: ", "))\($0.shape.count == 1 ? "," : ""))" }
            .joined(separator: ", ") + "}"
        XCTAssertEqual(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines), expected)
    }

    private func python(_ args: [String], pythonPath: String? = nil) throws -> (status: Int32, stdout: String, stderr: String) {
        var env = ProcessInfo.processInfo.environment
        if let pythonPath { env["PYTHONPATH"] = pythonPath }
        let r = try Subprocess.run("/usr/bin/env", ["python3"] + args, environment: env)
        return (r.status, r.stdout, r.stderr)
    }
}
