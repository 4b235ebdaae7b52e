import ArgumentParser
import Foundation
import SeqData
import SeqHarness
import SeqModels
import SeqStore
import SeqTensor
import SeqTrain

/// `seqbench train`: trains models on one task, checkpointing every run, and prints a comparison.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train models on a task, checkpoint them, and compare them.",
        discussion: """
            Each model is trained from the same seed on the same data. Every run writes best.h5, last.h5 and \
            run.h5 under OUT/runs/<run id>/, and OUT/metrics.h5 is rebuilt from the runs at the end. \
            The table reports test accuracy of the best validation epoch and the median time of one training step.
            """)

    @Option(name: .customLong("model"), help: "Model to train (repeatable). Default: every registered model.")
    var models: [String] = []
    @Option(help: "Task (see `seqbench list tasks`).") var task = "contains"
    @Option(name: .customLong("task-set"), help: ArgumentHelp("Task setting, e.g. length=64 (repeatable).", valueName: "key=value"))
    var taskSettings: [String] = []
    @Option(help: "Maximum epochs.") var epochs = 6
    @Option(help: "Early-stopping patience in epochs (0 = off).") var patience = 3
    @Option(help: "Hidden units per direction.") var hidden = 64
    @Option(help: "Embedding width (token tasks).") var embedDim = 32
    @Option(help: "Stacked recurrent layers.") var layers = 1
    @Option(help: "Attention width (attention models).") var attentionDim = 64
    @Option(help: "Mini-batch size.") var batchSize = 32
    @Option(help: "Optimizer: adam or sgd.") var optimizer = "adam"
    @Option(help: "Learning rate.") var lr: Float = 0.005
    @Option(help: "Global gradient-norm clip (0 = off).") var clip: Float = 1
    @Option(help: "Seed for data, initialisation and shuffling.") var seed: UInt64 = 1
    @Option(help: "Compute threads (default: one per core this process may use).") var threads: Int?
    @Option(help: "Output folder.") var out = "Results/train"
    @Flag(help: "Continue unfinished runs from their last.h5 and skip finished ones.") var resume = false
    @Flag(help: "Overwrite an existing output folder.") var force = false

    func validate() throws {
        for name in models where !ModelRegistry.names.contains(name) {
            throw ValidationError("unknown model '\(name)'; expected one of: \(ModelRegistry.names.joined(separator: ", "))")
        }
        for (value, key) in [(epochs, "--epochs"), (hidden, "--hidden"), (embedDim, "--embed-dim"), (layers, "--layers"),
                             (attentionDim, "--attention-dim"), (batchSize, "--batch-size")] where value <= 0 {
            throw ValidationError("\(key) must be a positive integer, got \(value)")
        }
        if patience < 0 { throw ValidationError("--patience must be 0 or more, got \(patience)") }
        if !(lr > 0) { throw ValidationError("--lr must be positive, got \(lr)") }
        if TrainConfig.OptimizerKind(rawValue: optimizer) == nil {
            throw ValidationError("--optimizer must be adam or sgd, got '\(optimizer)'")
        }
        if resume && force { throw ValidationError("--resume and --force exclude each other") }
    }

    func run() throws {
        ComputeThreads.set(threads)
        var settings: [String: ConfigValue] = [:]
        for s in taskSettings {
            guard let eq = s.firstIndex(of: "="), eq != s.startIndex else {
                throw ValidationError("--task-set expects key=value, got '\(s)'")
            }
            settings[String(s[..<eq])] = ConfigValue(parsing: String(s[s.index(after: eq)...]))
        }
        let taskConfig = try TaskRegistry.resolve(task, settings: settings)
        try prepareOutputFolder()

        let train = TrainConfig(epochs: epochs, batchSize: batchSize, optimizer: TrainConfig.OptimizerKind(rawValue: optimizer)!,
                                learningRate: lr, clip: clip, patience: patience)
        let base = ModelConfig(input: .tokens, embedDim: embedDim, hidden: hidden, layers: layers, attentionDim: attentionDim)
        say("task \(task) (\(taskConfig.parameters.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", "))); "
              + "\(ComputeThreads.current) threads; seed \(seed); output \(out)")

        var results: [RunResult] = []
        var rows: [[String]] = []
        for name in models.isEmpty ? ModelRegistry.names : models {
            let config = RunConfig(model: name, modelConfig: base, task: taskConfig, train: train, seed: seed)
            let runID = "\(name).seed=\(seed)"
            let folder = RunFolder(out + "/runs/" + runID)
            if resume, let done = try? RunResult.read(from: folder.result), done.status == .completed,
               (try? Checkpoint.read(from: folder.best)) != nil {
                say("  \(runID): already complete, skipped")
                results.append(done)
                rows.append(row(done, stepMs: done.latency["train_step"].map(medianMilliseconds)))
                continue
            }
            var result = try TrainingRun.execute(config, runID: runID, folder: folder, resume: resume) { event in
                switch event {
                case .resumed(let epoch): print("  \(runID): resuming after epoch \(epoch)")
                case .epoch(let r, let best):
                    say("  \(runID) epoch \(r.epoch): train loss \(fmt(r.trainLoss, 4)), val loss \(fmt(r.validationLoss, 4)), "
                          + "val acc \(fmt(100 * r.validationAccuracy, 1)) %\(best ? " *" : ""), \(fmt(r.seconds, 1)) s")
                }
            }
            let samples = try stepSamples(LoadedCheckpoint(folder.best), result)
            result.latency["train_step"] = samples
            try result.write(to: folder.result)
            results.append(result)
            rows.append(row(result, stepMs: medianMilliseconds(samples)))
        }
        // Rebuilt from the per-run files on disk, so what metrics.h5 says is exactly what the runs stored.
        let stored = try results.map { try RunResult.read(from: RunFolder(out + "/runs/" + $0.runID).result) }
        try MetricsFile.write(to: out + "/metrics.h5", experiment: URL(fileURLWithPath: out).lastPathComponent,
                              configJSON: stored.first?.configJSON ?? "{}", runs: stored)
        say()
        say(table(header: ["model", "params", "val acc %", "test acc %", "epochs", "train step ms (median)"], rows: rows))
        say("\ncheckpoints and metrics: \(out)/ (inspect with `seqbench inspect \(out)/metrics.h5`)")
    }

    private func row(_ r: RunResult, stepMs: Double?) -> [String] {
        [r.model, "\(Int(r.metrics["params"] ?? 0))", fmt(100 * (r.metrics["best_val_accuracy"] ?? .nan), 1),
         fmt(100 * (r.metrics["test_accuracy"] ?? .nan), 1), "\(Int(r.metrics["epochs"] ?? 0))", stepMs.map { fmt($0, 2) } ?? "-"]
    }

    /// Refuses to reuse an existing output folder unless resuming or forced.
    private func prepareOutputFolder() throws {
        let fm = FileManager.default
        if fm.fileExists(atPath: out) && !resume {
            guard force else {
                throw ValidationError("output folder \(out) exists; pass --resume to continue it or --force to overwrite it")
            }
            try fm.removeItem(atPath: out)
        }
        try fm.createDirectory(atPath: out, withIntermediateDirectories: true)
    }

    /// Wall time of 20 training steps on one full batch (after 3 warm-up steps), in nanoseconds,
    /// on a copy of the best weights so the stored checkpoint stays untouched.
    private func stepSamples(_ loaded: LoadedCheckpoint, _ result: RunResult) throws -> [Int64] {
        let data = try loaded.taskData()
        let trainer = Trainer(model: loaded.model, config: loaded.config.train, seed: loaded.config.seed)
        let (batch, labels) = data.train.batch(Array(0..<min(loaded.config.train.batchSize, data.train.count)))
        return sampleLatency(warmup: 3, samples: 20, maxSeconds: 60) { trainer.step(batch, labels: labels) }
    }
}

func medianMilliseconds(_ ns: [Int64]) -> Double {
    let s = ns.sorted()
    return s.isEmpty ? .nan : Double(s[s.count / 2]) / 1e6
}

extension ConfigValue {
    /// Reads a command-line value: integer, number, true/false, else string.
    init(parsing text: String) {
        if let i = Int(text) { self = .int(i) }
        else if let d = Double(text) { self = .double(d) }
        else if text == "true" || text == "false" { self = .bool(text == "true") }
        else { self = .string(text) }
    }
}

func fmt(_ x: Double, _ digits: Int) -> String {
    guard x.isFinite else { return x.isNaN ? "nan" : (x > 0 ? "inf" : "-inf") }
    if abs(x) >= 1e12 { return "\(x)" }   // beyond fixed-point range (e.g. a diverging loss): Swift's shortest form
    var s = String(Int((abs(x) * pow10(digits)).rounded()))
    while s.count <= digits { s = "0" + s }
    let cut = s.index(s.endIndex, offsetBy: -digits)
    return (x < 0 ? "-" : "") + (digits == 0 ? s : s[..<cut] + "." + s[cut...])
}

private func pow10(_ n: Int) -> Double { (0..<n).reduce(1.0) { r, _ in r * 10 } }

/// A plain-text table with right-aligned numeric columns.
func table(header: [String], rows: [[String]]) -> String {
    let widths = header.indices.map { c in ([header] + rows).map { $0[c].count }.max() ?? 0 }
    func line(_ cells: [String]) -> String {
        cells.enumerated().map { c, cell in
            let pad = String(repeating: " ", count: widths[c] - cell.count)
            return c == 0 ? cell + pad : pad + cell
        }.joined(separator: "  ")
    }
    let rule = widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")
    return ([line(header), rule] + rows.map(line)).joined(separator: "\n")
}
