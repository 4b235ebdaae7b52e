import CLITestSupport
import Foundation
import SeqHarness
import SeqStore
import SeqTensor
import XCTest

/// One settings schema, one `--set` grammar, one runner, one frozen plan, as a user meets them.
final class OnePipelineTests: XCTestCase {
    var dir = ""
    let fm = FileManager.default
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    /// Small enough for a test: every command below trains or times in well under a second.
    static let tiny = [
        "--set", "task.length=8", "--set", "task.min_length=3", "--set", "task.train_size=48", "--set", "task.val_size=16",
        "--set", "task.test_size=16", "--set", "model.hidden=6", "--set", "model.embed_dim=4", "--set", "model.attention_dim=4",
        "--set", "train.epochs=1", "--set", "train.batch_size=8", "--set", "threads=1",
        "--set", "measure.latency.samples=3", "--set", "measure.latency.warmup=0", "--set", "measure.latency.max_seconds=0.05",
    ]

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "seqbench-pipeline-\(UUID().uuidString)"
        try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? fm.removeItem(atPath: dir) }

    func testReadmeKeyTableIsTheSchemas() throws {
        let readme = try String(contentsOfFile: Self.root + "/README.md", encoding: .utf8)
        let begin = try XCTUnwrap(readme.range(of: "<!-- keys:begin -->\n")), end = try XCTUnwrap(readme.range(of: "\n<!-- keys:end -->"))
        let r = try CLI.run(["list", "keys", "--markdown"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(String(readme[begin.upperBound..<end.lowerBound]), r.stdout.trimmingCharacters(in: .newlines),
                       "README's key table: regenerate it with `seqbench list keys --markdown`")
        XCTAssertTrue(r.stdout.contains("| train.lr | number in (0, 1000] | 0.002 |"), r.stdout)
    }

    /// `flops` takes the same dotted keys as `run`, and the documented short aliases mean the same.
    func testFlopsTakesDottedKeysAndAliases() throws {
        func flops(_ settings: [String]) throws -> [String: Any] {
            let r = try CLI.run(["flops", "lstm", "--json"] + settings.flatMap { ["--set", $0] })
            XCTAssertEqual(r.status, 0, r.stderr)
            return try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        }
        let dotted = try flops(["task.length=128", "model.hidden=32", "train.batch_size=4"])
        let short = try flops(["length=128", "hidden=32", "batch_size=4"])
        XCTAssertEqual(dotted["length"] as? Int, 128)
        XCTAssertEqual(dotted["batch_size"] as? Int, 4)
        XCTAssertEqual(dotted as NSDictionary, short as NSDictionary)
        let bad = try CLI.run(["flops", "lstm", "--set", "task.lenght=12"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("unknown key 'task.lenght'; did you mean 'task.length'?"), bad.stderr)
    }

    func testBenchTakesTheSameKeys() throws {
        let r = try CLI.run(["bench", "rnn", "--json", "--set", "model.hidden=8", "--set", "task.length=6",
                             "--set", "task.min_length=3", "--set", "train.batch_size=4", "--set", "measure.latency.batch_sizes=[1]",
                             "--set", "samples=3", "--set", "warmup=0", "--set", "max_seconds=0.05", "--set", "threads=1"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(object["hidden"] as? Int, 8)
        XCTAssertEqual(object["threads"] as? Int, 1)
        // The L2 the step splits were sized to (sysfs), to name with the machine.
        XCTAssertEqual(object["l2_bytes"] as? Int, CPUCaches.level2Bytes)
        let modes = try XCTUnwrap(object["modes"] as? [[String: Any]]).compactMap { $0["mode"] as? String }
        XCTAssertEqual(modes, ["infer_b1", "train_b4"])
    }

    /// `bench --threads 1,2` measures each count: one JSON entry and one table column per count, with the
    /// speed-up; a malformed list or a second way of giving threads is one clear line.
    func testBenchTakesAListOfThreadCounts() throws {
        let shape = ["--set", "model.hidden=8", "--set", "task.length=6", "--set", "task.min_length=3", "--set", "train.batch_size=4",
                     "--set", "measure.latency.batch_sizes=[1]", "--set", "samples=3", "--set", "warmup=0", "--set", "max_seconds=0.05"]
        let json = try CLI.run(["bench", "lstm", "--json", "--threads", "1,2"] + shape)
        XCTAssertEqual(json.status, 0, json.stderr)
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let counts = try XCTUnwrap(object["thread_counts"] as? [[String: Any]])
        XCTAssertEqual(counts.compactMap { $0["threads"] as? Int }, [1, 2])
        for entry in counts {
            XCTAssertEqual(try XCTUnwrap(entry["modes"] as? [[String: Any]]).compactMap { $0["mode"] as? String }, ["infer_b1", "train_b4"])
        }
        let text = try CLI.run(["bench", "lstm", "--threads", "1,2"] + shape)
        XCTAssertEqual(text.status, 0, text.stderr)
        XCTAssertTrue(text.stdout.contains("p50 ms @1") && text.stdout.contains("p50 ms @2") && text.stdout.contains("speed-up 1→2"),
                      text.stdout)
        for (args, message) in [(["--threads", "1,x"], "--threads must be a comma-separated list of integers in 1…4096"),
                                (["--threads", "2,2"], "--threads lists a count twice"),
                                (["--threads", "1,2", "--set", "threads=2"], "give the thread counts once")] {
            let bad = try CLI.run(["bench", "lstm"] + args)
            XCTAssertNotEqual(bad.status, 0)
            XCTAssertTrue(bad.stderr.contains(message), bad.stderr)
        }
    }

    /// `train` plans through the schema (its defaults, not a second set), runs through the experiment runner
    /// (the same files), and `--resume` keeps a run only when its stored configuration is this one.
    func testTrainIsAOneSeedExperimentWithTheSameResumeCheck() throws {
        let out = dir + "/t"
        let base = ["train", "--model", "lstm", "--out", out, "--quiet"]
        // The schema's defaults for everything not set: hidden 128 → set small here except lr.
        let first = try CLI.run(base + Self.tiny)
        XCTAssertEqual(first.status, 0, first.stderr + first.stdout)
        for file in ["experiment.json", "metrics.h5", "summary.csv", "report.md", "runs/lstm.seed=1/best.h5",
                     "runs/lstm.seed=1/last.h5", "runs/lstm.seed=1/run.h5"] {
            XCTAssertTrue(fm.fileExists(atPath: out + "/" + file), file)
        }
        let plan = try ExperimentManifest.read(folder: out).plan()
        XCTAssertEqual(plan.runs.map(\.id), ["lstm.seed=1"])
        XCTAssertEqual(plan.runs[0].config.train.learningRate, 0.002, "the schema's default learning rate")
        XCTAssertEqual(plan.runs[0].config.train.patience, 3)
        let stored = try RunResult.read(from: out + "/runs/lstm.seed=1/run.h5")
        XCTAssertEqual(stored.status, .completed)
        XCTAssertNotNil(stored.metrics[.p50Milliseconds, .infer(batch: 1)], "the runner's latency phase ran")

        let same = try CLI.run(base + Self.tiny + ["--resume"])
        XCTAssertEqual(same.status, 0, same.stderr)
        XCTAssertEqual(try RunResult.read(from: out + "/runs/lstm.seed=1/run.h5").metrics[.trainSeconds],
                       stored.metrics[.trainSeconds], "an unchanged run is kept")

        let changed = try CLI.run(base + Self.tiny + ["--set", "train.lr=0.01", "--resume"])
        XCTAssertNotEqual(changed.status, 0, "a changed configuration is not resumed over")
        XCTAssertTrue((changed.stdout + changed.stderr).contains("lstm.seed=1"), changed.stdout + changed.stderr)
        XCTAssertTrue(try RunResult.read(from: out + "/runs/lstm.seed=1/run.h5").reason.contains("was written for a different configuration"))
    }

    /// Editing the YAML while a Slurm array runs changes nothing: its tasks and `collect` read the frozen plan.
    func testSlurmShardsAndCollectRunTheFrozenPlan() throws {
        let yaml = dir + "/x.yaml"
        func write(hidden: Int, seeds: String) throws {
            try """
                name: x
                task: {name: contains, length: 8, min_length: 3, train_size: 48, val_size: 16, test_size: 16}
                model: {hidden: \(hidden), embed_dim: 4, attention_dim: 4}
                models: [rnn, lstm]
                train: {epochs: 1, batch_size: 8}
                seeds: \(seeds)
                threads: 1
                measure: {latency: {batch_sizes: [1], warmup: 0, samples: 3, max_seconds: 0.05}}
                """.write(toFile: yaml, atomically: true, encoding: .utf8)
        }
        try write(hidden: 6, seeds: "[1, 2]")
        let s = try CLI.run(["slurm", yaml, "--shards", "2", "--out", dir + "/exp"], in: dir)
        XCTAssertEqual(s.status, 0, s.stderr)
        let script = try String(contentsOfFile: dir + "/exp/slurm/array.sbatch", encoding: .utf8)
        let exec = try XCTUnwrap(script.split(separator: "\n").first { $0.hasPrefix("exec ") })
        XCTAssertTrue(exec.contains(" run \(dir)/exp --shard"), String(exec))
        XCTAssertFalse(exec.contains("x.yaml"), "array tasks never read the YAML")

        try write(hidden: 12, seeds: "[1, 2, 3]")   // edited while the array runs
        for task in 0..<2 {
            let r = try CLI.run(["run", dir + "/exp", "--shard", "\(task)/2", "--resume", "--quiet"], in: dir)
            XCTAssertEqual(r.status, 0, r.stderr)
        }
        let c = try CLI.run(["collect", dir + "/exp"], in: dir)
        XCTAssertEqual(c.status, 0, c.stdout + c.stderr)
        XCTAssertTrue(c.stdout.contains("4 of 4 runs completed"), c.stdout)
        let (_, _, runs) = try MetricsFile.readRuns(from: dir + "/exp/metrics.h5")
        XCTAssertEqual(runs.map(\.runID).sorted(), ["lstm.seed=1", "lstm.seed=2", "rnn.seed=1", "rnn.seed=2"])
        XCTAssertTrue(runs.allSatisfy { $0.config.modelConfig.hidden == 6 }, "the frozen hidden size, not the edited one")

        // A shard started from the edited YAML into the same folder is refused: it would run another plan.
        let stray = try CLI.run(["run", yaml, "--out", dir + "/exp", "--shard", "0/2"], in: dir)
        XCTAssertNotEqual(stray.status, 0)
        XCTAssertTrue(stray.stderr.contains("planned differently"), stray.stderr)
    }

    /// `--out` may point anywhere, but symlinks are resolved before anything is deleted, and only an
    /// experiment's own folder is ever emptied.
    func testOutAnywhereNeverDeletesOutsideTheExperiment() throws {
        let outside = dir + "/outside", results = dir + "/Results"
        try fm.createDirectory(atPath: outside + "/sub", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: results, withIntermediateDirectories: true)
        try "precious".write(toFile: outside + "/sub/keep.txt", atomically: true, encoding: .utf8)
        try fm.createSymbolicLink(atPath: results + "/link", withDestinationPath: outside)
        let yaml = dir + "/y.yaml"
        try "name: y\nmodels: [rnn]\n".write(toFile: yaml, atomically: true, encoding: .utf8)

        let refused = try CLI.run(["run", yaml, "--out", "Results/link/sub", "--force"] + Self.tiny, in: dir)
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.stderr.contains("\(outside)/sub is not empty and holds no seqbench experiment"), refused.stderr)
        XCTAssertEqual(try String(contentsOfFile: outside + "/sub/keep.txt", encoding: .utf8), "precious")

        // An experiment reached through the link: --force empties that folder and nothing beside it.
        let made = try CLI.run(["run", yaml, "--out", "Results/link/exp", "--quiet"] + Self.tiny, in: dir)
        XCTAssertEqual(made.status, 0, made.stderr)
        XCTAssertTrue(fm.fileExists(atPath: outside + "/exp/experiment.json"))
        try "mine".write(toFile: outside + "/exp/notes.txt", atomically: true, encoding: .utf8)
        let again = try CLI.run(["run", yaml, "--out", "Results/link/exp", "--force", "--quiet"] + Self.tiny, in: dir)
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertFalse(fm.fileExists(atPath: outside + "/exp/notes.txt"), "the experiment folder started over")
        XCTAssertEqual(try String(contentsOfFile: outside + "/sub/keep.txt", encoding: .utf8), "precious")
        XCTAssertTrue(fm.fileExists(atPath: results + "/link"), "the link itself is untouched")
    }
}

/// `seqbench compare` as a user runs it: within one experiment and across two folders, as JSON.
final class CompareCommandTests: XCTestCase {
    var dir = ""
    let fm = FileManager.default

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "seqbench-compare-\(UUID().uuidString)"
        try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? fm.removeItem(atPath: dir) }

    func testWithinAndAcrossExperimentsAsJSON() throws {
        try "name: x\n".write(toFile: dir + "/x.yaml", atomically: true, encoding: .utf8)
        func run(_ name: String, lr: String) throws -> String {
            let r = try CLI.run(["run", "x.yaml", "--out", name, "--quiet", "--set", "name=\(name)",
                                 "--set", "models=[bilstm, bilstm_attention]", "--set", "seeds=[1, 2, 3]", "--set", "train.lr=\(lr)"]
                                + OnePipelineTests.tiny, in: dir)
            XCTAssertEqual(r.status, 0, r.stderr + r.stdout)
            XCTAssertTrue(r.stdout.contains("Paired comparisons over seeds"), r.stdout)
            return dir + "/" + name
        }
        let old = try run("old", lr: "0.01"), new = try run("new", lr: "0.02")

        let within = try CLI.run(["compare", old, "--json"])
        XCTAssertEqual(within.status, 0, within.stderr)
        let doc = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(within.stdout.utf8)) as? [String: Any])
        let comparisons = try XCTUnwrap(doc["comparisons"] as? [[String: Any]])
        XCTAssertEqual(comparisons.count, 1)
        let c = comparisons[0]
        for key in ["a", "b", "point", "metric", "n", "mean_diff", "median_diff", "ci95", "ci_method", "test", "p_value",
                    "wins_a", "wins_b", "ties", "verdict", "excluded_runs", "mcnemar", "flops_ratio", "latency_ratios"] {
            XCTAssertNotNil(c[key], "documented key \(key)")
        }
        XCTAssertEqual(c["a"] as? String, "bilstm_attention")
        XCTAssertEqual(c["b"] as? String, "bilstm")
        XCTAssertEqual(c["n"] as? Int, 3)
        XCTAssertEqual((c["mcnemar"] as? [Any])?.count, 3, "one exact McNemar test per seed")
        XCTAssertEqual((c["ci95"] as? [Double])?.count, 2)

        let across = try CLI.run(["compare", old, new, "--csv"])
        XCTAssertEqual(across.status, 0, across.stderr)
        let lines = across.stdout.split(separator: "\n")
        XCTAssertEqual(lines.count, 3, "header, then bilstm and bilstm_attention new vs old: \(across.stdout)")
        XCTAssertTrue(lines[1].hasPrefix("\(new),\(old),entry=bilstm"), String(lines[1]))

        let markdown = try CLI.run(["compare", old, "--metric", "best_val_accuracy"])
        XCTAssertEqual(markdown.status, 0, markdown.stderr)
        XCTAssertTrue(markdown.stdout.contains("best val accuracy"), markdown.stdout)
        let bad = try CLI.run(["compare", old, "--metric", "accuracy"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("--metric 'accuracy' is not a recorded metric"), bad.stderr)
    }
}
