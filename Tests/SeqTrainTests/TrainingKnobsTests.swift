import SeqData
import SeqModels
import SeqTensor
import SeqTrain
import XCTest

/// The trainer's monitored metric, its early stopping with min_delta, and the schedule's rates reaching the optimizer.
final class TrainingKnobsTests: XCTestCase {
    let task = ContainsTokenTask(length: 12, minLength: 3, vocab: 8, trainSize: 96, validationSize: 64, testSize: 16)

    private func trainer(_ config: TrainConfig, seed: UInt64 = 1) throws -> Trainer {
        let model = try ModelRegistry.make("lstm", config: ModelConfig(input: .tokens, vocab: 8, embedDim: 8, hidden: 8,
                                                                       classes: 2), seed: seed)
        return Trainer(model: model, config: config, seed: seed)
    }

    /// The best epoch is where the monitored metric was best (first occurrence), and its weights are the
    /// ones the model ends with.
    func testBestEpochFollowsTheMonitoredMetric() throws {
        let data = task.generate(seed: 2)
        for (monitor, mode) in [(Monitor.validationLoss, MonitorMode.auto), (.trainLoss, .min), (.validationLoss, .max)] {
            let t = try trainer(TrainConfig(epochs: 5, batchSize: 16, learningRate: 0.05, patience: 0, monitor: monitor, mode: mode))
            var weights: [Int: [[Float]]] = [:]
            try t.fit(data) { record, _ in weights[record.epoch] = t.model.parameters.map(\.values) }
            let values = t.history.map { monitor.value(in: $0) }
            let best = mode.maximizes(monitor) ? values.max()! : values.min()!
            let expected = values.firstIndex(of: best)! + 1
            XCTAssertEqual(t.bestEpoch, expected, "\(monitor) \(mode): \(values)")
            XCTAssertEqual(t.bestMonitored, best)
            XCTAssertEqual(t.bestValidationAccuracy, t.history[expected - 1].validationAccuracy)
            XCTAssertEqual(t.model.parameters.map(\.values), weights[expected], "\(monitor) \(mode): best weights restored")
        }
    }

    /// With a min_delta no change can beat, only the first epoch counts as an improvement: patience 2 stops
    /// training after epoch 3 and keeps epoch 1.
    func testMinDeltaDecidesWhatCountsAsAnImprovement() throws {
        let t = try trainer(TrainConfig(epochs: 10, batchSize: 16, learningRate: 0.05, patience: 2, monitor: .validationLoss,
                                        minDelta: 100))
        try t.fit(task.generate(seed: 2))
        XCTAssertEqual(t.history.count, 3)
        XCTAssertEqual(t.bestEpoch, 1)
        // Without it, the same run improves after epoch 1 (or the test above proves nothing).
        let free = try trainer(TrainConfig(epochs: 3, batchSize: 16, learningRate: 0.05, patience: 2, monitor: .validationLoss))
        try free.fit(task.generate(seed: 2))
        XCTAssertGreaterThan(free.bestEpoch, 1)
    }

    /// The optimizer makes each update with the schedule's rate: after training, it holds the last update's.
    func testScheduledRatesReachTheOptimizer() throws {
        let data = task.generate(seed: 2)
        let stepsPerEpoch = 96 / 16, epochs = 3
        let step = try trainer(TrainConfig(epochs: epochs, batchSize: 16, learningRate: 0.04, patience: 0, schedule: .step,
                                           stepSize: 1, gamma: 0.5))
        try step.fit(data)
        XCTAssertEqual(step.optimizer.learningRate, Float(Double(Float(0.04)) * 0.5 * 0.5))
        XCTAssertEqual(step.optimizer.stepCount, epochs * stepsPerEpoch)

        let cosine = try trainer(TrainConfig(epochs: epochs, batchSize: 16, learningRate: 0.04, patience: 0, schedule: .cosine,
                                             warmupSteps: 4, minLearningRate: 0.001))
        try cosine.fit(data)
        let last = LearningRateScheduler(.cosine(warmupSteps: 4, minLR: 0.001), baseRate: Double(Float(0.04)))
            .learningRate(step: epochs * stepsPerEpoch - 1, epoch: epochs - 1, totalSteps: epochs * stepsPerEpoch)
        XCTAssertEqual(cosine.optimizer.learningRate, Float(last))
        XCTAssertLessThan(last, 0.002, "the last update is close to min_lr")

        let constant = try trainer(TrainConfig(epochs: 1, batchSize: 16, learningRate: 0.04, patience: 0))
        try constant.fit(data)
        XCTAssertEqual(constant.optimizer.learningRate, 0.04)
    }

    /// Weight decay 0 leaves Adam's update exactly as before, and AdamW is stored under its own name.
    func testWeightDecayZeroIsPlainAdam() {
        let a = Parameter(name: "w", shape: [3]), b = Parameter(name: "w", shape: [3])
        a.values = [0.5, -1, 2]; b.values = a.values
        let plain = Adam(learningRate: 0.1), decayed = Adam(learningRate: 0.1, weightDecay: 0)
        for g in [[Float(0.1), -0.2, 0.3], [0.05, 0.4, -0.1]] {
            a.gradient = g; b.gradient = g
            plain.step([a]); decayed.step([b])
        }
        XCTAssertEqual(a.values, b.values)
        XCTAssertEqual(Adam.adamW().name, "adamw")
        XCTAssertEqual(TrainConfig(optimizer: .adamw).makeOptimizer().name, "adamw")
    }
}
