import CLITestSupport
import Foundation
import SeqHarness
import SeqStore
import TestSupport
import XCTest

/// Scale-out as a user drives it: `run --shard`, `collect`, `slurm` (scripts only; the real Slurm test is
/// `make test-slurm`).
final class ShardingTests: XCTestCase {
    var dir = ""
    let fm = FileManager.default

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "seqbench-shard-\(UUID().uuidString)"
        try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let yaml = """
            name: tiny
            task: {name: contains, length: 10, min_length: 3, train_size: 96, val_size: 32, test_size: 32}
            model: {hidden: 8, embed_dim: 8, attention_dim: 8}
            models: [lstm, bilstm_attention]
            train: {epochs: 1, batch_size: 16, patience: 0}
            seeds: [1, 2]
            threads: 1
            measure:
              latency: {batch_sizes: [1, 4], warmup: 1, samples: 5, max_seconds: 0.2}
            """
        try yaml.write(toFile: dir + "/tiny.yaml", atomically: true, encoding: .utf8)
    }

    override func tearDownWithError() throws { try? fm.removeItem(atPath: dir) }

    private let ids = ["lstm.seed=1", "lstm.seed=2", "bilstm_attention.seed=1", "bilstm_attention.seed=2"]
    /// Round-robin over the sorted ids: bilstm_attention.seed=1, bilstm_attention.seed=2, lstm.seed=1, lstm.seed=2.
    private let shard0 = ["bilstm_attention.seed=1", "lstm.seed=1"], shard1 = ["bilstm_attention.seed=2", "lstm.seed=2"]

    private func files(_ path: String) -> [String] { ((try? fm.contentsOfDirectory(atPath: path)) ?? []).sorted() }

    /// Metrics that depend on the clock or the process, not on the results.
    static func timingFree(_ r: RunResult) -> [String: Double] {
        let live = ["latency_", "sequences_per_second_", "gflops_", "sgemm_gflops", "train_seconds", "peak_rss_mb"]
        return Dictionary(uniqueKeysWithValues: r.metrics.columns.filter { m in !live.contains { m.name.hasPrefix($0) } })
    }

    func testTwoShardsPlusCollectEqualOneRun() throws {
        let whole = try CLI.run(["run", "tiny.yaml", "--out", "Results/whole", "--quiet"], in: dir)
        XCTAssertEqual(whole.status, 0, whole.stderr)

        let folder = dir + "/Results/sharded"
        let first = try CLI.run(["run", "tiny.yaml", "--out", "Results/sharded", "--shard", "0/2"], in: dir)
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertEqual(files(folder), ["experiment.json", "runs"], "a shard writes no shared file")
        XCTAssertEqual(files(folder + "/runs"), shard0.sorted())
        XCTAssertTrue(first.stdout.contains("measuring latency of 2 model shape(s) for 2 run(s)"), "only its own runs: \(first.stdout)")
        XCTAssertTrue(first.stdout.contains("seqbench collect"), first.stdout)
        let manifest = try String(contentsOfFile: folder + "/experiment.json", encoding: .utf8)

        // The second shard goes into the existing folder (no --resume needed) and writes the same manifest.
        let second = try CLI.run(["run", "tiny.yaml", "--out", "Results/sharded", "--shard", "1/2", "--quiet"], in: dir)
        XCTAssertEqual(second.status, 0, second.stderr)
        XCTAssertEqual(files(folder), ["experiment.json", "runs"])
        XCTAssertEqual(files(folder + "/runs"), ids.sorted())
        XCTAssertEqual(try String(contentsOfFile: folder + "/experiment.json", encoding: .utf8), manifest)

        let collect = try CLI.run(["collect", "Results/sharded"], in: dir)
        XCTAssertEqual(collect.status, 0, collect.stderr + collect.stdout)
        XCTAssertTrue(collect.stdout.contains("4 of 4 runs completed"), collect.stdout)
        for f in ["metrics.h5", "summary.csv", "report.md", "accuracy_vs_flops.svg"] {
            XCTAssertTrue(fm.fileExists(atPath: folder + "/" + f), f)
        }
        let (nameA, configA, a) = try MetricsFile.readRuns(from: dir + "/Results/whole/metrics.h5")
        let (nameB, configB, b) = try MetricsFile.readRuns(from: folder + "/metrics.h5")
        XCTAssertEqual(nameA, nameB)
        XCTAssertEqual(configA, configB)
        XCTAssertEqual(a.map(\.runID), ids, "plan order")
        XCTAssertEqual(a.map(\.runID), b.map(\.runID))
        for (x, y) in zip(a, b) {
            XCTAssertEqual(x.status, y.status, x.runID)
            XCTAssertEqual(Self.timingFree(x), Self.timingFree(y), x.runID)
            XCTAssertEqual(x.history.map(\.validationLoss), y.history.map(\.validationLoss), x.runID)
            XCTAssertEqual(x.latency.keys.sorted(), y.latency.keys.sorted(), x.runID)
            let p = try Checkpoint.read(from: "\(dir)/Results/whole/runs/\(x.runID)/best.h5").parameters
            let q = try Checkpoint.read(from: "\(folder)/runs/\(y.runID)/best.h5").parameters
            XCTAssertEqual(p, q, "\(x.runID): bit-identical weights")
        }
        // The report: the same table as the single-machine run, up to timings; the same rows.
        let csvA = try String(contentsOfFile: dir + "/Results/whole/summary.csv", encoding: .utf8)
        let csvB = try String(contentsOfFile: folder + "/summary.csv", encoding: .utf8)
        XCTAssertEqual(csvA.split(separator: "\n").first, csvB.split(separator: "\n").first)

        // Idempotent: collecting again rebuilds the same results from the same run files.
        let again = try CLI.run(["collect", folder], in: dir)
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertEqual(try MetricsFile.readRuns(from: folder + "/metrics.h5").runs, b)
        XCTAssertEqual(try String(contentsOfFile: folder + "/summary.csv", encoding: .utf8), csvB)
    }

    func testCollectListsMissingAndFailedRunsAndFails() throws {
        let folder = dir + "/Results/partial"
        let shard = try CLI.run(["run", "tiny.yaml", "--out", "Results/partial", "--shard", "0/2", "--quiet"], in: dir)
        XCTAssertEqual(shard.status, 0, shard.stderr)
        // One run of the other shard failed.
        let planned = try ExperimentManifest.read(folder: folder).plan().runs.first { $0.id == "lstm.seed=2" }!
        let failed = RunResult(runID: planned.id, model: "lstm", seed: 2, status: .failed, reason: "loss diverged",
                               config: planned.config)
        try fm.createDirectory(atPath: folder + "/runs/lstm.seed=2", withIntermediateDirectories: true)
        try failed.write(to: folder + "/runs/lstm.seed=2/run.h5")
        for _ in 0..<2 {   // the same answer twice
            let r = try CLI.run(["collect", folder], in: dir)
            XCTAssertEqual(r.status, 1, r.stdout + r.stderr)
            XCTAssertTrue(r.stdout.contains("2 of 4 runs completed"), r.stdout)
            XCTAssertTrue(r.stdout.contains("1 run(s) missing: bilstm_attention.seed=2"), r.stdout)
            XCTAssertTrue(r.stdout.contains("1 run(s) failed: lstm.seed=2"), r.stdout)
            let (_, _, runs) = try MetricsFile.readRuns(from: folder + "/metrics.h5")
            XCTAssertEqual(runs.map(\.runID), ["lstm.seed=1", "lstm.seed=2", "bilstm_attention.seed=1"], "what exists is merged")
        }
        // Resuming the other shard redoes the failed run and fills the gap; finished runs are skipped.
        let rest = try CLI.run(["run", "tiny.yaml", "--out", "Results/partial", "--shard", "1/2", "--resume"], in: dir)
        XCTAssertEqual(rest.status, 0, rest.stderr)
        let whole = try CLI.run(["run", "tiny.yaml", "--out", "Results/partial", "--shard", "0/1", "--resume"], in: dir)
        XCTAssertEqual(whole.stdout.components(separatedBy: "complete, skipped").count - 1, 4, whole.stdout)
        XCTAssertEqual(try CLI.run(["collect", folder], in: dir).status, 0)
    }

    func testSlurmWritesTheArrayAndCollectScripts() throws {
        let r = try CLI.run(["slurm", "tiny.yaml", "--set", "seeds=[1, 2]", "--shards", "3", "--max-parallel", "2",
                             "--partition", "debug", "--time", "0:30:00", "--cpus-per-task", "2"], in: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        let folder = dir + "/Results/tiny"
        XCTAssertEqual(files(folder), ["experiment.json", "slurm"], "scripts and the manifest, no run")
        XCTAssertEqual(files(folder + "/slurm"), ["array.sbatch", "collect.sbatch"])
        let array = try String(contentsOfFile: folder + "/slurm/array.sbatch", encoding: .utf8)
        let collect = try String(contentsOfFile: folder + "/slurm/collect.sbatch", encoding: .utf8)
        let binary = URL(fileURLWithPath: CLI.executable).resolvingSymlinksInPath().path
        let cwd = URL(fileURLWithPath: dir).standardizedFileURL.path
        for line in ["#!/bin/bash", "#SBATCH --job-name=seqbench-tiny", "#SBATCH --array=0-2%2", "#SBATCH --cpus-per-task=2",
                     "#SBATCH --time=0:30:00", "#SBATCH --partition=debug", "#SBATCH --chdir=\(cwd)",
                     "#SBATCH --output=\(cwd)/Results/tiny/slurm/%A_%a.out",
                     "exec \(binary) run \(cwd)/Results/tiny --shard \"$SLURM_ARRAY_TASK_ID/3\" --resume"] {
            XCTAssertTrue(array.split(separator: "\n").contains { $0 == line }, "\(line) in:\n\(array)")
        }
        for line in ["#SBATCH --job-name=seqbench-tiny-collect", "#SBATCH --cpus-per-task=1", "#SBATCH --partition=debug",
                     "#SBATCH --output=\(cwd)/Results/tiny/slurm/collect_%j.out", "exec \(binary) collect \(cwd)/Results/tiny"] {
            XCTAssertTrue(collect.split(separator: "\n").contains { $0 == line }, "\(line) in:\n\(collect)")
        }
        XCTAssertTrue(r.stdout.contains("sbatch --parsable"), r.stdout)
        XCTAssertTrue(r.stdout.contains("--dependency=afterany:"), r.stdout)
        // The frozen plan holds the threads the tasks run with: the tasks and collect read the same plan.
        let c = try CLI.run(["collect", folder], in: dir)
        XCTAssertEqual(c.status, 1)
        XCTAssertTrue(c.stdout.contains("4 run(s) missing"), c.stdout)
        let frozen = try ExperimentManifest.read(folder: folder).plan()
        XCTAssertEqual(frozen.threads, 2)
        XCTAssertEqual(frozen.runs.map(\.id).sorted(), ["bilstm_attention.seed=1", "bilstm_attention.seed=2", "lstm.seed=1", "lstm.seed=2"])

        // Defaults: one task per run, no throttle, no partition or time line, the config's threads.
        let d = try CLI.run(["slurm", "tiny.yaml", "--out", "Results/defaults"], in: dir)
        XCTAssertEqual(d.status, 0, d.stderr)
        let plain = try String(contentsOfFile: dir + "/Results/defaults/slurm/array.sbatch", encoding: .utf8)
        XCTAssertTrue(plain.contains("#SBATCH --array=0-3\n") && plain.contains("#SBATCH --cpus-per-task=1\n"), plain)
        XCTAssertFalse(plain.contains("--partition") || plain.contains("--time") || plain.contains("--set"), plain)
    }

    func testBadInputGivesOneLineAndWritesNothing() throws {
        try fm.createDirectory(atPath: dir + "/not-an-experiment/runs", withIntermediateDirectories: true)
        let cases: [([String], String)] = [
            (["run", "tiny.yaml", "--shard", "3/2"], "the shard index must be in 0…1 (shards are numbered from 0"),
            (["run", "tiny.yaml", "--shard", "0/0"], "the shard count N must be positive"),
            (["run", "tiny.yaml", "--shard", "x/y"], "'x/y' is not a shard: expected I/N"),
            (["run", "tiny.yaml", "--shard", "0/2", "--force"], "--force cannot be combined with --shard"),
            (["collect", "not-an-experiment"], "not-an-experiment is not an experiment folder: it has no experiment.json"),
            (["collect", "nowhere"], "nowhere: no such folder"),
            (["slurm", "tiny.yaml", "--shards", "abc"], "The value 'abc' is invalid for '--shards"),
            (["slurm", "tiny.yaml", "--shards", "0"], "--shards must be a positive number of array tasks, got 0"),
            (["slurm", "tiny.yaml", "--shards=-2"], "--shards must be a positive number of array tasks, got -2"),
            (["slurm", "tiny.yaml", "--max-parallel", "0"], "--max-parallel must be positive, got 0"),
            (["slurm", "tiny.yaml", "--cpus-per-task", "0"], "--cpus-per-task must be in 1…4096 (the range of threads), got 0"),
            (["slurm", "tiny.yaml", "--time", "soon"], "--time 'soon' is not a Slurm time limit"),
            (["slurm", "tiny.yaml", "--time", "1:2:3:4"], "--time '1:2:3:4' is not a Slurm time limit"),
            (["slurm", "tiny.yaml", "--partition", ""], "--partition '' is not a partition name"),
            (["slurm", "tiny.yaml", "--set", "train.epochz=1"], "unknown key 'train.epochz'"),
            (["slurm", "tiny.yaml", "--out", "not-an-experiment"], "is not empty and holds no seqbench experiment"),
        ]
        for (args, fragment) in cases {
            let r = try CLI.run(args, in: dir)
            XCTAssertNotEqual(r.status, 0, "\(args)")
            let lines = r.stderr.split(separator: "\n").filter { !$0.hasPrefix("Usage") && !$0.hasPrefix("  See") && !$0.hasPrefix("Help:") && !$0.isEmpty }
            XCTAssertEqual(lines.count, 1, "\(args): one line: \(r.stderr)")
            XCTAssertTrue(r.stderr.contains(fragment), "\(args): \(r.stderr)")
        }
        XCTAssertFalse(fm.fileExists(atPath: dir + "/Results"), "nothing written")
        XCTAssertEqual(files(dir + "/not-an-experiment"), ["runs"], "nothing written")
    }
}
