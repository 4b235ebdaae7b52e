import SeqData
import SeqModels
import SeqStore
import SeqTensor
import SeqTrain

/// The compute cost of one run shape: FLOPs counted during a real forward and backward, memory, and
/// latency of inference and of a training step. Inputs are full-length synthetic sequences (the cost does
/// not depend on the values), and a fresh model is used so no trained weights change.
public enum RunMeasurements {
    /// A batch of `size` full-length sequences of `length` steps for `config`'s input kind.
    static func syntheticBatch(_ config: ModelConfig, size: Int, length: Int) -> (SequenceBatch, [Int]) {
        var rng = SeededRNG(seed: 0, stream: "measure")
        let lengths = [Int](repeating: length, count: size)
        let labels = (0..<size).map { $0 % config.classes }
        switch config.input {
        case .tokens:
            let ids = (0..<(size * length)).map { _ in Int32(1 + rng.int(below: config.vocab - 1)) }
            return (SequenceBatch(tokens: ids, lengths: lengths, length: length), labels)
        case .dense:
            let x = (0..<(size * length * config.features)).map { _ in rng.normal() }
            return (SequenceBatch(features: x, featureCount: config.features, lengths: lengths, length: length), labels)
        }
    }

    /// FLOPs and memory of `shape`, counted on one freshly built model.
    public static func cost(of shape: RunShape) throws -> ShapeCost {
        let model = try ModelRegistry.make(shape.model, config: shape.config, seed: 0)
        let (one, _) = syntheticBatch(shape.config, size: 1, length: shape.length)
        let forward = FlopCounter.measure { _ = model.infer(one) }
        let (batch, labels) = syntheticBatch(shape.config, size: shape.batchSize, length: shape.length)
        let step = FlopCounter.measure { model.accumulateGradients(batch, labels: labels) }
        let activations = model.activationBytes(lengths: [Int](repeating: shape.length, count: shape.batchSize),
                                                maxLength: shape.length)
        return ShapeCost(forwardPerSequence: forward, trainStep: step, parameters: model.parameterCount,
                         activationBytesTrainStep: activations)
    }

    /// Raw latency samples (ns) of every mode of `shape`, one mode after another (no interleaving).
    public static func latency(of shape: RunShape, train: TrainConfig, measure: MeasureConfig) throws -> [LatencyMode: [Int64]] {
        let bench = try LatencyBench(shape: shape, train: train, batchSizes: measure.batchSizes)
        var out: [LatencyMode: [Int64]] = [:]
        for (mode, body) in bench.modes {
            out[mode] = sampleLatency(warmup: measure.warmup, samples: measure.samples, maxSeconds: measure.maxSeconds, body)
        }
        return out
    }
}

/// What one shape costs, independent of weights and seed.
public struct ShapeCost: Sendable {
    /// One forward pass of a single full-length sequence.
    public var forwardPerSequence: FlopCount
    /// Forward, loss and backward on a whole batch.
    public var trainStep: FlopCount
    public var parameters: Int
    /// Activations a training step keeps for backward; nil when the model does not say.
    public var activationBytesTrainStep: Int?

    /// Records these figures as a run's metrics.
    public func record(into metrics: inout RunMetrics) {
        metrics[.macsForward] = Double(forwardPerSequence.macs)
        metrics[.flopsForward] = Double(forwardPerSequence.matmulFlops)
        metrics[.nonlinearForward] = Double(forwardPerSequence.nonlinearities)
        metrics[.macsTrainStep] = Double(trainStep.macs)
        metrics[.flopsTrainStep] = Double(trainStep.matmulFlops)
        metrics[.nonlinearTrainStep] = Double(trainStep.nonlinearities)
        // Parameters, their gradients and Adam's two moments: 4 float32 copies while training.
        metrics[.parameterBytes] = Double(4 * parameters)
        metrics[.activationBytesTrainStep] = activationBytesTrainStep.map(Double.init)
    }
}

/// The timed bodies of one shape, ready to sample: inference per batch size, then a full training step
/// (forward, loss, backward, clipping, optimizer update) at the training batch size. Held by the caller so
/// that measurements of several shapes can be interleaved.
public struct LatencyBench {
    public let modes: [(LatencyMode, () -> Void)]

    public init(shape: RunShape, train: TrainConfig, batchSizes: [Int]) throws {
        let model = try ModelRegistry.make(shape.model, config: shape.config, seed: 0)
        var modes: [(LatencyMode, () -> Void)] = []
        for size in batchSizes {
            let (batch, _) = RunMeasurements.syntheticBatch(shape.config, size: size, length: shape.length)
            modes.append((.infer(batch: size), { _ = model.infer(batch) }))
        }
        let trainer = Trainer(model: model, config: train, seed: 0)
        let (batch, labels) = RunMeasurements.syntheticBatch(shape.config, size: shape.batchSize, length: shape.length)
        modes.append((.train(batch: shape.batchSize), { trainer.step(batch, labels: labels) }))
        self.modes = modes
    }
}

extension RunMetrics {
    /// Counted matmul FLOPs of one call of `mode` (NaN before the cost was counted).
    public func flops(_ mode: LatencyMode) -> Double {
        mode.isTraining ? self[.flopsTrainStep] ?? .nan : (self[.flopsForward] ?? .nan) * Double(mode.batch)
    }
}

extension LatencyStats {
    /// Records this mode's summary figures (milliseconds, spread, throughput, GFLOP/s, from the FLOPs
    /// already recorded) as a run's metrics.
    public func record(_ mode: LatencyMode, into metrics: inout RunMetrics) {
        let flops = metrics.flops(mode)
        metrics[.p50Milliseconds, mode] = p50 / 1e6
        metrics[.p99Milliseconds, mode] = p99 / 1e6
        metrics[.spread, mode] = spread
        metrics[.sequencesPerSecond, mode] = Double(mode.batch) / (p50 / 1e9)
        metrics[.gflops, mode] = flops / p50
    }
}
