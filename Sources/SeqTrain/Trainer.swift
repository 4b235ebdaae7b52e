import Foundation
import SeqData
import SeqModels
import SeqTensor

/// How to train: the `train:` section of an experiment config.
public struct TrainConfig: Codable, Equatable, Sendable {
    public enum OptimizerKind: String, Codable, Sendable { case adam, sgd }

    public var epochs: Int
    public var batchSize: Int
    public var optimizer: OptimizerKind
    public var learningRate: Float
    /// Global gradient-norm clip; 0 = off.
    public var clip: Float
    /// Epochs without a better validation accuracy before stopping; 0 = never stop early.
    public var patience: Int
    /// SGD momentum.
    public var momentum: Float

    public init(epochs: Int = 20, batchSize: Int = 32, optimizer: OptimizerKind = .adam, learningRate: Float = 2e-3,
                clip: Float = 1, patience: Int = 3, momentum: Float = 0) {
        self.epochs = epochs; self.batchSize = batchSize; self.optimizer = optimizer
        self.learningRate = learningRate; self.clip = clip; self.patience = patience; self.momentum = momentum
    }

    enum CodingKeys: String, CodingKey {
        case epochs, batchSize = "batch_size", optimizer, learningRate = "lr", clip, patience, momentum
    }

    /// Builds the configured optimizer.
    public func makeOptimizer() -> any Optimizer {
        switch optimizer {
        case .adam: return Adam(learningRate: learningRate)
        case .sgd: return SGD(learningRate: learningRate, momentum: momentum)
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

/// Mini-batch training with early stopping on validation accuracy; the model ends with the
/// weights of its best validation epoch.
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
    public private(set) var bestValidationAccuracy = -Double.infinity
    public private(set) var bestEpoch = 0
    private var bestWeights: [[Float]] = []
    private var epochsWithoutImprovement = 0

    public init(model: any SequenceModel, config: TrainConfig, seed: UInt64) {
        self.model = model
        self.config = config
        optimizer = config.makeOptimizer()
        shuffleRNG = SeededRNG(seed: seed, stream: "shuffle")
    }

    /// One optimisation step on a batch; returns its mean loss.
    @discardableResult
    public func step(_ batch: SequenceBatch, labels: [Int]) -> Double {
        let parameters = model.parameters
        parameters.zeroGrad()
        let loss = model.accumulateGradients(batch, labels: labels)
        guard loss.isFinite else { return loss }
        if config.clip > 0 { clipGradientNorm(parameters, maxNorm: config.clip) }
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
            let improved = validation.accuracy > bestValidationAccuracy
            if improved {
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

    /// Puts the best validation epoch's weights back into the model.
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
            optimizer: optimizer.state(for: parameters))
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
        history = saved.history
        shuffleRNG = SeededRNG(state: saved.shuffleState)
        bestEpoch = saved.bestEpoch
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

    public init(history: [EpochRecord], shuffleState: UInt64, bestEpoch: Int, bestValidationAccuracy: Double,
                epochsWithoutImprovement: Int, bestWeights: [String: [Float]], optimizer: OptimizerState) {
        self.history = history; self.shuffleState = shuffleState; self.bestEpoch = bestEpoch
        self.bestValidationAccuracy = bestValidationAccuracy; self.epochsWithoutImprovement = epochsWithoutImprovement
        self.bestWeights = bestWeights; self.optimizer = optimizer
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
