import ArgumentParser
import Foundation
import SeqHarness
import SeqStore

/// `seqbench run CONFIG`
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run an experiment config: train and measure every model × sweep point × seed, then report.",
        discussion: """
            Results go to Results/<name>/ (or --out, which must stay inside Results/): runs/<run id>/ with best.h5, \
            last.h5 and run.h5 for each run, then metrics.h5, summary.csv, report.md and SVG plots for the experiment. \
            A failed run (for example a diverged loss) is recorded with its reason and the others go on.
            """)

    @Argument(help: "Experiment config (YAML), e.g. Experiments/default.yaml.") var config: String
    @Option(name: .customLong("set"), help: ArgumentHelp("Override a dotted key before the sweep expands, e.g. --set model.hidden=256 (repeatable).", valueName: "key=value"))
    var overrides: [String] = []
    @Option(help: "Experiment folder (default Results/<name>); must stay inside Results/.") var out: String?
    @Option(help: ArgumentHelp("""
        Run only shard I of N, numbered from 0 (I = SLURM_ARRAY_TASK_ID with --array=0-(N-1)): the run ids sorted \
        and dealt round-robin. Writes only its runs' folders (and experiment.json), never metrics.h5 or the report; \
        an existing experiment folder is fine (other shards write there). Merge with `seqbench collect`.
        """, valueName: "I/N")) var shard: String?
    @Flag(help: "Skip runs that completed (verified from their files) and redo or continue the others.") var resume = false
    @Flag(help: "Delete an existing experiment folder and start over.") var force = false
    @Flag(help: "Stop at the first failed run.") var failFast = false
    @Flag(help: "Print only the final table.") var quiet = false

    func validate() throws {
        if resume && force { throw ValidationError("--resume and --force exclude each other") }
        if let shard {
            do { _ = try Shard(parsing: shard) } catch { throw ValidationError("--shard \(error)") }
            if force { throw ValidationError("--force cannot be combined with --shard: it would delete the other shards' runs") }
        }
    }

    func run() throws {
        let (manifest, plan) = try ExperimentManifest.load(config: config, overrides: overrides)
        let shard = try self.shard.map { try Shard(parsing: $0) }
        let folder = try ResultsFolder.resolve(out ?? "Results/" + plan.name)
        let fm = FileManager.default
        // A shard shares its folder with the other shards: an existing folder is expected, never deleted.
        if shard == nil, fm.fileExists(atPath: folder), !((try? fm.contentsOfDirectory(atPath: folder))?.isEmpty ?? true), !resume {
            guard force else {
                throw ValidationError("\(folder) already holds an experiment; pass --resume to continue it or --force to start over")
            }
            try fm.removeItem(atPath: folder)
        }
        if MachineInfo.buildConfiguration == "debug" { say(MachineInfo.debugWarning) }
        let printer = ProgressPrinter(quiet: quiet)
        var runner = ExperimentRunner(plan: plan, out: folder)
        runner.resume = resume
        runner.failFast = failFast
        runner.shard = shard
        runner.progress = printer.handle
        if !quiet {
            say("\(plan.name): \(plan.runs.count) runs (\(Set(plan.runs.map(\.model.label)).count) models"
                + (plan.sweepKeys.isEmpty ? "" : " × sweep over \(plan.sweepKeys.joined(separator: ", "))")
                + " × \(Set(plan.runs.map(\.config.seed)).count) seeds), \(plan.threads) threads → \(folder)")
            if let shard { say("shard \(shard): \(runner.runs.count) of the \(plan.runs.count) runs") }
        }
        try manifest.write(into: folder)
        var failure: Error?
        var results: [RunResult] = []
        do { results = try runner.run() } catch { failure = error }
        if let shard {
            // No shared file: `seqbench collect` merges once every shard is done.
            let failed = results.filter { $0.status == .failed }
            say("\nshard \(shard): \(results.count - failed.count) of \(runner.runs.count) run(s) completed in \(folder)/runs/; "
                + "merge with: seqbench collect \(folder)")
            if let failure { throw failure }
            if !failed.isEmpty {
                say("\(failed.count) run(s) failed: " + failed.map(\.runID).joined(separator: ", ") + " (see their run.h5 'reason')")
                throw ExitCode(1)
            }
            return
        }
        let runs = try Collector.write(runner: runner, folder: folder)
        if let failure { throw failure }
        let failed = runs.filter { $0.status == .failed }
        if !failed.isEmpty {
            say("\n\(failed.count) run(s) failed: " + failed.map(\.runID).joined(separator: ", ") + " (see their run.h5 'reason')")
            throw ExitCode(1)
        }
    }
}

/// The experiment's shared files, rebuilt from the run files on disk: the single code path of `run` (at its
/// end) and `collect`.
enum Collector {
    @discardableResult
    static func write(runner: ExperimentRunner, folder: String) throws -> [RunResult] {
        let plan = runner.plan
        let runs = try runner.collect()
        let table = try ExperimentReport.write(runs: runs, experiment: plan.name, sweepKeys: plan.sweepKeys, folder: folder)
        say("\n" + table)
        if MachineInfo.buildConfiguration == "debug" { say("\n" + MachineInfo.debugWarning) }
        say("\n\(folder)/: metrics.h5, summary.csv, report.md, plots (*.svg), runs/<run id>/{best,last,run}.h5")
        return runs
    }
}

/// Output folders live under ./Results: a name or --out that would escape it is refused.
enum ResultsFolder {
    static func resolve(_ path: String) throws -> String {
        let cwd = FileManager.default.currentDirectoryPath
        let root = URL(fileURLWithPath: "Results", relativeTo: URL(fileURLWithPath: cwd + "/")).standardized.path
        let resolved = URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: cwd + "/")).standardized.path
        guard resolved.hasPrefix(root + "/"), resolved != root else {
            throw ValidationError("output folder '\(path)' is outside the results folder \(root)/; choose a folder inside Results/")
        }
        return resolved
    }
}
