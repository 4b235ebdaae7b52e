import SeqData
import SeqModels
import SeqTensor
import SeqTrain

/// The compute cost of one model configuration: FLOPs counted during a real forward and backward,
/// and latency of inference and of a training step. Inputs are full-length synthetic sequences
/// (the cost does not depend on the values), and a fresh model is used so no trained weights change.
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

    /// Counted FLOPs: one forward of a single sequence of `length` steps, and one training step
    /// (forward, loss, backward) on a batch of `batchSize` such sequences.
    public static func flops(model name: String, config: ModelConfig, length: Int, batchSize: Int) throws
        -> (forwardPerSequence: FlopCount, trainStep: FlopCount) {
        let model = try ModelRegistry.make(name, config: config, seed: 0)
        let (one, _) = syntheticBatch(config, size: 1, length: length)
        let forward = FlopCounter.measure { _ = model.infer(one) }
        let (batch, labels) = syntheticBatch(config, size: batchSize, length: length)
        let step = FlopCounter.measure {
            let logits = model.forward(batch)
            var d: Tensor? = Tensor(zeros: [0])
            _ = CrossEntropy.lossAndGradient(logits: logits, labels: labels, dlogits: &d)
            model.backward(d!)
        }
        return (forward, step)
    }

    /// Raw latency samples (ns) by mode: `infer_b<N>` for each batch size and `train_b<B>` for a full
    /// training step (forward, loss, backward, clipping, optimizer update) at the training batch size.
    public static func latency(model name: String, config: ModelConfig, train: TrainConfig, length: Int,
                               measure: MeasureConfig) throws -> [String: [Int64]] {
        let bench = try LatencyBench(model: name, config: config, train: train, length: length, batchSizes: measure.batchSizes)
        var out: [String: [Int64]] = [:]
        for (mode, body) in bench.modes {
            out[mode] = sampleLatency(warmup: measure.warmup, samples: measure.samples, maxSeconds: measure.maxSeconds, body)
        }
        return out
    }
}

/// The timed bodies of one model shape, ready to sample: inference per batch size and a training step.
/// Held by the caller so that measurements of several models can be interleaved.
public struct LatencyBench {
    /// (mode, body) in a fixed order: `infer_b<N>` for each batch size, then `train_b<B>`.
    public let modes: [(String, () -> Void)]

    public init(model name: String, config: ModelConfig, train: TrainConfig, length: Int, batchSizes: [Int]) throws {
        let model = try ModelRegistry.make(name, config: config, seed: 0)
        var modes: [(String, () -> Void)] = []
        for size in batchSizes {
            let (batch, _) = RunMeasurements.syntheticBatch(config, size: size, length: length)
            modes.append(("infer_b\(size)", { _ = model.infer(batch) }))
        }
        let trainer = Trainer(model: model, config: train, seed: 0)
        let (batch, labels) = RunMeasurements.syntheticBatch(config, size: train.batchSize, length: length)
        modes.append(("train_b\(train.batchSize)", { trainer.step(batch, labels: labels) }))
        self.modes = modes
    }
}
