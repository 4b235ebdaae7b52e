import ArgumentParser
import Foundation
import SeqData
import SeqHarness
import SeqModels
import SeqStore
import SeqTensor
import SeqTrain

/// `seqbench train`: a one-run-per-model experiment built from flags instead of a YAML file.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train models on a task, checkpoint them, measure them, and compare them.",
        discussion: """
            A one-seed experiment built from the flags and `--set` (the same keys, defaults and checks as a YAML \
            config; `seqbench list keys`), run through the same runner as `seqbench run`: each model is trained \
            from the same seed on the same data, every run writes best.h5, last.h5 and run.h5 under \
            OUT/runs/<run id>/, the plan is frozen in OUT/experiment.json, and OUT/metrics.h5, summary.csv, \
            report.md and the plots are rebuilt from the runs at the end. --resume keeps only runs whose stored \
            configuration equals this one.

            """ + SettingsSchema.helpParagraph)

    @Option(name: .customLong("model"), help: "Model to train (repeatable). Default: every registered model.")
    var models: [String] = []
    @Option(help: "Task (`seqbench list tasks`); the same as --set task.name=NAME.") var task: String?
    @Option(help: "Seed for data, initialisation and shuffling; the same as --set seeds=N.") var seed: UInt64?
    @Option(name: .customLong("set"), help: ArgumentHelp(
        "A setting, e.g. --set model.hidden=64 --set train.lr=0.005 --set task.length=40 (repeatable).", valueName: "key=value"))
    var overrides: [String] = []
    @Option(help: "Output folder: a new or empty folder, or an experiment's.") var out = "Results/train"
    @Flag(help: "Continue unfinished runs from their last.h5 and skip finished ones.") var resume = false
    @Flag(help: "Delete the experiment in the output folder and start over.") var force = false
    @Option(help: ArgumentHelp("""
        Runs trained at once, each in a process of its own with threads / N threads (at most `threads` jobs); \
        auto picks by the runs' size. The same as --set jobs=N (README, "Using the whole machine").
        """, valueName: "N|auto")) var jobs: String?
    @Flag(help: "Print only the final table.") var quiet = false
    @Flag(help: "Start even when the plan's estimated work or memory is above the budget (README, \"Limits\").") var yes = false

    func validate() throws {
        if resume && force { throw ValidationError("--resume and --force exclude each other") }
        if let jobs, jobs != "auto", (Int(jobs) ?? 0) < 1 || (Int(jobs) ?? 0) > 4096 {
            throw ValidationError("--jobs must be an integer in 1…4096 or auto, got \(jobs)")
        }
    }

    func run() throws {
        // The report's title: the folder's name, when it is a plain name.
        let folderName = URL(fileURLWithPath: out).lastPathComponent
        let name = folderName.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) })
            && !folderName.hasPrefix(".") ? folderName : "train"
        var settings = ["name=" + name]
        if let task { settings.append("task.name=" + task) }
        if !models.isEmpty { settings.append("models=[" + models.joined(separator: ", ") + "]") }
        if let seed { settings.append("seeds=[\(seed)]") }
        if let jobs { settings.append("jobs=" + jobs) }
        var config = ExperimentConfig(source: "seqbench train")
        for s in settings + overrides { try config.apply(override: s) }
        let plan = try config.plan()
        if !yes { try plan.estimate().checkBudget() }
        let folder = try OutputFolder.prepare(out, resume: resume, force: force, shared: false, quiet: quiet)
        try ExperimentSession(manifest: ExperimentManifest(plan: plan, overrides: settings + overrides), plan: plan,
                              folder: folder, resume: resume, quiet: quiet).execute()
    }
}

