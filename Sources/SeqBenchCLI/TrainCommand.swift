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
    @OptionGroup var execution: ExecutionOptions

    func run() throws {
        // The report's title: the folder's name, when it is a plain name.
        let folderName = URL(fileURLWithPath: out).lastPathComponent
        let name = folderName.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) })
            && !folderName.hasPrefix(".") ? folderName : "train"
        var settings = ["name=" + name]
        if let task { settings.append("task.name=" + task) }
        if !models.isEmpty { settings.append("models=[" + models.joined(separator: ", ") + "]") }
        if let seed { settings.append("seeds=[\(seed)]") }
        if let jobs = execution.jobs { settings.append("jobs=" + jobs) }
        var config = ExperimentConfig(source: "seqbench train")
        for s in settings + overrides { try config.apply(override: s) }
        let plan = try config.plan()
        if !execution.yes { try plan.estimate().checkBudget() }
        let folder = try OutputFolder.prepare(out, resume: execution.resume, force: execution.force, shared: false, quiet: execution.quiet)
        try ExperimentSession(manifest: ExperimentManifest(plan: plan, overrides: settings + overrides), plan: plan,
                              folder: folder, resume: execution.resume, quiet: execution.quiet).execute()
    }
}

