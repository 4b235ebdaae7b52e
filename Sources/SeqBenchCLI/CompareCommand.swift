import ArgumentParser
import Foundation
import SeqHarness
import SeqStore

/// `seqbench compare DIR [DIR …]`
struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Paired comparisons over seeds, within one experiment or across experiment folders.",
        discussion: """
            With one folder: the experiment's pairs (its `compare:` setting, or each model against its registered \\
            no-attention counterpart) at every sweep point, runs paired by seed. With several folders: the same \\
            model entry at the same sweep point in each later folder against the first (a new run against an old \\
            one), paired by seed. For each comparison: n, mean and median difference, a 95 % interval (Student t \\
            below 10 seeds, bootstrap from 10), a paired test (exact Wilcoxon signed-rank), wins, losses and ties, \\
            an exact McNemar test per seed on the test predictions (test accuracy only), the exact FLOPs ratio and \\
            the latency ratios with intervals from the interleaved rounds, and a verdict that claims a difference \\
            only when the interval excludes zero. Both views are printed when some runs did not train. Output: \\
            Markdown (default), --csv, or --json ({"comparisons": [...]}, documented in the README).
            """)

    @Argument(help: "Experiment folders (each holding metrics.h5).") var folders: [String]
    @Option(help: ArgumentHelp("The figure compared: \(Metric.allCases.map(\.rawValue).joined(separator: ", ")).", valueName: "metric"))
    var metric = "test_accuracy"
    @Flag(help: "Print JSON.") var json = false
    @Flag(help: "Print CSV.") var csv = false
    @Flag(help: "Only the runs that trained (default: every completed run; Markdown shows both when they differ).")
    var trainedOnly = false

    func validate() throws {
        guard !folders.isEmpty else { throw ValidationError("name at least one experiment folder") }
        guard Metric(rawValue: metric) != nil else {
            throw ValidationError("--metric '\(metric)' is not a recorded metric; expected one of: \(Metric.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if json && csv { throw ValidationError("--json and --csv exclude each other") }
    }

    func run() throws {
        let metric = Metric(rawValue: self.metric)!
        try Containment.runContained("compare", files: folders.map { $0 + "/metrics.h5" })   // libhdf5 may crash on a damaged file
        var experiments: [(name: String, resolved: ResolvedExperiment?, runs: [RunResult])] = []
        for folder in folders {
            let path = folder + "/metrics.h5"
            guard FileManager.default.fileExists(atPath: path) else {
                throw StoreError(file: path, "no such file; is \(folder) an experiment folder written by `seqbench run`?")
            }
            Containment.willRead(path)
            let (_, resolved, runs) = try MetricsFile.readRuns(from: path)
            // With a search, its trials are not compared: each model's chosen trial re-run on the seeds is.
            // With a search, its trials are not compared: each model's chosen trial re-run on the seeds is.
            experiments.append((folder, resolved, SearchOutcome.comparedRuns(runs, search: resolved?.search)))
        }
        Containment.doneReading()
        let first = experiments[0]
        let sweepKeys = first.resolved?.sweepKeys ?? []
        let set: ComparisonSet
        if experiments.count == 1 {
            let pairs = first.resolved?.comparisons ?? ComparisonPair.declared(among: Array(Set(first.runs.map(\.entry))).sorted())
            set = ComparisonSet.of(first.runs, pairs: pairs, sweepKeys: sweepKeys, metric: metric)
        } else {
            func across(_ view: ComparisonView) -> [PairedComparison] {
                experiments.dropFirst().flatMap {
                    Comparisons.across(new: $0.runs, old: first.runs, newName: $0.name, oldName: first.name, sweepKeys: sweepKeys,
                                       metric: metric, view: view)
                }
            }
            set = ComparisonSet(allRuns: across(.allRuns), trainedOnly: across(.trainedOnly),
                                untrained: experiments.flatMap { $0.runs.filter { $0.status == .completed && !$0.trained }.map(\.runID) })
        }
        let chosen = trainedOnly ? set.trainedOnly : set.allRuns
        if json { return say(try ComparisonReport.json(chosen)) }
        if csv { return print(ComparisonReport.csv(chosen), terminator: "") }
        guard !set.isEmpty else {
            return say("nothing to compare: no pair of model entries with runs at the same sweep point"
                       + (experiments.count > 1 ? " in these folders" : "; set `compare: [\"A vs B\"]` in the config"))
        }
        say(ComparisonReport.section(trainedOnly ? ComparisonSet(allRuns: set.trainedOnly, trainedOnly: set.trainedOnly, untrained: [])
                                                 : set, markdown: true))
    }
}
