import ArgumentParser
import Foundation
import SeqHarness
import SeqProcess

/// `seqbench slurm CONFIG`
struct SlurmCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "slurm",
        abstract: "Write (and with --submit, submit) a Slurm job array for an experiment, plus the job that merges it.",
        discussion: """
            Freezes the experiment's plan into <folder>/experiment.json and writes <folder>/slurm/array.sbatch — one \
            array task per shard (--array=0-(N-1), shards numbered from 0), each running `seqbench run <folder> \
            --shard $SLURM_ARRAY_TASK_ID/N --resume` on that frozen plan (editing the YAML afterwards changes nothing), \
            so a requeued or resubmitted task skips the runs it finished — and <folder>/slurm/collect.sbatch, which runs `seqbench collect <folder>` \
            and is submitted with --dependency=afterany:<array job id>. Task logs go to <folder>/slurm/. The folder \
            must be on a file system every node sees. Running this again over an existing folder resubmits its frozen \
            plan (the config must still describe it): finished runs are skipped.

            With `search:` in the config the array trains the trials; <folder>/slurm/rerun.sbatch, the same array \
            submitted with --dependency=afterany:<array job id>, re-runs each model's best trial on the seeds (its \
            tasks skip the finished trials), and the collect job waits for it instead.
            """)

    @Argument(help: "Experiment config (YAML).") var config: String
    @Option(name: .customLong("set"), help: ArgumentHelp("Override a dotted key, as for `run` (repeatable).", valueName: "key=value"))
    var overrides: [String] = []
    @Option(help: "Experiment folder (default Results/<name>): a new or empty folder, or this experiment's.") var out: String?
    @Option(help: "Array tasks, one shard each (default: one per run, at most 1000, below Slurm's default MaxArraySize of 1001).")
    var shards: Int?
    @Option(help: "Slurm partition (default: the cluster's default partition).") var partition: String?
    @Option(help: "Time limit per task: minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS (default: the partition's).")
    var time: String?
    @Option(help: "CPUs per task; also the runs' compute threads (default: the config's `threads`).") var cpusPerTask: Int?
    @Option(help: "At most K array tasks at once (%K throttling; default: no limit).") var maxParallel: Int?
    @Option(help: "The seqbench binary the jobs run (default: this one, by absolute path).") var seqbench: String?
    @Flag(help: "Submit both scripts with sbatch and print the job ids (default: only write them).") var submit = false
    @Flag(help: "Start even when the plan's estimated work or memory is above the budget (README, \"Limits\").") var yes = false

    func validate() throws {
        if let shards, shards <= 0 { throw ValidationError("--shards must be a positive number of array tasks, got \(shards)") }
        if let cpusPerTask, cpusPerTask <= 0 || cpusPerTask > 4096 {
            throw ValidationError("--cpus-per-task must be in 1…4096 (the range of threads), got \(cpusPerTask)")
        }
        if let maxParallel, maxParallel <= 0 { throw ValidationError("--max-parallel must be positive, got \(maxParallel)") }
        if let time, !Self.isSlurmTime(time) {
            throw ValidationError("--time '\(time)' is not a Slurm time limit; use minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS")
        }
        if let partition, partition.isEmpty || partition.contains(where: { $0.isWhitespace || $0 == "'" }) {
            throw ValidationError("--partition '\(partition)' is not a partition name")
        }
    }

    /// Slurm's time formats, not all zero.
    static func isSlurmTime(_ text: String) -> Bool {
        var rest = Substring(text), days: Substring?
        if let dash = rest.firstIndex(of: "-") { days = rest[..<dash]; rest = rest[rest.index(after: dash)...] }
        let parts = rest.split(separator: ":", omittingEmptySubsequences: false)
        let numbers = ([days].compactMap { $0 } + parts).map { $0.isEmpty || !$0.allSatisfy(\.isASCII) ? nil : Int($0) }
        guard !numbers.contains(where: { $0 == nil || $0! < 0 }) else { return false }
        guard (1...3).contains(parts.count) else { return false }   // M, M:S, H:M:S; D-H, D-H:M, D-H:M:S
        return numbers.contains { $0! > 0 }
    }

    func run() throws {
        let cwd = FileManager.default.currentDirectoryPath
        let configPath = URL(fileURLWithPath: config, relativeTo: URL(fileURLWithPath: cwd + "/")).standardizedFileURL.path
        var manifest = try ExperimentManifest.load(config: configPath, overrides: overrides)
        let userPlan = try manifest.plan()
        if !yes { try userPlan.estimate().checkBudget() }
        let folder = try OutputFolder.prepare(out ?? "Results/" + userPlan.name, resume: true, force: false, shared: true)
        // The runs use as many threads as the task has CPUs.
        let cpus = cpusPerTask ?? userPlan.threads
        let plan = userPlan.with(threads: cpus)
        manifest.frozenPlan = plan
        if let frozen = try? ExperimentManifest.read(folder: folder).plan(), frozen != plan {
            throw ValidationError("""
                \(folder) holds an experiment planned differently (its experiment.json): resubmitting must keep the plan. \
                Choose another --out, or delete the folder to start over.
                """)
        }
        let count = shards ?? max(1, min(plan.runs.count, 1000))
        let binary = try seqbench.map { URL(fileURLWithPath: $0, relativeTo: URL(fileURLWithPath: cwd + "/")).standardizedFileURL.path }
            ?? Self.ownExecutable()

        let slurmDir = folder + "/slurm"
        try FileManager.default.createDirectory(atPath: slurmDir, withIntermediateDirectories: true)
        try manifest.write(into: folder)
        let arrayPath = slurmDir + "/array.sbatch", collectPath = slurmDir + "/collect.sbatch"
        func common(cpus: Int) -> String {
            (["#SBATCH --cpus-per-task=\(cpus)"] + [time.map { "#SBATCH --time=\($0)" }, partition.map { "#SBATCH --partition=\($0)" }]
                .compactMap { $0 } + ["#SBATCH --chdir=\(cwd)"]).joined(separator: "\n")
        }
        let runArguments = [binary, "run", folder]
        let arrayScript = """
            #!/bin/bash
            # seqbench slurm: experiment '\(plan.name)', \(plan.runs.count) runs in \(count) shards, one array task per shard
            # (run ids sorted, dealt round-robin). A requeued or resubmitted task skips the runs it finished (--resume).
            # Merged afterwards by collect.sbatch, submitted with --dependency=afterany:<this job's id>.
            #SBATCH --job-name=seqbench-\(plan.name)
            #SBATCH --array=0-\(count - 1)\(maxParallel.map { "%\($0)" } ?? "")
            \(common(cpus: cpus))
            #SBATCH --output=\(slurmDir)/%A_%a.out
            #SBATCH --open-mode=append
            set -eu
            exec \(runArguments.map(Self.quote).joined(separator: " ")) --shard "$SLURM_ARRAY_TASK_ID/\(count)" --resume

            """
        let collectScript = """
            #!/bin/bash
            # seqbench slurm: merge the runs of '\(plan.name)' into metrics.h5, summary.csv, report.md and the plots;
            # lists missing or failed runs and then fails. Submit with --dependency=afterany:<array job id>.
            #SBATCH --job-name=seqbench-\(plan.name)-collect
            \(common(cpus: 1))
            #SBATCH --output=\(slurmDir)/collect_%j.out
            set -eu
            exec \([binary, "collect", folder].map(Self.quote).joined(separator: " "))

            """
        try Self.writeScript(arrayPath, arrayScript)
        try Self.writeScript(collectPath, collectScript)
        // A search's second phase: the same tasks once every trial has ended (each task re-runs its share of the
        // best trials; a task of the first array that ended last may already have done some: they are skipped).
        let rerunPath = plan.search == nil ? nil : slurmDir + "/rerun.sbatch"
        if let rerunPath {
            try Self.writeScript(rerunPath, arrayScript
                .replacingOccurrences(of: "#SBATCH --job-name=seqbench-\(plan.name)\n", with: "#SBATCH --job-name=seqbench-\(plan.name)-rerun\n")
                .replacingOccurrences(of: "#!/bin/bash\n", with: "#!/bin/bash\n# Search, phase 2: re-runs each model's best trial on the seeds; submit with --dependency=afterany:<trials array job id>.\n"))
        }
        let done = ExperimentRunner(plan: plan, out: folder).census().completed.count
        // Each task shares its CPUs among its runs: jobs × threads per run = its CPUs at most (`JobPlan`).
        let taskJobs = (try? Shard(index: 0, count: count)).map {
            ExperimentSession.jobs(plan: plan, runs: $0.runs(of: plan)) } ?? JobPlan(jobs: 1, threadsPerRun: cpus)
        say("\(plan.name): \(plan.runs.count) runs in \(count) array tasks (\(cpus) CPUs each, \(taskJobs)"
            + (maxParallel.map { ", at most \($0) at once" } ?? "") + ") → \(folder)")
        if done > 0 { say("\(done) run(s) already complete: their tasks skip them (--resume)") }
        say("wrote \(arrayPath)\n" + (rerunPath.map { "wrote \($0)\n" } ?? "") + "wrote \(collectPath)")
        // The jobs in order, each submitted to start after the one before it has ended (afterany): the array, with
        // a search the re-run array, then collect.
        let chain = [(name: rerunPath == nil ? "array" : "trials array", path: arrayPath)]
            + (rerunPath.map { [(name: "re-run array", path: $0)] } ?? []) + [(name: "collect", path: collectPath)]
        guard submit else {
            let variables = ["jid", "rid"]
            let commands = chain.indices.map { i -> String in
                let after = i == 0 ? "" : "--dependency=afterany:${\(variables[i - 1])%%;*} "
                return i == chain.count - 1 ? "sbatch \(after)\(Self.quote(chain[i].path))"
                    : "\(variables[i])=$(sbatch --parsable \(after)\(Self.quote(chain[i].path)))"
            }
            say("submit \(chain.count == 2 ? "both" : "the three") with:\n  " + commands.joined(separator: " && "))
            say("or run this command again with --submit; afterwards: seqbench collect \(folder)")
            return
        }
        var jobs: [String] = []
        for job in chain { jobs.append(try Self.sbatch((jobs.last.map { ["--dependency=afterany:\($0)"] } ?? []) + [job.path])) }
        let described = chain.indices.map { i in
            "\(chain[i].name) job \(jobs[i]) (" + (i == 0 ? "\(count) tasks" : "--dependency=afterany:\(jobs[i - 1])") + ")"
        }
        say("submitted " + described.dropLast().joined(separator: ", ") + " and " + described.last!)
        say("logs: \(slurmDir)/\(jobs[0])_<task>.out and \(slurmDir)/collect_\(jobs.last!).out; results: \(folder)/metrics.h5")
    }

    /// `sbatch --parsable ARGS`; returns the job id.
    static func sbatch(_ arguments: [String]) throws -> String {
        let result = try Subprocess.run("/usr/bin/env", ["sbatch", "--parsable"] + arguments)
        let stdout = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let stderr = result.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
        // --parsable prints "<id>" or "<id>;<cluster>".
        let id = String(stdout.split(separator: ";").first ?? "")
        guard result.status == 0, !id.isEmpty, id.allSatisfy(\.isNumber) else {
            let reason = result.status == 127 ? "sbatch not found on PATH" : (stderr.isEmpty ? stdout : stderr)
            throw ValidationError("sbatch \(arguments.last ?? "") failed: \(reason.split(separator: "\n").first ?? "")")
        }
        return id
    }

    /// The absolute path of the running binary (a plugin package's own CLI included).
    static func ownExecutable() throws -> String {
        if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return path }
        let cwd = FileManager.default.currentDirectoryPath
        return URL(fileURLWithPath: CommandLine.arguments[0], relativeTo: URL(fileURLWithPath: cwd + "/")).standardizedFileURL.path
    }

    /// Single-quoted for the shell.
    static func quote(_ s: String) -> String {
        s.allSatisfy({ $0.isLetter || $0.isNumber || "/._-=,:+@%".contains($0) }) ? s
            : "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    static func writeScript(_ path: String, _ text: String) throws {
        try writeAtomically(Data(text.utf8), to: path, permissions: 0o755)
    }
}
