import Foundation
import SeqData
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
                try Checkpoint(kind: .last, model: d.name, configJSON: "{}", seed: 1,
                               parameters: model.parameters.map(NamedArray.init), trainer: trainer.state,
                               metrics: ["test_accuracy": 0.5]).write(to: path)

                let stored = try Checkpoint.read(from: path)
                let fresh = try ModelRegistry.make(d.name, config: config, seed: 99)
                try stored.load(into: fresh, file: path)
                XCTAssertEqual(fresh.forward(batch), model.forward(batch), "\(d.name) \(input)")
                XCTAssertEqual(stored.metrics, ["test_accuracy": 0.5])
                XCTAssertEqual(stored.trainer.optimizer, trainer.state.optimizer, "\(d.name): Adam state round trip")
                XCTAssertEqual(stored.trainer.shuffleState, trainer.state.shuffleState)
                XCTAssertEqual(stored.step, 1)
            }
        }
        XCTAssertEqual(HDF5Library.openObjectCount(), 0, "every HDF5 handle closed")
    }

    /// A training interrupted after epoch 2 and resumed from last.h5 ends bit-identical to an uninterrupted run.
    func testResumedTrainingIsBitIdenticalToUninterrupted() throws {
        struct Interrupt: Error {}
        let task = try TaskRegistry.resolve("contains", settings: ["train_size": .int(256), "val_size": .int(64),
                                                                   "test_size": .int(64), "length": .int(12)])
        for optimizer in [TrainConfig.OptimizerKind.adam, .sgd] {
            let config = RunConfig(model: "bilstm_attention", modelConfig: ModelConfig(embedDim: 8, hidden: 8, attentionDim: 8),
                                   task: task, train: TrainConfig(epochs: 4, batchSize: 16, optimizer: optimizer,
                                                                  learningRate: 0.01, patience: 0, momentum: 0.9),
                                   seed: 7)
            let whole = RunFolder("\(dir)/whole-\(optimizer)"), split = RunFolder("\(dir)/split-\(optimizer)")
            let expected = try TrainingRun.execute(config, runID: "a", folder: whole, resume: false)

            XCTAssertThrowsError(try TrainingRun.execute(config, runID: "a", folder: split, resume: false) { event in
                if case .epoch(let r, _) = event, r.epoch == 2 { throw Interrupt() }
            })
            XCTAssertEqual(try Checkpoint.read(from: split.last).epoch, 2)
            var resumedFrom = -1
            let resumed = try TrainingRun.execute(config, runID: "a", folder: split, resume: true) { event in
                if case .resumed(let epoch) = event { resumedFrom = epoch }
            }
            XCTAssertEqual(resumedFrom, 2)
            for file in [\RunFolder.best, \RunFolder.last] {
                let a = try Checkpoint.read(from: whole[keyPath: file]), b = try Checkpoint.read(from: split[keyPath: file])
                XCTAssertEqual(a.parameters, b.parameters, "\(optimizer): weights bit-identical")
                XCTAssertEqual(a.trainer.optimizer, b.trainer.optimizer, "\(optimizer): optimizer state bit-identical")
                XCTAssertEqual(a.metrics, b.metrics)
                XCTAssertEqual(a.epoch, b.epoch)
            }
            XCTAssertEqual(expected.metrics["test_accuracy"], resumed.metrics["test_accuracy"])
            XCTAssertEqual(expected.history.map(\.validationLoss), resumed.history.map(\.validationLoss))
            XCTAssertEqual(expected.history.map(\.trainLoss), resumed.history.map(\.trainLoss))
        }
    }

    /// eval's path: rebuilding model and data from the stored config reproduces the stored test accuracy exactly.
    func testReloadedCheckpointReproducesStoredTestAccuracy() throws {
        let task = try TaskRegistry.resolve("contains", settings: ["train_size": .int(128), "val_size": .int(64), "test_size": .int(77)])
        let config = RunConfig(model: "lstm", modelConfig: ModelConfig(embedDim: 8, hidden: 8), task: task,
                               train: TrainConfig(epochs: 2, batchSize: 16), seed: 3)
        let folder = RunFolder("\(dir)/run")
        let result = try TrainingRun.execute(config, runID: "r", folder: folder, resume: false)
        for path in [folder.best, folder.last] {
            let loaded = try LoadedCheckpoint(path)
            XCTAssertEqual(try loaded.evaluateTest().accuracy, loaded.checkpoint.metrics["test_accuracy"])
        }
        XCTAssertEqual(try LoadedCheckpoint(folder.best).checkpoint.metrics["test_accuracy"], result.metrics["test_accuracy"])
    }

    func testMetricsFileRebuildsFromRunFiles() throws {
        let runs = [
            RunResult(runID: "lstm.seed=1", model: "lstm", seed: 1, status: .completed, configJSON: "{}",
                      settings: ["task.length": "64"], metrics: ["test_accuracy": 0.75, "params": 100],
                      history: [EpochRecord(epoch: 1, trainLoss: 1, validationLoss: 2, validationAccuracy: 0.5, seconds: 0.1)],
                      latency: ["train_step": [1000, 2000, 3000]]),
            RunResult(runID: "rnn.seed=1", model: "rnn", seed: 1, status: .failed, reason: "training diverged",
                      configJSON: "{}", metrics: ["params": 10]),
        ]
        for r in runs { try r.write(to: "\(dir)/\(r.runID).h5") }
        let reread = try runs.map { try RunResult.read(from: "\(dir)/\($0.runID).h5") }
        XCTAssertEqual(reread, runs)
        try MetricsFile.write(to: "\(dir)/metrics.h5", experiment: "x", configJSON: "{}", runs: reread)
        let (experiment, _, stored) = try MetricsFile.readRuns(from: "\(dir)/metrics.h5")
        XCTAssertEqual(experiment, "x")
        XCTAssertEqual(stored, runs)
        let file = try HDF5File.open("\(dir)/metrics.h5")
        defer { try? file.close() }
        XCTAssertEqual(try file.root.readStrings("summary/run_id"), ["lstm.seed=1", "rnn.seed=1"])
        let accuracy = try file.root.read("summary/test_accuracy", as: Double.self).values
        XCTAssertEqual(accuracy[0], 0.75)
        XCTAssertTrue(accuracy[1].isNaN, "a run without the metric gets NaN")
        XCTAssertEqual(try file.root.readStrings("summary/task.length"), ["64", ""])
    }
}
