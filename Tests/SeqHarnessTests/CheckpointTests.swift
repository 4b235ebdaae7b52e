import Foundation
import SeqData
import SeqHDF5
import SeqHarness
import SeqModels
import SeqStore
import SeqTensor
import SeqTrain
import TestSupport
import XCTest

final class CheckpointTests: XCTestCase {
    var dir = ""

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "seqbench-ckpt-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: dir) }

    /// Save → load → bit-identical logits, for every registered model and both input kinds.
    func testSaveLoadGivesIdenticalLogitsForEveryModel() throws {
        for d in ModelRegistry.all {
            for input in [ModelConfig.InputKind.tokens, .dense] {
                let config = Samples.config(input, layers: 2)
                let model = try ModelRegistry.make(d.name, config: config, seed: 1)
                let trainer = Trainer(model: model, config: TrainConfig(), seed: 1)
                let batch = Samples.batch(for: config)
                trainer.step(batch, labels: Samples.labels(count: batch.batchSize, classes: config.classes))   // non-trivial Adam state
                let path = "\(dir)/\(d.name)-\(input).h5"
                var metrics = RunMetrics()
                metrics[.testAccuracy] = 0.5
                let runConfig = RunConfig(model: d.name, modelConfig: config, task: try TaskRegistry.resolve("contains"),
                                          train: TrainConfig(), seed: 1)
                try Checkpoint(kind: .last, config: runConfig, parameters: model.parameters.map(NamedArray.init),
                               trainer: trainer.state, metrics: metrics).write(to: path)

                let stored = try Checkpoint.read(from: path)
                let fresh = try ModelRegistry.make(d.name, config: config, seed: 99)
                try stored.load(into: fresh, file: path)
                XCTAssertEqual(fresh.forward(batch), model.forward(batch), "\(d.name) \(input)")
                XCTAssertEqual(stored.metrics, metrics)
                XCTAssertEqual(stored.config, runConfig)
                XCTAssertEqual(stored.trainer.optimizer, trainer.state.optimizer, "\(d.name): Adam state round trip")
                XCTAssertEqual(stored.trainer.shuffleState, trainer.state.shuffleState)
                XCTAssertEqual(stored.step, 1)
            }
        }
        XCTAssertEqual(HDF5Library.openObjectCount(), 0, "every HDF5 handle closed")
    }

    /// Class names and the vocabulary travel with the weights, and a file whose names disagree with the model
    /// is refused with one line naming the object.
    func testClassNamesAndVocabularyRoundTrip() throws {
        let config = Samples.config(.tokens, layers: 1)
        let model = try ModelRegistry.make("lstm", config: config, seed: 1)
        let trainer = Trainer(model: model, config: TrainConfig(), seed: 1)
        let runConfig = RunConfig(model: "lstm", modelConfig: config, task: try TaskRegistry.resolve("contains"),
                                  train: TrainConfig(), seed: 1)
        let names = (0..<config.classes).map { "class \($0) ü" }
        let tokens = [""] + (1..<config.vocab).map { String(UnicodeScalar(UInt8(0x40 + $0))) }
        let vocabulary = try TextVocabulary(tokens: tokens, tokenization: .chars, unknownID: 1)
        func write(_ names: [String]?, _ vocabulary: TextVocabulary?, to path: String) throws {
            try Checkpoint(kind: .best, config: runConfig, parameters: model.parameters.map(NamedArray.init),
                           trainer: trainer.state, classNames: names, vocabulary: vocabulary).write(to: path)
        }
        let path = "\(dir)/names.h5"
        try write(names, vocabulary, to: path)
        let stored = try Checkpoint.read(from: path)
        XCTAssertEqual(stored.classNames, names)
        XCTAssertEqual(stored.vocabulary, vocabulary)

        try write(nil, nil, to: path)
        XCTAssertNil(try Checkpoint.read(from: path).classNames, "data without names stores none")

        try write(Array(names.dropLast()), nil, to: path)
        XCTAssertThrowsError(try Checkpoint.read(from: path)) {
            XCTAssertEqual("\($0)", "\(path): /class_names: has \(config.classes - 1) names; the model has \(config.classes) classes")
        }
    }

    /// A training interrupted after epoch 2 and resumed from last.h5 ends bit-identical to an uninterrupted run:
    /// with Adam and SGD, and with AdamW under a plateau schedule (monitoring the validation loss) and a cosine
    /// schedule, both through a two-layer model with every dropout on (masks continue from the saved stream).
    func testResumedTrainingIsBitIdenticalToUninterrupted() throws {
        struct Interrupt: Error {}
        let task = try TaskRegistry.resolve("contains", settings: ["train_size": .int(256), "val_size": .int(64),
                                                                   "test_size": .int(64), "length": .int(12)])
        let plain = ModelConfig(embedDim: 8, hidden: 8, attentionDim: 8)
        let dropping = ModelConfig(embedDim: 8, hidden: 8, layers: 2, attentionDim: 8,
                                   embedDropout: 0.1, layerDropout: 0.2, outputDropout: 0.3)
        let cases: [(String, ModelConfig, TrainConfig)] = [
            ("adam", plain, TrainConfig(epochs: 4, batchSize: 16, optimizer: .adam, learningRate: 0.01, patience: 0, momentum: 0.9)),
            ("sgd", plain, TrainConfig(epochs: 4, batchSize: 16, optimizer: .sgd, learningRate: 0.01, patience: 0, momentum: 0.9)),
            ("adamw-plateau-dropout", dropping,
             TrainConfig(epochs: 4, batchSize: 16, optimizer: .adamw, learningRate: 0.01, patience: 0, weightDecay: 0.01,
                         schedule: .plateau, gamma: 0.5, plateauPatience: 0, plateauThreshold: 0.5, monitor: .validationLoss)),
            ("cosine-dropout", dropping,
             TrainConfig(epochs: 4, batchSize: 16, learningRate: 0.01, patience: 0, schedule: .cosine, warmupSteps: 5,
                         minLearningRate: 1e-4)),
        ]
        for (optimizer, modelConfig, train) in cases {
            let config = RunConfig(model: "bilstm_attention", modelConfig: modelConfig, task: task, train: train, seed: 7)
            let whole = RunFolder("\(dir)/whole-\(optimizer)"), split = RunFolder("\(dir)/split-\(optimizer)")
            let run = PlannedRun(id: "a", config: config, model: ModelEntry(name: config.model))
            let expected = try TrainingRun.execute(run, folder: whole, resume: false)

            XCTAssertThrowsError(try TrainingRun.execute(run, folder: split, resume: false) { event in
                if case .epoch(let r, _) = event, r.epoch == 2 { throw Interrupt() }
            })
            XCTAssertEqual(try Checkpoint.read(from: split.last).epoch, 2)
            var resumedFrom = -1
            let resumed = try TrainingRun.execute(run, folder: split, resume: true) { event in
                if case .resumed(let epoch) = event { resumedFrom = epoch }
            }
            XCTAssertEqual(resumedFrom, 2)
            for file in [\RunFolder.best, \RunFolder.last] {
                let a = try Checkpoint.read(from: whole[keyPath: file]), b = try Checkpoint.read(from: split[keyPath: file])
                XCTAssertEqual(a.parameters, b.parameters, "\(optimizer): weights bit-identical")
                XCTAssertEqual(a.trainer.optimizer, b.trainer.optimizer, "\(optimizer): optimizer state bit-identical")
                XCTAssertEqual(a.trainer.schedule, b.trainer.schedule, "\(optimizer): schedule state")
                XCTAssertEqual(a.trainer.dropoutState, b.trainer.dropoutState, "\(optimizer): dropout stream")
                XCTAssertEqual(a.metrics, b.metrics)
                XCTAssertEqual(a.epoch, b.epoch)
            }
            XCTAssertEqual(expected.metrics[.testAccuracy], resumed.metrics[.testAccuracy])
            XCTAssertEqual(expected.history.map(\.validationLoss), resumed.history.map(\.validationLoss))
            XCTAssertEqual(expected.history.map(\.trainLoss), resumed.history.map(\.trainLoss))
            let last = try Checkpoint.read(from: split.last)
            XCTAssertEqual(last.trainer.dropoutState != nil, modelConfig.hasDropout, optimizer)
            if train.schedule == .plateau {
                // Patience 0 and a 50 % threshold: the rate fell (no epoch halves the loss), or the case tests nothing.
                XCTAssertLessThan(last.trainer.schedule!.learningRate, 0.01, optimizer)
            }
        }
    }

    /// The schedule's and the dropout stream's state round-trip through a checkpoint; an impossible schedule state
    /// (an untrusted file) is one error naming the attribute.
    func testScheduleAndDropoutStateRoundTripAndAreRangeChecked() throws {
        var config = Samples.config(.tokens, layers: 2)
        config.layerDropout = 0.5
        let model = try ModelRegistry.make("lstm", config: config, seed: 1)
        let train = TrainConfig(schedule: .plateau)
        let trainer = Trainer(model: model, config: train, seed: 1)
        let batch = Samples.batch(for: config)
        trainer.step(batch, labels: Samples.labels(count: batch.batchSize, classes: config.classes))
        let runConfig = RunConfig(model: "lstm", modelConfig: config, task: try TaskRegistry.resolve("contains"), train: train, seed: 1)
        func write(_ state: TrainerState, _ name: String) throws -> String {
            let path = "\(dir)/\(name).h5"
            try Checkpoint(kind: .last, config: runConfig, parameters: model.parameters.map(NamedArray.init), trainer: state)
                .write(to: path)
            return path
        }
        var state = trainer.state
        state.schedule = ScheduleState(learningRate: 1e-4, best: 0.25, badEpochs: 0)
        let stored = try Checkpoint.read(from: try write(state, "good"))
        XCTAssertEqual(stored.trainer.schedule, state.schedule)
        XCTAssertNotNil(state.dropoutState)
        XCTAssertEqual(stored.trainer.dropoutState, state.dropoutState)
        for (name, bad, fragment) in [("lr", ScheduleState(learningRate: .infinity, best: 0, badEpochs: 0), "'schedule_lr' is inf"),
                                      ("best", ScheduleState(learningRate: 1e-3, best: .nan, badEpochs: 0), "'schedule_best' is NaN"),
                                      ("bad", ScheduleState(learningRate: 1e-3, best: 0, badEpochs: 5), "schedule_bad_epochs")] {
            state.schedule = bad
            let path = try write(state, name)
            XCTAssertThrowsError(try Checkpoint.read(from: path)) { error in
                XCTAssertTrue("\(error)".hasPrefix(path), "\(error)")
                XCTAssertTrue("\(error)".contains(fragment), "\(fragment): \(error)")
            }
        }
    }

    /// eval's path: rebuilding model and data from the stored config reproduces the stored test accuracy exactly.
    func testReloadedCheckpointReproducesStoredTestAccuracy() throws {
        let task = try TaskRegistry.resolve("contains", settings: ["train_size": .int(128), "val_size": .int(64), "test_size": .int(77)])
        let config = RunConfig(model: "lstm", modelConfig: ModelConfig(embedDim: 8, hidden: 8), task: task,
                               train: TrainConfig(epochs: 2, batchSize: 16), seed: 3)
        let folder = RunFolder("\(dir)/run")
        let result = try TrainingRun.execute(PlannedRun(id: "r", config: config, model: ModelEntry(name: "lstm")),
                                             folder: folder, resume: false)
        for path in [folder.best, folder.last] {
            let loaded = try LoadedCheckpoint(path)
            XCTAssertEqual(try loaded.evaluateTest().accuracy, loaded.checkpoint.metrics[.testAccuracy])
        }
        XCTAssertEqual(try LoadedCheckpoint(folder.best).checkpoint.metrics[.testAccuracy], result.metrics[.testAccuracy])
    }

    func testMetricsFileRebuildsFromRunFiles() throws {
        let task = try TaskRegistry.resolve("contains")
        func config(_ model: String) -> RunConfig {
            RunConfig(model: model, modelConfig: ModelConfig(hidden: 8), task: task, train: TrainConfig(), seed: 1)
        }
        var completed = RunMetrics(), failed = RunMetrics()
        completed[.testAccuracy] = 0.75
        completed[.parameters] = 100
        completed[.p50Milliseconds, .train(batch: 32)] = 0.002
        failed[.parameters] = 10
        let machine = MachineRecord(cpu: "x", cores: 2, threads: 2, seqbenchVersion: "0", build: "release")
        let runs = [
            RunResult(runID: "lstm.seed=1", model: "lstm", entry: "lstm", seed: 1, status: .completed, config: config("lstm"),
                      settings: ["task.length": "64"], machine: machine, metrics: completed,
                      history: [EpochRecord(epoch: 1, trainLoss: 1, validationLoss: 2, validationAccuracy: 0.5, seconds: 0.1)],
                      latency: [.train(batch: 32): [1000, 2000, 3000]]),
            RunResult(runID: "rnn.seed=1", model: "rnn", seed: 1, status: .failed, reason: "training diverged",
                      config: config("rnn"), metrics: failed),
        ]
        for r in runs { try r.write(to: "\(dir)/\(r.runID).h5") }
        let reread = try runs.map { try RunResult.read(from: "\(dir)/\($0.runID).h5") }
        XCTAssertEqual(reread, runs)
        let resolved = ResolvedExperiment(name: "x", settings: ["train.lr": .scalar(.double(0.1))], models: ["lstm", "rnn"],
                                          sweep: ["task.length": ["64"]])
        try MetricsFile.write(to: "\(dir)/metrics.h5", experiment: "x", config: resolved, runs: reread)
        let (experiment, storedConfig, stored) = try MetricsFile.readRuns(from: "\(dir)/metrics.h5", config: ResolvedExperiment.self)
        XCTAssertEqual(storedConfig, resolved)
        XCTAssertEqual(experiment, "x")
        XCTAssertEqual(stored, runs)
        let file = try HDF5File.open("\(dir)/metrics.h5")
        defer { try? file.close() }
        XCTAssertEqual(try file.root.readStrings("summary/run_id"), ["lstm.seed=1", "rnn.seed=1"])
        let accuracy = try file.root.read("summary/test_accuracy", as: Double.self).values
        XCTAssertEqual(accuracy[0], 0.75)
        XCTAssertTrue(accuracy[1].isNaN, "a run without the metric gets NaN")
        XCTAssertEqual(try file.root.readStrings("summary/task.length"), ["64", ""])
        XCTAssertEqual(try file.root.readStrings("summary/model_entry"), ["lstm", "rnn"])
        XCTAssertEqual(try file.root.readStrings("summary/cpu"), ["x", ""])
        XCTAssertEqual(try file.root.read("summary/latency_p50_ms_train_b32", as: Double.self).values[0], 0.002)
    }
}
