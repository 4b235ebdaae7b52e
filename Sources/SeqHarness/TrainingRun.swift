import Foundation
import SeqData
import SeqModels
import SeqStore
import SeqTensor
import SeqTrain

/// Where one run keeps its files.
public struct RunFolder: Sendable {
    public let path: String
    public init(_ path: String) { self.path = path }
    /// Weights of the best validation epoch, with test metrics.
    public var best: String { path + "/best.h5" }
    /// Weights and full training state of the latest epoch (resumable).
    public var last: String { path + "/last.h5" }
    /// The run's outcome, merged into the experiment's metrics.h5.
    public var result: String { path + "/run.h5" }
}

/// What a run reports while it trains.
public enum RunEvent: Sendable {
    case resumed(fromEpoch: Int)
    case epoch(EpochRecord, isBest: Bool)
}

/// Trains one model on one task from one seed, checkpointing every epoch.
public enum TrainingRun {
    /// Trains (or, with `resume`, continues from `last.h5`), writes `best.h5` and `last.h5`, and returns the
    /// run with status `trained`: its fitted configuration, test metrics and history. Checkpoints are written
    /// atomically, so an interrupted run resumes from its last completed epoch and ends bit-identical to an
    /// uninterrupted one.
    public static func execute(_ run: PlannedRun, folder: RunFolder, resume: Bool,
                        onEvent: (RunEvent) throws -> Void = { _ in }) throws -> RunResult {
        try createFolder(folder.path)
        let (data, config) = try run.data()
        let model = try ModelRegistry.make(config.model, config: config.modelConfig, seed: config.seed)
        let trainer = Trainer(model: model, config: config.train, seed: config.seed)

        if resume && FileManager.default.fileExists(atPath: folder.last) {
            let checkpoint = try Checkpoint.read(from: folder.last)
            guard checkpoint.config == config else {
                throw StoreError(file: folder.last, "was written for a different configuration; remove the run folder to start over")
            }
            try checkpoint.load(into: model, file: folder.last)
            do { try trainer.restore(checkpoint.trainer) } catch {
                throw StoreError(file: folder.last, object: "/optimizer", "\(error)")
            }
            try onEvent(.resumed(fromEpoch: checkpoint.epoch))
        }

        func checkpoint(_ kind: Checkpoint.Kind, metrics: RunMetrics) -> Checkpoint {
            Checkpoint(kind: kind, config: config, parameters: model.parameters.map(NamedArray.init),
                       trainer: trainer.state, metrics: metrics, classNames: data.classNames, vocabulary: data.vocabulary)
        }
        func testMetrics() -> RunMetrics { metrics(of: evaluate(model, on: data.test, batchSize: config.train.batchSize)) }
        func metrics(of test: Evaluation) -> RunMetrics {
            var m = RunMetrics()
            m[.testAccuracy] = test.accuracy
            m[.testLoss] = test.loss
            return m
        }

        // Every checkpoint is a snapshot of its epoch and carries the test metrics of its own weights,
        // so `eval` on any of them reproduces a stored number (the test set never selects anything).
        let clock = ContinuousClock()
        let start = clock.now
        try trainer.fit(data) { record, isBest in
            let metrics = testMetrics()
            if isBest { try checkpoint(.best, metrics: metrics).write(to: folder.best) }
            try checkpoint(.last, metrics: metrics).write(to: folder.last)
            try onEvent(.epoch(record, isBest: isBest))
        }
        let seconds = (clock.now - start).seconds
        // The model now holds the best epoch's weights.
        let test = evaluate(model, on: data.test, batchSize: config.train.batchSize)
        var metrics = metrics(of: test)
        let outcome = TrainingCheck.judge(history: trainer.history, bestValidationAccuracy: trainer.bestValidationAccuracy,
                                          trainLabels: data.train.labels, validationLabels: data.validation.labels)
        metrics[.trained] = outcome.trained ? 1 : 0
        metrics[.chanceAccuracy] = outcome.chanceAccuracy
        metrics[.bestValidationAccuracy] = trainer.bestValidationAccuracy
        metrics[.bestEpoch] = Double(trainer.bestEpoch)
        metrics[.epochs] = Double(trainer.history.count)
        metrics[.parameters] = Double(model.parameterCount)
        metrics[.trainSeconds] = seconds
        metrics[.length] = Double(data.train.sequences.length)
        metrics[.batchSize] = Double(config.train.batchSize)
        var result = RunResult(runID: run.id, model: config.model, entry: run.model.label, seed: config.seed, status: .trained,
                               config: config, settings: run.settings, metrics: metrics, history: trainer.history)
        result.trainingNote = outcome.note
        result.testPredictions = test.predictions.map { Int32($0) }
        result.testLabels = data.test.labels.map { Int32($0) }
        return result
    }
}

extension PlannedRun {
    /// The run's data and its configuration fitted to that data (input kind, vocabulary, features, classes).
    func data() throws -> (TaskData, RunConfig) {
        let data = try TaskRegistry.generate(config.task, seed: config.seed)
        return (data, config.fitted(to: data))
    }

    /// The shape the run's model will have, from its generated data (what `flops` and `bench` measure).
    public func shape() throws -> RunShape {
        let (data, fitted) = try data()
        return RunShape(model: fitted.model, config: fitted.modelConfig, length: data.train.sequences.length,
                        batchSize: fitted.train.batchSize)
    }
}

extension Duration {
    /// In seconds, as a Double.
    public var seconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}
