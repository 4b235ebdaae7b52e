import ArgumentParser
import Foundation
import SeqHarness
import SeqStore

/// `seqbench collect DIR`
struct CollectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "collect",
        abstract: "Merge an experiment's per-run files into metrics.h5, summary.csv, report.md and the plots.",
        discussion: """
            For sharded experiments (`run --shard`, `seqbench slurm`): rebuilds the plan from DIR/experiment.json, \
            merges whatever runs/<run id>/run.h5 files exist (the same code as the end of `seqbench run`) and lists \
            the runs that are missing, failed or unfinished; the exit status is then 1. Safe to repeat: each call \
            rewrites the same files from the run files.
            """)

    @Argument(help: "An experiment folder (holding experiment.json and runs/).") var folder: String

    func run() throws {
        let manifest = try ExperimentManifest.read(folder: folder)
        let plan = try manifest.plan()
        let out = URL(fileURLWithPath: folder).standardizedFileURL.path
        let runner = ExperimentRunner(plan: plan, out: out)
        let census = runner.census()
        try Collector.write(runner: runner, folder: out)
        let known = runner.knownRuns.count
        say("\n\(plan.name): \(census.completed.count) of \(known) runs completed"
            + (plan.search == nil ? "" : " (search trials, and the re-runs of the models whose trials have all finished)"))
        for (label, ids) in [("missing", census.missing), ("failed", census.failed),
                             ("unfinished (trained, latency not measured)", census.unfinished)] where !ids.isEmpty {
            let shown = ids.prefix(20).joined(separator: ", ") + (ids.count > 20 ? ", … (\(ids.count - 20) more)" : "")
            say("\(ids.count) run(s) \(label): " + shown)
        }
        if !census.isComplete {
            say("resume: rerun the missing shards with --resume (or resubmit the whole array: finished runs are skipped), then collect again")
            throw ExitCode(1)
        }
    }
}
