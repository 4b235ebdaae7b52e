import ArgumentParser
import SeqData
import SeqModels
import SeqTensor
import SeqTrain

/// `seqbench train`: trains models on the built-in "does token 1 occur?" task and prints a comparison.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train models on the built-in contains-token task and compare them.",
        discussion: "Each model is trained from the same seed on the same data; the table reports test accuracy of the best validation epoch and the median time of one training step.")

    @Option(name: .customLong("model"), help: "Model to train (repeatable). Default: every registered model.")
    var models: [String] = []
    @Option(help: "Padded sequence length of the task.") var length = 40
    @Option(help: "Training examples.") var trainSize = 4000
    @Option(help: "Maximum epochs.") var epochs = 6
    @Option(help: "Hidden units per direction.") var hidden = 64
    @Option(help: "Embedding width.") var embedDim = 32
    @Option(help: "Stacked recurrent layers.") var layers = 1
    @Option(help: "Attention width (attention models).") var attentionDim = 64
    @Option(help: "Mini-batch size.") var batchSize = 32
    @Option(help: "Adam learning rate.") var lr: Float = 0.005
    @Option(help: "Seed for data, initialisation and shuffling.") var seed: UInt64 = 1
    @Option(help: "Compute threads (default: one per core).") var threads: Int?

    func validate() throws {
        for name in models where !ModelRegistry.names.contains(name) {
            throw ValidationError("unknown model '\(name)'; expected one of: \(ModelRegistry.names.joined(separator: ", "))")
        }
        for (value, key) in [(length, "--length"), (trainSize, "--train-size"), (epochs, "--epochs"), (hidden, "--hidden"),
                             (embedDim, "--embed-dim"), (layers, "--layers"), (attentionDim, "--attention-dim"),
                             (batchSize, "--batch-size")] where value <= 0 {
            throw ValidationError("\(key) must be a positive integer, got \(value)")
        }
        if length < 2 { throw ValidationError("--length must be at least 2, got \(length)") }
        if !(lr > 0) { throw ValidationError("--lr must be positive, got \(lr)") }
    }

    func run() throws {
        ComputeThreads.set(threads)
        let task = ContainsTokenTask(length: length, minLength: max(1, length / 4), vocab: 16, trainSize: trainSize,
                                     validationSize: max(100, trainSize / 8), testSize: max(100, trainSize / 4))
        let data = task.generate(seed: seed)
        let config = ModelConfig(input: .tokens, vocab: task.vocab, embedDim: embedDim, hidden: hidden, layers: layers,
                                 attentionDim: attentionDim, classes: data.classes)
        let train = TrainConfig(epochs: epochs, batchSize: batchSize, learningRate: lr, clip: 1, patience: 3)
        print("task contains-token: length \(task.minLength)–\(length), vocab \(task.vocab), train \(data.train.count), "
              + "val \(data.validation.count), test \(data.test.count); \(ComputeThreads.current) threads; seed \(seed)")

        var rows: [[String]] = []
        for name in models.isEmpty ? ModelRegistry.names : models {
            let model = try ModelRegistry.make(name, config: config, seed: seed)
            let trainer = Trainer(model: model, config: train, seed: seed)
            try trainer.fit(data) { r, _ in
                print("  \(name) epoch \(r.epoch): train loss \(fmt(r.trainLoss, 4)), val loss \(fmt(r.validationLoss, 4)), "
                      + "val acc \(fmt(100 * r.validationAccuracy, 1)) %, \(fmt(r.seconds, 1)) s")
            }
            let test = evaluate(model, on: data.test, batchSize: batchSize)
            let stepMs = medianStepMilliseconds(trainer, data)
            rows.append([name, "\(model.parameterCount)", fmt(100 * trainer.bestValidationAccuracy, 1),
                         fmt(100 * test.accuracy, 1), "\(trainer.history.count)", fmt(stepMs, 2)])
        }
        print()
        print(table(header: ["model", "params", "val acc %", "test acc %", "epochs", "train step ms (median)"], rows: rows))
    }

    /// Median wall time of a training step on a full batch, over 20 steps after 3 warm-up steps.
    private func medianStepMilliseconds(_ trainer: Trainer, _ data: TaskData) -> Double {
        let (batch, labels) = data.train.batch(Array(0..<min(batchSize, data.train.count)))
        let clock = ContinuousClock()
        var samples: [Double] = []
        for i in 0..<23 {
            let t = clock.measure { trainer.step(batch, labels: labels) }
            if i >= 3 { samples.append(Double(t.components.attoseconds) * 1e-15 + Double(t.components.seconds) * 1e3) }
        }
        return samples.sorted()[samples.count / 2]
    }
}

func fmt(_ x: Double, _ digits: Int) -> String {
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
