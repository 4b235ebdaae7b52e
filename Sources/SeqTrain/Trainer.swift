import Foundation
import SeqData
import SeqModels
import SeqTensor

/// How to train: the `train:` section of an experiment config. Fields added after format 1 decode as their
/// defaults when a stored config lacks them, so older checkpoints and run files still load.
public struct TrainConfig: Codable, Equatable, Sendable {
    public enum OptimizerKind: String, Codable, Sendable, CaseIterable { case adam, adamw, sgd }
    /// The learning-rate schedule's kind (its settings are the fields below).
    public enum ScheduleKind: String, Codable, Sendable, CaseIterable { case none, step, cosine, plateau }

    public var epochs: Int
    public var batchSize: Int
    public var optimizer: OptimizerKind
    public var learningRate: Float
    /// Global gradient-norm clip; 0 = off.
    public var clip: Float
    /// Epochs without an improvement of the monitored metric before stopping; 0 = never stop early.
    public var patience: Int
    /// SGD momentum.
    public var momentum: Float
    /// Weight decay: L2 (added to the gradient) for adam and sgd, decoupled for adamw.
    public var weightDecay: Float
    public var schedule: ScheduleKind
    /// `step`: epochs between two reductions.
    public var stepSize: Int
    /// `step`: StepLR's gamma; `plateau`: ReduceLROnPlateau's factor.
    public var gamma: Double
    /// `cosine`: optimizer updates of linear warmup.
    public var warmupSteps: Int
    /// `cosine`: the rate at the end (eta_min); `plateau`: the lowest rate (min_lr).
    public var minLearningRate: Double
    /// `plateau`: epochs without improvement before the rate is reduced.
    public var plateauPatience: Int
    /// `plateau`: relative improvement that counts (threshold, mode 'rel').
    public var plateauThreshold: Double
    /// The metric that picks the best epoch, stops early and drives `plateau`.
    public var monitor: Monitor
    public var mode: MonitorMode
    /// Early stopping: the smallest change of the monitored metric that counts as an improvement.
    public var minDelta: Double

    public init(epochs: Int = 20, batchSize: Int = 32, optimizer: OptimizerKind = .adam, learningRate: Float = 2e-3,
                clip: Float = 1, patience: Int = 3, momentum: Float = 0, weightDecay: Float = 0,
                schedule: ScheduleKind = .none, stepSize: Int = 10, gamma: Double = 0.1, warmupSteps: Int = 0,
                minLearningRate: Double = 0, plateauPatience: Int = 10, plateauThreshold: Double = 1e-4,
                monitor: Monitor = .validationAccuracy, mode: MonitorMode = .auto, minDelta: Double = 0) {
        self.epochs = epochs; self.batchSize = batchSize; self.optimizer = optimizer
        self.learningRate = learningRate; self.clip = clip; self.patience = patience; self.momentum = momentum
        self.weightDecay = weightDecay; self.schedule = schedule; self.stepSize = stepSize; self.gamma = gamma
        self.warmupSteps = warmupSteps; self.minLearningRate = minLearningRate; self.plateauPatience = plateauPatience
        self.plateauThreshold = plateauThreshold; self.monitor = monitor; self.mode = mode; self.minDelta = minDelta
    }

    enum CodingKeys: String, CodingKey {
        case epochs, batchSize = "batch_size", optimizer, learningRate = "lr", clip, patience, momentum
        case weightDecay = "weight_decay", schedule, stepSize = "step_size", gamma, warmupSteps = "warmup_steps"
        case minLearningRate = "min_lr", plateauPatience = "plateau_patience", plateauThreshold = "plateau_threshold"
        case monitor, mode, minDelta = "min_delta"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = TrainConfig()
        func value<T: Decodable>(_ key: CodingKeys, _ fallback: T) throws -> T {
            try c.decodeIfPresent(T.self, forKey: key) ?? fallback
        }
        self.init(epochs: try c.decode(Int.self, forKey: .epochs), batchSize: try c.decode(Int.self, forKey: .batchSize),
                  optimizer: try c.decode(OptimizerKind.self, forKey: .optimizer),
                  learningRate: try c.decode(Float.self, forKey: .learningRate), clip: try c.decode(Float.self, forKey: .clip),
                  patience: try c.decode(Int.self, forKey: .patience), momentum: try c.decode(Float.self, forKey: .momentum),
                  weightDecay: try value(.weightDecay, d.weightDecay), schedule: try value(.schedule, d.schedule),
                  stepSize: try value(.stepSize, d.stepSize), gamma: try value(.gamma, d.gamma),
                  warmupSteps: try value(.warmupSteps, d.warmupSteps), minLearningRate: try value(.minLearningRate, d.minLearningRate),
                  plateauPatience: try value(.plateauPatience, d.plateauPatience),
                  plateauThreshold: try value(.plateauThreshold, d.plateauThreshold),
                  monitor: try value(.monitor, d.monitor), mode: try value(.mode, d.mode), minDelta: try value(.minDelta, d.minDelta))
    }

    /// Builds the configured optimizer.
    public func makeOptimizer() -> any Optimizer {
        switch optimizer {
        case .adam: return Adam(learningRate: learningRate, weightDecay: weightDecay)
        case .adamw: return Adam.adamW(learningRate: learningRate, weightDecay: weightDecay)
        case .sgd: return SGD(learningRate: learningRate, momentum: momentum, weightDecay: weightDecay)
        }
    }

    /// Whether the monitored metric improves by rising.
    public var maximizesMonitor: Bool { mode.maximizes(monitor) }

    /// The configured learning-rate schedule.
    public var learningRateSchedule: LearningRateSchedule {
        switch schedule {
        case .none: return .constant
        case .step: return .step(stepSize: stepSize, gamma: gamma)
        case .cosine: return .cosine(warmupSteps: warmupSteps, minLR: minLearningRate)
        case .plateau:
            return .plateau(factor: gamma, patience: plateauPatience, threshold: plateauThreshold,
                            minLR: minLearningRate, maximize: maximizesMonitor)
        }
    }
}

/// One row of training history.
public struct EpochRecord: Equatable, Sendable {
    public init(epoch: Int, trainLoss: Double, validationLoss: Double, validationAccuracy: Double, seconds: Double) {
        self.epoch = epoch; self.trainLoss = trainLoss; self.validationLoss = validationLoss
        self.validationAccuracy = validationAccuracy; self.seconds = seconds
    }

    public var epoch: Int
    public var trainLoss: Double
    public var validationLoss: Double
    public var validationAccuracy: Double
    public var seconds: Double
}

/// Loss and accuracy of a model on a dataset.
public struct Evaluation: Sendable {
    public var loss: Double
    public var accuracy: Double
    public var predictions: [Int]
}

/// Why training stopped without a result.
public enum TrainingError: Error, CustomStringConvertible, Equatable {
    /// A batch's mean loss became NaN or infinite, or rose above `bound` (``Trainer/divergenceBound(classes:)``).
    case diverged(epoch: Int, step: Int, loss: Double, bound: Double)

    public var description: String {
        switch self {
        case .diverged(let epoch, let step, let loss, let bound) where loss.isFinite:
            return "training diverged: loss \(String(format: "%.3g", loss)) at epoch \(epoch), step \(step) is above "
                + "\(String(format: "%.3g", bound)) (1000 × the loss of a uniform guess); try a lower train.lr or a train.clip"
        case .diverged(let epoch, let step, let loss, _):
            return "training diverged: loss \(loss) at epoch \(epoch), step \(step)"
        }
    }
}

/// Mini-batch training with a learning-rate schedule and early stopping on a monitored metric (validation
/// accuracy unless configured otherwise); the model ends with the weights of its best epoch by that metric.
public final class Trainer {
    /// The hard failure: a batch whose mean cross-entropy is above this stops training with
    /// ``TrainingError/diverged(epoch:step:loss:bound:)``, as a NaN or infinite loss does: 1000 × ln C, the
    /// loss of a uniform guess over the C classes (where a fresh model starts), e.g. 693 for two classes. A loss
    /// that high means logit margins in the hundreds, past any recovery (`lr: 1e4` gets there within an epoch
    /// and went on to 3e31). The bound depends only on the task, so a resumed run decides exactly like an
    /// uninterrupted one. Softer explosions (above 10 × the class-frequency loss) finish and are flagged
    /// "did not train" by `TrainingCheck`.
    public static func divergenceBound(classes: Int) -> Double { 1000 * log(Double(max(classes, 2))) }

    public let model: any SequenceModel
    public let config: TrainConfig
    public let optimizer: any Optimizer
    /// Shuffling stream; a pure function of the seed.
    public private(set) var shuffleRNG: SeededRNG
    public private(set) var history: [EpochRecord] = []
    /// Validation accuracy of the best epoch.
    public private(set) var bestValidationAccuracy = -Double.infinity
    public private(set) var bestEpoch = 0
    /// The monitored metric's value at the best epoch.
    public private(set) var bestMonitored: Double
    public private(set) var scheduler: LearningRateScheduler
    /// Optimizer updates per epoch, which the cosine schedule's length counts in; `fit` sets it from the data.
    public var stepsPerEpoch = 1
    private var bestWeights: [[Float]] = []
    private var epochsWithoutImprovement = 0
    private let improvement: Improvement

    /// Seeds the model's dropout from the run's seed (stream `dropout`), so masks are a pure function of it.
    public init(model: any SequenceModel, config: TrainConfig, seed: UInt64) {
        self.model = model
        self.config = config
        optimizer = config.makeOptimizer()
        shuffleRNG = SeededRNG(seed: seed, stream: "shuffle")
        improvement = Improvement(maximize: config.maximizesMonitor, minDelta: config.minDelta)
        bestMonitored = improvement.initialBest
        scheduler = LearningRateScheduler(config.learningRateSchedule, baseRate: Double(config.learningRate))
        if model.dropoutRNG != nil { model.dropoutRNG = SeededRNG(seed: seed, stream: "dropout") }
    }

    /// One optimisation step on a batch; returns its mean loss.
    @discardableResult
    public func step(_ batch: SequenceBatch, labels: [Int]) -> Double {
        let parameters = model.parameters
        parameters.zeroGrad()
        let loss = model.accumulateGradients(batch, labels: labels)
        guard loss.isFinite else { return loss }
        if config.clip > 0 { clipGradientNorm(parameters, maxNorm: config.clip) }
        optimizer.learningRate = Float(scheduler.learningRate(step: optimizer.stepCount, epoch: history.count,
                                                              totalSteps: config.epochs * stepsPerEpoch))
        optimizer.step(parameters)
        return loss
    }

    /// Whether `fit` has nothing left to do: all epochs ran, or early stopping triggered.
    public var isFinished: Bool {
        history.count >= config.epochs || (config.patience > 0 && epochsWithoutImprovement >= config.patience)
    }

    /// Trains until `epochs` or early stopping, continuing from wherever this trainer is (a restored
    /// state resumes exactly). `onEpoch` runs at the end of each epoch, with the model holding that
    /// epoch's weights, and is told whether they are the best so far (a good moment to checkpoint).
    /// On return the model holds the best validation epoch's weights.
    public func fit(_ data: TaskData, onEpoch: (EpochRecord, _ isBest: Bool) throws -> Void = { _, _ in }) throws {
        let clock = ContinuousClock()
        let bound = Self.divergenceBound(classes: data.classes)
        stepsPerEpoch = max(1, (data.train.count + config.batchSize - 1) / config.batchSize)
        while !isFinished {
            let epoch = history.count + 1
            let start = clock.now
            var order = Array(0..<data.train.count)
            shuffleRNG.shuffle(&order)
            var lossSum = 0.0, seen = 0
            for (s, first) in stride(from: 0, to: order.count, by: config.batchSize).enumerated() {
                let indices = Array(order[first..<min(first + config.batchSize, order.count)])
                let (batch, labels) = data.train.batch(indices)
                let loss = step(batch, labels: labels)
                guard loss.isFinite && loss <= bound else {
                    throw TrainingError.diverged(epoch: epoch, step: s + 1, loss: loss, bound: bound)
                }
                lossSum += loss * Double(indices.count)
                seen += indices.count
            }
            let validation = evaluate(model, on: data.validation, batchSize: config.batchSize)
            let elapsed = clock.now - start
            let record = EpochRecord(epoch: epoch, trainLoss: lossSum / Double(max(seen, 1)),
                                     validationLoss: validation.loss, validationAccuracy: validation.accuracy,
                                     seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
            history.append(record)
            let monitored = config.monitor.value(in: record)
            scheduler.endEpoch(metric: monitored)
            let improved = improvement.improves(monitored, on: bestMonitored)
            if improved {
                bestMonitored = monitored
                bestValidationAccuracy = validation.accuracy
                bestEpoch = epoch
                bestWeights = model.parameters.map(\.values)
                epochsWithoutImprovement = 0
            } else {
                epochsWithoutImprovement += 1
            }
            try onEpoch(record, improved)
        }
        restoreBestWeights()
    }

    /// Puts the best epoch's weights back into the model.
    public func restoreBestWeights() {
        guard !bestWeights.isEmpty else { return }
        for (p, w) in zip(model.parameters, bestWeights) { p.values = w }
    }

    /// Everything needed to continue training exactly from here (with the model's current weights).
    public var state: TrainerState {
        let parameters = model.parameters
        return TrainerState(
            history: history, shuffleState: shuffleRNG.currentState, bestEpoch: bestEpoch,
            bestValidationAccuracy: bestValidationAccuracy, epochsWithoutImprovement: epochsWithoutImprovement,
            bestWeights: Dictionary(uniqueKeysWithValues: zip(parameters.map(\.name), bestWeights)),
            optimizer: optimizer.state(for: parameters), schedule: scheduler.state,
            dropoutState: model.dropoutRNG?.currentState)
    }

    /// Continues from a saved state; the model must already hold the weights saved with it.
    public func restore(_ saved: TrainerState) throws {
        let parameters = model.parameters
        try optimizer.restore(saved.optimizer, parameters: parameters)
        var best: [[Float]] = []
        if saved.bestEpoch > 0 {
            for p in parameters {
                guard let w = saved.bestWeights[p.name], w.count == p.count else {
                    throw OptimizerStateError(description: "saved best weights lack \(p.name) or have the wrong size")
                }
                best.append(w)
            }
        }
        if model.dropoutRNG != nil {
            guard let state = saved.dropoutState else {
                throw OptimizerStateError(description: "the model has dropout but the saved state has no dropout generator")
            }
            model.dropoutRNG = SeededRNG(state: state)
        }
        if let schedule = saved.schedule { scheduler.restore(schedule) }
        history = saved.history
        shuffleRNG = SeededRNG(state: saved.shuffleState)
        bestEpoch = saved.bestEpoch
        bestMonitored = saved.bestEpoch > 0 && saved.bestEpoch <= history.count
            ? config.monitor.value(in: history[saved.bestEpoch - 1]) : improvement.initialBest
        bestValidationAccuracy = saved.bestEpoch > 0 ? saved.bestValidationAccuracy : -.infinity
        epochsWithoutImprovement = saved.epochsWithoutImprovement
        bestWeights = best
    }
}

/// A trainer's resumable state (see `Trainer.state`).
public struct TrainerState: Sendable {
    public var history: [EpochRecord]
    public var shuffleState: UInt64
    public var bestEpoch: Int
    public var bestValidationAccuracy: Double
    public var epochsWithoutImprovement: Int
    /// Best epoch's weights by parameter name (empty before the first epoch).
    public var bestWeights: [String: [Float]]
    public var optimizer: OptimizerState
    /// The learning-rate schedule's state; nil in files written before schedules (the fresh state).
    public var schedule: ScheduleState?
    /// The model's dropout generator (`SequenceModel.dropoutRNG`); nil when the model has no dropout.
    public var dropoutState: UInt64?

    public init(history: [EpochRecord], shuffleState: UInt64, bestEpoch: Int, bestValidationAccuracy: Double,
                epochsWithoutImprovement: Int, bestWeights: [String: [Float]], optimizer: OptimizerState,
                schedule: ScheduleState? = nil, dropoutState: UInt64? = nil) {
        self.history = history; self.shuffleState = shuffleState; self.bestEpoch = bestEpoch
        self.bestValidationAccuracy = bestValidationAccuracy; self.epochsWithoutImprovement = epochsWithoutImprovement
        self.bestWeights = bestWeights; self.optimizer = optimizer; self.schedule = schedule; self.dropoutState = dropoutState
    }
}

/// Mean loss, accuracy and predicted classes of `model` on `data`, in batches.
public func evaluate(_ model: any SequenceModel, on data: Dataset, batchSize: Int) -> Evaluation {
    var lossSum = 0.0, correct = 0
    var predictions = [Int]()
    predictions.reserveCapacity(data.count)
    for indices in data.batches(of: batchSize) {
        let (batch, labels) = data.batch(indices)
        let logits = model.infer(batch)
        lossSum += CrossEntropy.loss(logits: logits, labels: labels) * Double(indices.count)
        let C = logits.shape[1]
        for b in 0..<indices.count {
            var best = 0
            for c in 1..<C where logits.data[b * C + c] > logits.data[b * C + best] { best = c }
            predictions.append(best)
            if best == labels[b] { correct += 1 }
        }
    }
    return Evaluation(loss: lossSum / Double(max(data.count, 1)), accuracy: Double(correct) / Double(max(data.count, 1)),
                      predictions: predictions)
}
