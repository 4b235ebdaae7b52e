import CLITestSupport
import Foundation
import SeqHarness
import SeqHDF5
import SeqStore
import TestSupport
import XCTest

/// `seqbench run` end to end, as a user runs it: files, table, resume after SIGKILL, bad input.
final class RunCommandTests: XCTestCase {
    var dir = ""

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "seqbench-run-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: dir) }

    private func config(_ name: String, models: String = "[lstm, bilstm_attention]", epochs: Int = 1,
                        extra: String = "") throws -> String {
        let yaml = """
            name: \(name)
            task: {name: contains, length: 10, min_length: 3, train_size: 96, val_size: 32, test_size: 32}
            model: {hidden: 8, embed_dim: 8, attention_dim: 8}
            models: \(models)
            train: {epochs: \(epochs), batch_size: 16, patience: 0}
            seeds: [1, 2]
            threads: 2
            measure:
              latency: {batch_sizes: [1, 4], warmup: 1, samples: 5, max_seconds: 0.2}
            \(extra)
            """
        try yaml.write(toFile: dir + "/\(name).yaml", atomically: true, encoding: .utf8)
        return name + ".yaml"
    }

    func testTinyExperimentWritesEveryFileAndTheTable() throws {
        let file = try config("tiny")
        let r = try CLI.run(["run", file], in: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        let folder = dir + "/Results/tiny"
        for f in ["metrics.h5", "summary.csv", "report.md", "accuracy_vs_flops.svg"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: folder + "/" + f), f)
        }
        let ids = ["lstm.seed=1", "lstm.seed=2", "bilstm_attention.seed=1", "bilstm_attention.seed=2"]
        for id in ids {
            for f in ["best.h5", "last.h5", "run.h5"] {
                XCTAssertTrue(FileManager.default.fileExists(atPath: "\(folder)/runs/\(id)/\(f)"), "\(id)/\(f)")
            }
        }
        let (_, _, runs) = try MetricsFile.readRuns(from: folder + "/metrics.h5")
        XCTAssertEqual(runs.map(\.runID), ids)
        XCTAssertTrue(runs.allSatisfy { $0.status == .completed })
        XCTAssertEqual(runs[0].latency.keys.sorted(), [.infer(batch: 1), .infer(batch: 4), .train(batch: 16)])
        XCTAssertTrue(runs.allSatisfy { $0.status == .completed && $0.latency[.infer(batch: 1)]?.count == 5 },
                      "the interleaved measurement phase measured every run")
        XCTAssertEqual(runs[0].latency, runs[1].latency, "seeds of one model shape share its measurement")
        XCTAssertNotNil(runs[0].metrics[.flopsForward])
        // The table: a row per model, the attention delta below.
        let lines = r.stdout.split(separator: "\n").map(String.init)
        XCTAssertTrue(lines.contains { $0.hasPrefix("lstm ") }, r.stdout)
        XCTAssertTrue(lines.contains { $0.hasPrefix("bilstm_attention ") }, r.stdout)
        XCTAssertFalse(r.stdout.contains("Attention delta"), "no bilstm in this experiment, so no delta")
        let csv = try String(contentsOfFile: folder + "/summary.csv", encoding: .utf8)
        XCTAssertEqual(csv.split(separator: "\n").count, 3, "header + one row per model")
        // Re-rendered from metrics.h5 alone, the table is the same.
        let report = try CLI.run(["report", folder], in: dir)
        XCTAssertEqual(report.status, 0, report.stderr)
        XCTAssertTrue(r.stdout.contains(report.stdout.trimmingCharacters(in: .newlines)), report.stdout)
        // Running again refuses to touch the experiment.
        let again = try CLI.run(["run", file], in: dir)
        XCTAssertNotEqual(again.status, 0)
        XCTAssertTrue(again.stderr.contains("already holds an experiment; pass --resume"), again.stderr)
    }

    func testResumeAfterSIGKILLEqualsAnUninterruptedSweep() throws {
        let file = try config("sweep", epochs: 3, extra: "sweep:\n  task.length: [6, 10]")
        let whole = try CLI.run(["run", file, "--out", "Results/whole", "--quiet"], in: dir)
        XCTAssertEqual(whole.status, 0, whole.stderr)

        // Start the same sweep and kill it hard once a few runs have finished.
        XCTAssertTrue(try CLI.killAfterFinishedRuns(["run", file, "--out", "Results/killed", "--quiet"], in: dir,
                                                    runsFolder: dir + "/Results/killed/runs", finishedRuns: 3),
                      "the sweep must still be running when it is killed")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/Results/killed/metrics.h5"))

        let resumed = try CLI.run(["run", file, "--out", "Results/killed", "--resume"], in: dir)
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertTrue(resumed.stdout.contains("complete, skipped"), "finished runs are not redone")

        let (_, _, a) = try MetricsFile.readRuns(from: dir + "/Results/whole/metrics.h5")
        let (_, _, b) = try MetricsFile.readRuns(from: dir + "/Results/killed/metrics.h5")
        XCTAssertEqual(a.map(\.runID), b.map(\.runID))
        // Everything but what depends on the clock or the process (timings, rates, memory).
        let measuredLive = ["latency_", "sequences_per_second_", "gflops_", "sgemm_gflops", "train_seconds", "peak_rss_mb"]
        let timingFree = { (r: RunResult) -> [String: Double] in
            Dictionary(uniqueKeysWithValues: r.metrics.columns.filter { m in !measuredLive.contains { m.name.hasPrefix($0) } })
        }
        for (x, y) in zip(a, b) {
            XCTAssertEqual(timingFree(x), timingFree(y), x.runID)
            XCTAssertEqual(x.history.map(\.validationLoss), y.history.map(\.validationLoss), x.runID)
            XCTAssertEqual(x.history.map(\.trainLoss), y.history.map(\.trainLoss), x.runID)
            let p = try Checkpoint.read(from: "\(dir)/Results/whole/runs/\(x.runID)/best.h5").parameters
            let q = try Checkpoint.read(from: "\(dir)/Results/killed/runs/\(y.runID)/best.h5").parameters
            XCTAssertEqual(p, q, "\(x.runID): bit-identical weights")
        }
    }

    /// An hdf5-task data file of 8 sequences of 6 tokens with these labels (a label of -1 makes reading fail).
    static func writeData(_ path: String, labels: [Int32]) throws {
        let file = try HDF5File.create(path)
        try file.root.write("tokens", values: (0..<(8 * 6)).map { Int32(1 + $0 % 5) }, shape: [8, 6])
        try file.root.write("lengths", values: [Int32](repeating: 6, count: 8), shape: [8])
        try file.root.write("labels", values: labels, shape: [8])
        try file.close()
    }

    func testFailedRunIsRecordedAndTheSweepGoesOn() throws {
        // Settings are checked before anything runs (a learning rate large enough to overflow the weights
        // is out of range), so the failure here is in the data: a file whose shapes pass the plan's check
        // but whose labels are invalid, which only reading it finds. The run is recorded as failed.
        func write(_ name: String, labels: [Int32]) throws { try RunCommandTests.writeData(dir + "/" + name, labels: labels) }
        try write("bad.h5", labels: [0, 1, 0, -1, 0, 1, 0, 1])
        try write("good.h5", labels: [0, 1, 0, 1, 0, 1, 0, 1])
        let file = try config("diverge", models: "[rnn, {name: lstm, hidden: 4}]", epochs: 2,
                              extra: "sweep:\n  task.path: [bad.h5, good.h5]")
        try String(contentsOfFile: dir + "/" + file, encoding: .utf8)
            .replacingOccurrences(of: "task: {name: contains, length: 10, min_length: 3, train_size: 96, val_size: 32, test_size: 32}",
                                  with: "task: {name: hdf5, val_fraction: 0.25, test_fraction: 0.25}")
            .write(toFile: dir + "/" + file, atomically: true, encoding: .utf8)
        let overrides = ["--set", "seeds=[1]"]
        let r = try CLI.run(["run", file] + overrides, in: dir)
        let (_, _, runs) = try MetricsFile.readRuns(from: dir + "/Results/diverge/metrics.h5")
        XCTAssertEqual(runs.count, 4, "every run is recorded")
        let failed = runs.filter { $0.status == .failed }
        XCTAssertFalse(failed.isEmpty, r.stdout)
        XCTAssertTrue(failed.allSatisfy { $0.reason.contains("/labels") }, failed.map(\.reason).joined())
        XCTAssertTrue(runs.contains { $0.status == .completed }, "the sweep went on")
        XCTAssertEqual(r.status, 1, "failures make a non-zero exit")
        XCTAssertTrue(r.stdout.contains("failed"), r.stdout)

        // One job: in-flight runs of other jobs may finish their failure too (JobsTests).
        let fast = try CLI.run(["run", file] + overrides + ["--out", "Results/fast", "--fail-fast", "--jobs", "1"], in: dir)
        XCTAssertNotEqual(fast.status, 0)
        let (_, _, fastRuns) = try MetricsFile.readRuns(from: dir + "/Results/fast/metrics.h5")
        XCTAssertEqual(fastRuns.count, 1, "--fail-fast stops at the first failure")
    }

    func testBadInputGivesOneLineAndWritesNothing() throws {
        let good = try config("good")
        let cases: [([String], String)] = [
            (["run", "missing.yaml"], "missing.yaml: no such file"),
            (["run", good, "--set", "train.epochz=2"], "unknown key 'train.epochz'; did you mean 'train.epochs'?"),
            (["run", good, "--set", "model.hidden=0"], "'model.hidden' must be an integer in 1…65536, got 0"),
            (["run", good, "--set", "models=[gpt]"], "unknown model 'gpt'; expected one of:"),
            (["run", good, "--set", "task.name=imdb"], "unknown task 'imdb'; expected one of:"),
            (["run", good, "--set", "sweep.model.hidden=[]"], "is an empty list"),
            (["run", good, "--out", "notes"], "is not empty and holds no seqbench experiment"),
            (["run", good, "--out", "notes", "--force"], "is not empty and holds no seqbench experiment"),
        ]
        try FileManager.default.createDirectory(atPath: dir + "/notes", withIntermediateDirectories: true)
        try "keep".write(toFile: dir + "/notes/a.txt", atomically: true, encoding: .utf8)
        for (args, fragment) in cases {
            let r = try CLI.run(args, in: dir)
            XCTAssertNotEqual(r.status, 0, "\(args)")
            XCTAssertEqual(r.stderr.split(separator: "\n").filter { !$0.hasPrefix("Usage") && !$0.hasPrefix("  See") && !$0.isEmpty }.count, 1,
                           "\(args): one line: \(r.stderr)")
            XCTAssertTrue(r.stderr.contains(fragment), "\(args): \(r.stderr)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/Results"), "nothing written")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir + "/notes"), ["a.txt"], "nothing deleted")
    }
}
