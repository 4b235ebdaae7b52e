import SeqModels
import SeqTensor

/// Small, deterministic inputs for model tests.
public enum Samples {
    /// Small sizes that exercise SIMD tails (hidden 6 is not a multiple of 16).
    public static func config(_ input: ModelConfig.InputKind, layers: Int) -> ModelConfig {
        ModelConfig(input: input, vocab: 7, embedDim: 5, features: 4, hidden: 6, layers: layers,
                    attentionDim: 5, classes: 3)
    }

    /// A batch of 4 sequences with lengths 5, 2, 4, 1 (unsorted, one full, one of length 1),
    /// padded to T = 5, with random content in the padding to prove it is ignored.
    public static func batch(for config: ModelConfig, lengths: [Int] = [5, 2, 4, 1], length: Int = 5,
                             seed: UInt64 = 7) -> SequenceBatch {
        var rng = SeededRNG(seed: seed, stream: "batch")
        let B = lengths.count
        switch config.input {
        case .tokens:
            let ids = (0..<(B * length)).map { _ in Int32(1 + rng.int(below: config.vocab - 1)) }
            return SequenceBatch(tokens: ids, lengths: lengths, length: length)
        case .dense:
            let x = (0..<(B * length * config.features)).map { _ in rng.normal() }
            return SequenceBatch(features: x, featureCount: config.features, lengths: lengths, length: length)
        }
    }

    public static func labels(count: Int, classes: Int, seed: UInt64 = 11) -> [Int] {
        var rng = SeededRNG(seed: seed, stream: "labels")
        return (0..<count).map { _ in rng.int(below: classes) }
    }
}
