import ArgumentParser
import Foundation
import SeqHarness
import SeqStore

/// `seqbench report DIR`
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Re-render an experiment's table, summary.csv, report.md and plots from its metrics.h5.")

    @Argument(help: "An experiment folder (holding metrics.h5).") var folder: String

    func run() throws {
        let metrics = folder + "/metrics.h5"
        try Containment.runContained("report", files: [metrics])   // libhdf5 may crash on a damaged file
        guard FileManager.default.fileExists(atPath: metrics) else {
            throw StoreError(file: metrics, "no such file; is \(folder) an experiment folder written by `seqbench run`?")
        }
        Containment.willRead(metrics)
        let (experiment, resolved, runs) = try MetricsFile.readRuns(from: metrics, config: ResolvedExperiment.self)
        let checkpoints = ReportAttention.load(runs, folder: folder)
        Containment.doneReading()
        let pairs = resolved?.comparisons ?? ComparisonPair.declared(among: Array(Set(runs.map(\.entry))).sorted())
        say(try ExperimentReport.write(runs: runs, experiment: experiment, sweepKeys: resolved?.sweepKeys ?? [], pairs: pairs,
                                       folder: folder, search: resolved?.search, attention: ReportAttention.probe(checkpoints)))
    }
}
