import SeqModels
import SeqTensor

/// What a model says about N sequences: logits, probabilities, the predicted class and, for attention models,
/// the attention weights. The one place `predict`, `attention` and the report run a model on inputs.
public struct Predictions: Sendable {
    /// Number of classes C.
    public let classes: Int
    /// Padded length T of the sequences.
    public let length: Int
    /// Valid steps of each sequence.
    public let lengths: [Int]
    /// `[N, C]`, row-major.
    public let logits: [Float]
    /// Softmax of each row of `logits`, `[N, C]`.
    public let probabilities: [Float]
    /// The class with the largest logit (the first of equal ones), one per sequence.
    public let predicted: [Int]
    /// `[N, T]`, 0 on padding; nil for models without attention.
    public let attention: [Float]?

    /// Number of sequences N.
    public var count: Int { lengths.count }

    /// Runs `model` on `sequences` in batches of at most `batchSize` (inference only; nothing kept for backward).
    public init(model: any SequenceModel, sequences: SequenceBatch, batchSize: Int = 256) {
        let N = sequences.batchSize, C = model.config.classes, T = sequences.length
        var logits = [Float](), attention = [Float]()
        logits.reserveCapacity(N * C)
        for first in stride(from: 0, to: N, by: max(1, batchSize)) {
            let batch = sequences.selecting(Array(first..<min(first + max(1, batchSize), N)))
            logits += model.infer(batch).data
            if let a = model.attentionWeights { attention += a.data }
        }
        var probabilities = logits, predicted = [Int]()
        probabilities.withUnsafeMutableBufferPointer { p in
            for n in 0..<N {
                Elementwise.softmax(p.baseAddress! + n * C, count: C)
                var best = 0
                for c in 1..<C where logits[n * C + c] > logits[n * C + best] { best = c }
                predicted.append(best)
            }
        }
        self.classes = C; self.length = T; self.lengths = sequences.lengths
        self.logits = logits; self.probabilities = probabilities; self.predicted = predicted
        self.attention = attention.isEmpty ? nil : attention
    }

    /// The class probabilities of sequence `n`.
    public func probabilities(_ n: Int) -> ArraySlice<Float> { probabilities[(n * classes)..<((n + 1) * classes)] }

    /// The probability of sequence `n`'s predicted class.
    public func confidence(_ n: Int) -> Float { probabilities[n * classes + predicted[n]] }

    /// The `k` most probable classes of sequence `n`, most probable first (ties: the lower class index first).
    public func top(_ k: Int, of n: Int) -> [(index: Int, probability: Float)] {
        let p = probabilities(n)
        return (0..<classes).sorted { (p[p.startIndex + $0], -$0) > (p[p.startIndex + $1], -$1) }.prefix(k)
            .map { ($0, p[p.startIndex + $0]) }
    }

    /// The attention weights of sequence `n` over its valid steps (they sum to 1); nil without attention.
    public func attention(of n: Int) -> [Float]? {
        attention.map { Array($0[(n * length)..<(n * length + lengths[n])]) }
    }
}
