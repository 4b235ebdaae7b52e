import CLITestSupport
import Foundation
import SeqHarness
import SeqHDF5
import SeqStore
import XCTest

/// `search:` end to end: both phases in one `run`, resume, shards and `collect`, and a selection blind to the test split.
final class SearchCommandTests: XCTestCase {
    var dir = ""
    let fm = FileManager.default

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "seqbench-search-\(UUID().uuidString)"
        try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? fm.removeItem(atPath: dir) }

    static let search = """
        search:
          n: 3
          seed: 11
          space:
            lr: {log_uniform: [0.001, 0.05]}
            model.hidden: {choice: [4, 8]}
        """

    func writeConfig(_ name: String, task: String) throws -> String {
        let path = dir + "/" + name + ".yaml"
        try """
            name: \(name)
            task: \(task)
            models: [rnn, lstm]
            compare: ["lstm vs rnn"]
            model: {embed_dim: 4, attention_dim: 4}
            train: {epochs: 2, batch_size: 8}
            seeds: [1, 2]
            threads: 1
            measure: {latency: {batch_sizes: [1], samples: 3, warmup: 0, max_seconds: 0.05}}
            \(Self.search)
            """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static let tinyTask = "{name: contains, length: 8, min_length: 3, train_size: 48, val_size: 16, test_size: 16}"

    func runIDs(_ folder: String) throws -> [String] {
        try fm.contentsOfDirectory(atPath: folder + "/runs").sorted()
    }

    func run(_ folder: String, _ id: String) throws -> RunResult { try RunResult.read(from: "\(folder)/runs/\(id)/run.h5") }

    func testOneRunDoesBothPhasesResumesAndReports() throws {
        let config = try writeConfig("tune", task: Self.tinyTask)
        let out = dir + "/out"
        let r = try CLI.run(["run", config, "--out", out])
        XCTAssertEqual(r.status, 0, r.stderr + r.stdout)
        XCTAssertTrue(r.stdout.contains("tune: search, 3 trials × 2 models on seed 1 (6 runs), then each model's best trial on 2 seeds"), r.stdout)
        let plan = try ExperimentManifest.read(folder: out).plan()
        let entries = SearchPhase.entries(plan: plan, folder: out)
        XCTAssertEqual(entries.map(\.entry), ["rnn", "lstm"])
        var expected = plan.runs.map(\.id)
        for entry in entries {
            let best = try XCTUnwrap(entry.best, entry.entry)
            // The choice is the best stored validation accuracy, read back independently here.
            let scores = try (1...3).map { try run(out, "\(entry.entry)-trial0\($0).seed=1").metrics[.bestValidationAccuracy]! }
            XCTAssertEqual(best.validationAccuracy, scores.max())
            XCTAssertEqual(best.trial, scores.firstIndex(of: scores.max()!)! + 1, "ties go to the lower trial")
            XCTAssertTrue(r.stdout.contains("search: \(entry.entry): trial \(best.trial) of 3 is best"), r.stdout)
            expected.append("\(entry.entry)-trial0\(best.trial).seed=2")
            let rerun = try run(out, "\(entry.entry)-trial0\(best.trial).seed=2")
            let trial = try run(out, "\(entry.entry)-trial0\(best.trial).seed=1")
            XCTAssertEqual(rerun.config.train, trial.config.train, "the re-run trains the chosen configuration")
            XCTAssertEqual(rerun.config.modelConfig, trial.config.modelConfig)
            XCTAssertEqual(rerun.status, .completed)
        }
        XCTAssertEqual(try runIDs(out), expected.sorted())
        // The report's table and comparisons are those re-runs: 2 seeds per model.
        let (_, _, stored) = try MetricsFile.readRuns(from: out + "/metrics.h5")
        XCTAssertEqual(Set(stored.map(\.runID)), Set(expected))
        let report = try String(contentsOfFile: out + "/report.md", encoding: .utf8)
        XCTAssertTrue(report.contains("## Search"), report)
        XCTAssertTrue(report.contains("### Trials of lstm"), report)
        XCTAssertTrue(report.contains("| model | trial | val acc % | model.hidden | train.lr |"), report)
        XCTAssertTrue(report.contains("![search_trials](search_trials.svg)"), report)
        let svg = try String(contentsOfFile: out + "/search_trials.svg", encoding: .utf8)
        XCTAssertEqual(svg.components(separatedBy: "class=\"best-so-far\"").count - 1, 2, "a best-so-far line per model")
        XCTAssertEqual(svg.components(separatedBy: "class=\"chosen\"").count - 1, 2)
        XCTAssertEqual(svg.components(separatedBy: "class=\"marker\"").count - 1, 6, "a marker per trial")
        XCTAssertTrue(r.stdout.contains("Search: chosen per model"), r.stdout)

        // `compare` pairs the chosen trials' re-runs by seed, not the trials.
        let compared = try CLI.run(["compare", out, "--json"])
        XCTAssertEqual(compared.status, 0, compared.stderr)
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(compared.stdout.utf8)) as? [String: Any])
        let comparisons = try XCTUnwrap(json["comparisons"] as? [[String: Any]])
        XCTAssertEqual(comparisons.first?["a"] as? String, "lstm")
        XCTAssertEqual(comparisons.first?["b"] as? String, "rnn")
        XCTAssertEqual(comparisons.first?["seeds"] as? [Int], [1, 2])
        let chosenTrial = Dictionary(uniqueKeysWithValues: entries.map { ($0.entry, $0.best!.trial) })
        let expectedDifferences = try [1, 2].map { seed in
            try (run(out, "lstm-trial0\(chosenTrial["lstm"]!).seed=\(seed)").metrics[.testAccuracy]!
                 - run(out, "rnn-trial0\(chosenTrial["rnn"]!).seed=\(seed)").metrics[.testAccuracy]!) * 100
        }
        let differences = try XCTUnwrap(comparisons.first?["differences"] as? [Double])
        XCTAssertEqual(differences.count, 2)
        for (d, e) in zip(differences, expectedDifferences) { XCTAssertEqual(d, e, accuracy: 1e-9, "the chosen trials' runs are paired") }

        // Resuming trains nothing: every trial and re-run is complete.
        let again = try CLI.run(["run", config, "--out", out, "--resume"])
        XCTAssertEqual(again.status, 0, again.stderr + again.stdout)
        XCTAssertFalse(again.stdout.contains("starting"), again.stdout)
        // `report` re-renders the same search section from metrics.h5.
        try fm.removeItem(atPath: out + "/search_trials.svg")
        let rendered = try CLI.run(["report", out])
        XCTAssertEqual(rendered.status, 0, rendered.stderr)
        XCTAssertEqual(try String(contentsOfFile: out + "/search_trials.svg", encoding: .utf8), svg)
    }

    /// Two shards, each run twice (as a trials array and a re-run array would), then `collect`: the same trials,
    /// the same choice and the same runs as one unsharded `run`.
    func testShardsAndCollectMatchOneRun() throws {
        let config = try writeConfig("tune", task: Self.tinyTask)
        let whole = dir + "/whole", sharded = dir + "/sharded"
        XCTAssertEqual(try CLI.run(["run", config, "--out", whole, "--quiet"]).status, 0)
        for pass in 0..<2 {
            for i in 0..<2 {
                let r = try CLI.run(["run", config, "--out", sharded, "--shard", "\(i)/2", "--resume"])
                XCTAssertEqual(r.status, 0, "pass \(pass) shard \(i): " + r.stderr + r.stdout)
            }
        }
        let collect = try CLI.run(["collect", sharded])
        XCTAssertEqual(collect.status, 0, collect.stderr + collect.stdout)
        XCTAssertEqual(try runIDs(sharded), try runIDs(whole))
        let planA = try ExperimentManifest.read(folder: whole).plan(), planB = try ExperimentManifest.read(folder: sharded).plan()
        XCTAssertEqual(planA.runs, planB.runs, "every shard samples the same trials")
        XCTAssertEqual(SearchPhase.entries(plan: planA, folder: whole), SearchPhase.entries(plan: planB, folder: sharded))
        for id in try runIDs(whole) {
            let (a, b) = (try run(whole, id), try run(sharded, id))
            XCTAssertEqual(a.metrics[.bestValidationAccuracy], b.metrics[.bestValidationAccuracy], id)
            XCTAssertEqual(a.metrics[.testAccuracy], b.metrics[.testAccuracy], id)
        }
    }

    /// hdf5-task data: 96 sequences (48 train, 24 validation, 24 test by `split`); the label is the first
    /// token's parity. `testLabels` replaces the test split's labels.
    func writeData(_ path: String, testLabels: (([Int32]) -> [Int32])? = nil) throws -> [Int32] {
        let (count, length) = (96, 6)
        var state: UInt32 = 12345
        let tokens = (0..<(count * length)).map { _ -> Int32 in
            state = state &* 1_103_515_245 &+ 12345
            return Int32(1 + (state >> 16) % 5)
        }
        var labels = (0..<count).map { tokens[$0 * length] % 2 }
        let split = (0..<count).map { Int32($0 < 48 ? 0 : $0 < 72 ? 1 : 2) }
        if let testLabels { labels.replaceSubrange(72..<96, with: testLabels(Array(labels[72..<96]))) }
        let file = try HDF5File.create(path)
        try file.root.write("tokens", values: tokens, shape: [count, length])
        try file.root.write("lengths", values: [Int32](repeating: Int32(length), count: count), shape: [count])
        try file.root.write("labels", values: labels, shape: [count])
        try file.root.write("split", values: split, shape: [count])
        try file.close()
        return labels
    }

    /// Selection reads validation figures only: the same experiment on data whose test labels are shuffled picks
    /// the same trial of every model (while the test accuracies it reports do change).
    func testShuffledTestLabelsDoNotChangeTheChoice() throws {
        let original = try writeData(dir + "/data.h5")
        // A fixed permutation of the test labels (rotated by 7), so the test is the same every time.
        let shuffled = try writeData(dir + "/shuffled.h5") { labels in Array(labels[7...] + labels[..<7]) }
        XCTAssertEqual(original[..<72], shuffled[..<72], "train and validation are the same")
        XCTAssertNotEqual(original[72...], shuffled[72...], "the test labels differ")
        var chosen: [[EntrySearch]] = [], tests: [[Double]] = []
        for data in ["data.h5", "shuffled.h5"] {
            let name = (data as NSString).deletingPathExtension
            let config = try writeConfig(name, task: "{name: hdf5, path: \(data)}")
            let r = try CLI.run(["run", config, "--out", dir + "/" + name, "--quiet"])
            XCTAssertEqual(r.status, 0, r.stderr + r.stdout)
            let plan = try ExperimentManifest.read(folder: dir + "/" + name).plan()
            chosen.append(SearchPhase.entries(plan: plan, folder: dir + "/" + name))
            tests.append(try plan.runs.map { try run(dir + "/" + name, $0.id).metrics[.testAccuracy]! })
        }
        XCTAssertTrue(chosen[0].allSatisfy { $0.best != nil })
        // The trials' validation scores differ, so the choice is a real one (not a tie that falls to trial 1).
        XCTAssertTrue(chosen[0].contains { Set($0.trials.map(\.score.validationAccuracy)).count > 1 },
                      chosen[0].map { "\($0.entry): \($0.trials.map(\.score))" }.joined(separator: "; "))
        XCTAssertEqual(chosen[0], chosen[1], "every trial's validation score and the choice are unchanged")
        XCTAssertNotEqual(tests[0], tests[1], "the test split did change what the trials scored on it")
    }

    /// `slurm` with a search writes a second array (the re-runs) and chains trials → re-runs → collect.
    func testSlurmChainsTheTrialsTheRerunsAndCollect() throws {
        let config = try writeConfig("tune", task: Self.tinyTask)
        let folder = dir + "/slurm-out"
        let r = try CLI.run(["slurm", config, "--out", folder, "--shards", "2"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try fm.contentsOfDirectory(atPath: folder + "/slurm").sorted(), ["array.sbatch", "collect.sbatch", "rerun.sbatch"])
        let array = try String(contentsOfFile: folder + "/slurm/array.sbatch", encoding: .utf8)
        let rerun = try String(contentsOfFile: folder + "/slurm/rerun.sbatch", encoding: .utf8)
        let lines = { (text: String) in text.split(separator: "\n").map(String.init) }
        XCTAssertTrue(lines(rerun).contains("#SBATCH --job-name=seqbench-tune-rerun"), rerun)
        XCTAssertTrue(lines(array).contains("#SBATCH --job-name=seqbench-tune"), array)
        let task = try XCTUnwrap(lines(array).first { $0.hasPrefix("exec ") })
        XCTAssertTrue(task.hasSuffix("--shard \"$SLURM_ARRAY_TASK_ID/2\" --resume"), task)
        XCTAssertTrue(lines(rerun).contains(task), "the re-run tasks run the same command: phase 1 is skipped, phase 2 done")
        XCTAssertTrue(r.stdout.contains("rid=$(sbatch --parsable --dependency=afterany:${jid%%;*} \(folder)/slurm/rerun.sbatch) && sbatch --dependency=afterany:${rid%%;*} \(folder)/slurm/collect.sbatch"), r.stdout)
    }

    func testBadSearchIsOneLineAndWritesNothing() throws {
        let path = dir + "/bad.yaml"
        try """
            task: \(Self.tinyTask)
            models: [rnn]
            search:
              n: 2
              space:
                model.hidden: {uniform: [4, 8]}
            """.write(toFile: path, atomically: true, encoding: .utf8)
        let r = try CLI.run(["run", path, "--out", dir + "/bad"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertEqual(r.stderrLines, ["Error: \(path):6: 'model.hidden' is integer in 1…65536: draw it with int or choice, not a real-valued distribution"])
        XCTAssertFalse(fm.fileExists(atPath: dir + "/bad"))
    }
}
