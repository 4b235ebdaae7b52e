import ArgumentParser
import Foundation
import SeqData
import SeqHarness
import SeqStore

/// `seqbench run CONFIG`
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run an experiment config: train and measure every model × sweep point × seed, then report.",
        discussion: """
            Results go to Results/<name>/ (or --out, any folder that is empty, new or a seqbench experiment): \
            runs/<run id>/ with best.h5, last.h5 and run.h5 for each run, then metrics.h5, summary.csv, report.md \
            and SVG plots for the experiment. The checked plan is frozen into experiment.json when the experiment \
            starts. A failed run (for example a diverged loss) is recorded with its reason and the others go on.

            CONFIG may also be an experiment folder: its frozen plan runs again, whatever its YAML now says (what \
            Slurm array tasks do).

            With `search:` (README, "Tuning each model") each model entry is tuned by random search: n trials drawn \
            from the search space, each a normal run on the first seed (run id e.g. bilstm-trial03.seed=1); once all \
            trials of a model have finished, its trial with the best validation accuracy is re-run on every seed, and \
            the report and the paired comparisons use those re-runs. One `run` does both phases; --resume continues \
            either; with --shard, each phase runs its shard's share (run again, or the next Slurm array, to re-run \
            the best trials of models whose trials finished in other shards).

            """ + SettingsSchema.helpParagraph + "\n\n" + TaskDocs.helpParagraph())

    @Argument(help: "Experiment config (YAML), e.g. Experiments/default.yaml, or an experiment folder.") var config: String
    @Option(name: .customLong("set"), help: ArgumentHelp(
        "Override a setting before the sweep expands, e.g. --set model.hidden=256 (repeatable; `seqbench list keys`).",
        valueName: "key=value"))
    var overrides: [String] = []
    @Option(help: "Experiment folder (default Results/<name>): a new or empty folder, or an experiment's.") var out: String?
    @Option(help: ArgumentHelp("""
        Run only shard I of N, numbered from 0 (I = SLURM_ARRAY_TASK_ID with --array=0-(N-1)): the run ids sorted \
        and dealt round-robin. Writes only its runs' folders (and experiment.json), never metrics.h5 or the report; \
        an existing experiment folder is fine (other shards write there) if its frozen plan is this one. Merge \
        with `seqbench collect`.
        """, valueName: "I/N")) var shard: String?
    @Flag(help: "Stop at the first failed run.") var failFast = false
    @OptionGroup var execution: ExecutionOptions

    func validate() throws {
        if let shard {
            do { _ = try Shard(parsing: shard) } catch { throw ValidationError("--shard \(error)") }
            if execution.force { throw ValidationError("--force cannot be combined with --shard: it would delete the other shards' runs") }
        }
    }

    func run() throws {
        let shard = try self.shard.map { try Shard(parsing: $0) }
        var isDirectory: ObjCBool = false
        let manifest: ExperimentManifest
        if FileManager.default.fileExists(atPath: config, isDirectory: &isDirectory), isDirectory.boolValue {
            guard overrides.isEmpty else {
                throw ValidationError("--set cannot change a frozen plan (\(config) is an experiment folder); run its YAML instead")
            }
            manifest = try ExperimentManifest.read(folder: config)
        } else {
            manifest = try ExperimentManifest.load(config: config, overrides: overrides + (execution.jobs.map { ["jobs=" + $0] } ?? []))
        }
        var plan = try manifest.plan()
        // Jobs change how many runs train at once, never a result: a frozen plan takes them too.
        if let jobs = execution.jobs { plan = plan.with(jobs: Int(jobs)) }
        // Shards run a plan `slurm` (or the first `run`) already accepted.
        if !execution.yes && shard == nil { try plan.estimate().checkBudget() }
        let folder = try OutputFolder.prepare(out ?? (isDirectory.boolValue ? config : "Results/" + plan.name),
                                              resume: execution.resume, force: execution.force, shared: shard != nil, quiet: execution.quiet)
        if shard != nil, let frozen = try? ExperimentManifest.read(folder: folder).plan(),
           frozen.with(jobs: plan.jobs) != plan {
            throw ValidationError("""
                \(folder) holds an experiment planned differently (its experiment.json): a shard must run the plan the \
                others run. Run `seqbench run \(folder) --shard …` to use the frozen plan, or choose another --out.
                """)
        }
        try ExperimentSession(manifest: manifest, plan: plan, folder: folder, resume: execution.resume, failFast: failFast,
                              shard: shard, quiet: execution.quiet).execute()
    }
}
