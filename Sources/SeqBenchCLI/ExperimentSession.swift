import ArgumentParser
import Foundation
import SeqHarness
import SeqStore

#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// How `run` and `train` execute a plan: the one path from a checked plan to the experiment's files.
struct ExperimentSession {
    var manifest: ExperimentManifest
    var plan: ExperimentPlan
    /// The experiment folder, absolute and with symlinks resolved.
    var folder: String
    var resume = false
    var failFast = false
    var shard: Shard?
    var quiet = false

    /// Trains and measures the plan's runs (or its shard's), then, unless sharded, writes metrics.h5 and the
    /// report. Exits 1 when a run failed.
    func execute() throws {
        if MachineInfo.buildConfiguration == "debug" { say(MachineInfo.debugWarning) }
        let runner = makeRunner(plan: plan, shard: shard, resume: resume)
        let jobs = Self.jobs(plan: plan, runs: runner.runs)
        if !quiet {
            if let search = plan.search {
                say("\(plan.name): search, \(search.n) trials × \(search.entries.count) models on seed \(search.trialSeed) "
                    + "(\(plan.runs.count) runs), then each model's best trial on \(search.seeds.count) seeds, \(jobs) → \(folder)")
            } else {
                say("\(plan.name): \(plan.runs.count) runs (\(Set(plan.runs.map(\.model.label)).count) models"
                    + (plan.sweepKeys.isEmpty ? "" : " × sweep over \(plan.sweepKeys.joined(separator: ", "))")
                    + " × \(Set(plan.runs.map(\.config.seed)).count) seeds), \(jobs) → \(folder)")
            }
            if let note = jobs.note { say(note) }
            if let shard { say("shard \(shard): \(runner.runs.count) of the \(plan.runs.count) \(plan.search == nil ? "runs" : "trials")") }
        }
        try manifest.write(into: folder)
        var failure: Error?
        var results: [RunResult] = []
        do { results = try runner.run() } catch { failure = error }
        if plan.search != nil, failure == nil || !(failure is RunFailure) {
            // Phase 2: the re-runs of every model whose trials have all finished (here or in other shards).
            do {
                let done = Set(results.map(\.runID))
                results += try rerunBestTrials().filter { !done.contains($0.runID) }
            } catch { failure = failure ?? error }
        }
        if let shard {
            // No shared file: `seqbench collect` merges once every shard is done.
            let failed = results.filter { $0.status == .failed }
            say("\nshard \(shard): \(results.count - failed.count) of \(results.count) run(s) completed in \(folder)/runs/; "
                + "merge with: seqbench collect \(folder)")
            if let failure { throw failure }
            try Self.exitIfFailed(failed)
            return
        }
        if let failure = failure as? UnsavedRuns {
            // The experiment's files are rebuilt if they still can be; the unsaved runs are the error.
            _ = try? Collector.write(runner: runner, folder: folder)
            throw failure
        }
        let runs = try Collector.write(runner: runner, folder: folder)
        if let failure { throw failure }
        try Self.exitIfFailed(runs.filter { $0.status == .failed })
    }

    /// A runner of `plan` (or its shard) into the experiment folder, training in worker processes when the
    /// plan's jobs say so, printing progress.
    private func makeRunner(plan: ExperimentPlan, shard: Shard?, resume: Bool) -> ExperimentRunner {
        var runner = ExperimentRunner(plan: plan, out: folder)
        runner.resume = resume
        runner.failFast = failFast
        runner.shard = shard
        runner.progress = ProgressPrinter(quiet: quiet).handle
        let jobs = Self.jobs(plan: plan, runs: runner.runs)
        runner.trainingThreads = jobs.threadsPerRun
        if jobs.jobs > 1 {
            let (folder, quiet, parent) = (folder, quiet, getpid())
            runner.workers = TrainingWorkers(jobs: jobs.jobs, threads: jobs.threadsPerRun, executable: "/proc/self/exe") { run, index, total in
                ["_worker", folder, "--run", run.id, "--threads", String(jobs.threadsPerRun), "--parent", String(parent),
                 "--index", String(index), "--total", String(total)] + (resume ? ["--resume"] : []) + (quiet ? ["--quiet"] : [])
            }
        }
        return runner
    }

    /// A search's second phase: for each model entry whose trials have all finished, its best trial by
    /// validation accuracy re-run on the seeds (this shard's share of them). Re-runs that are already done
    /// are skipped (the one on the trial seed is the trial itself), so it always resumes.
    private func rerunBestTrials() throws -> [RunResult] {
        let entries = SearchPhase.entries(plan: plan, folder: folder)
        if !quiet {
            say("")
            for entry in entries {
                if let chosen = entry.chosen, let accuracy = chosen.score.validationAccuracy {
                    let values = chosen.values.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")
                    say("search: \(entry.entry): trial \(chosen.index) of \(entry.planned) is best (validation accuracy "
                        + "\(NumberFormat.fixed(accuracy * 100, 1)) %; \(values))")
                } else if entry.isComplete {
                    say("search: \(entry.entry): no trial finished with a validation accuracy; nothing to re-run")
                } else {
                    say("search: \(entry.entry): \(entry.trials.count) of \(entry.planned) trials finished; its best is re-run once all have "
                        + "(run again with --resume, or the next Slurm array)")
                }
            }
        }
        let reruns = SearchPhase.reruns(plan: plan, entries: entries, shard: shard)
        guard !reruns.isEmpty else { return [] }
        if !quiet { say("search: re-running the chosen trials: \(reruns.count) run(s)" + (shard.map { " (shard \($0))" } ?? "")) }
        return try makeRunner(plan: plan.with(runs: reruns), shard: nil, resume: true).run()
    }

    /// The plan's jobs for `runs` (`JobPlan`); one job where a worker cannot be started (no `/proc/self/exe`).
    static func jobs(plan: ExperimentPlan, runs: [PlannedRun]) -> JobPlan {
        let chosen = JobPlan.choose(requested: plan.jobs, threads: plan.threads, runs: runs)
        #if os(Linux)
        return chosen
        #else
        return chosen.jobs == 1 ? chosen : JobPlan(jobs: 1, threadsPerRun: plan.threads, note: "jobs: one at a time on this system")
        #endif
    }

    private static func exitIfFailed(_ failed: [RunResult]) throws {
        guard !failed.isEmpty else { return }
        say("\n\(failed.count) run(s) failed: " + failed.map(\.runID).joined(separator: ", ") + " (see their run.h5 'reason')")
        throw ExitCode(1)
    }
}

/// The experiment's shared files, rebuilt from the run files on disk: the single code path of `run` and
/// `train` (at their end) and `collect`.
enum Collector {
    @discardableResult
    static func write(runner: ExperimentRunner, folder: String) throws -> [RunResult] {
        let plan = runner.plan
        let runs = try runner.collect()
        let attention = ReportAttention.probe(ReportAttention.load(runs, folder: folder))
        let table = try ExperimentReport.write(runs: runs, experiment: plan.name, sweepKeys: plan.sweepKeys,
                                               pairs: plan.comparisons, folder: folder, search: plan.search,
                                               attention: attention)
        say("\n" + table)
        if MachineInfo.buildConfiguration == "debug" { say("\n" + MachineInfo.debugWarning) }
        say("\n\(folder)/: metrics.h5, summary.csv, report.md, plots (*.svg), runs/<run id>/{best,last,run}.h5")
        return runs
    }
}

/// An experiment's output folder: anywhere the user says (cluster users write to /scratch), but only ever
/// an empty folder or a seqbench experiment (one holding experiment.json), and nothing outside it is ever
/// deleted.
enum OutputFolder {
    /// `path` made absolute with every symlink resolved, so that what is checked is what gets written and
    /// deleted.
    static func resolve(_ path: String) -> String {
        let cwd = FileManager.default.currentDirectoryPath
        let absolute = URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: cwd + "/")).standardizedFileURL.path
        return realpathOfLongestExistingPrefix(absolute)
    }

    /// Makes `path` ready for an experiment and returns it resolved. A non-empty folder must be an
    /// experiment; with `force` its contents are deleted (never the folder itself, which may be a mount point
    /// or a link's target), with `resume` or `shared` (a shard) it is kept as it is.
    ///
    /// Unless `shared`, takes the experiment's lock (`ExperimentLock`, exclusive, held to the end of the
    /// process) before touching anything; a folder another seqbench holds is refused. Shards take none: they
    /// share the folder by design and write no shared file (not even the lock file). With `resume` (not for a
    /// shard, whose siblings may write on other nodes) the temporary files of writes cut short (a killed
    /// process) are removed: the exclusive lock proves no live seqbench is writing them.
    static func prepare(_ path: String, resume: Bool, force: Bool, shared: Bool, quiet: Bool = false) throws -> String {
        let folder = resolve(path)
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        var lock: ExperimentLock?
        if fm.fileExists(atPath: folder, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw ValidationError("output folder \(folder) is a file, not a folder") }
            let contents = try fm.contentsOfDirectory(atPath: folder).filter { $0 != ExperimentLock.fileName }
            if !contents.isEmpty {
                guard fm.fileExists(atPath: folder + "/" + ExperimentManifest.fileName) else {
                    throw ValidationError("output folder \(folder) is not empty and holds no seqbench experiment (no \(ExperimentManifest.fileName)); choose an empty or new folder")
                }
                guard force || resume || shared else {
                    throw ValidationError("\(folder) already holds an experiment; pass --resume to continue it or --force to start over")
                }
                if !shared { lock = try ExperimentLock.acquire(folder, mode: .exclusive) }
                if force {
                    // Each entry is removed as itself: a symlink inside is unlinked, never followed.
                    for entry in contents { try fm.removeItem(atPath: folder + "/" + entry) }
                }
            }
        }
        try fm.createDirectory(atPath: folder, withIntermediateDirectories: true)
        if lock == nil && !shared { lock = try ExperimentLock.acquire(folder, mode: .exclusive) }
        if resume, lock?.isAlone == true {
            let removed = StaleTemporaries.remove(in: folder)
            if !removed.isEmpty && !quiet {
                say("removed \(removed.count) temporary file(s) left by an interrupted seqbench")
            }
        }
        return folder
    }

    /// realpath(3) of the deepest existing ancestor, with the rest of the path appended.
    private static func realpathOfLongestExistingPrefix(_ absolute: String) -> String {
        var head = absolute, tail: [String] = []
        while head != "/" {
            if let resolved = realpath(head, nil) {
                defer { free(resolved) }
                let base = String(cString: resolved)
                return ([base == "/" ? "" : base] + tail.reversed()).joined(separator: "/")
            }
            let url = URL(fileURLWithPath: head)
            tail.append(url.lastPathComponent)
            head = url.deletingLastPathComponent().path
        }
        return "/" + tail.reversed().joined(separator: "/")
    }
}
