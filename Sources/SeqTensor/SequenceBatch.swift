/// A padded batch of variable-length sequences, as models consume it.
///
/// Dimension letters used throughout seqbench: B batch, T padded length, F features, E embedding
/// width, H hidden, A attention width, C classes, N = Σ lengths (packed rows).
public struct SequenceBatch: Sendable {
    /// The batch's inputs: token ids `[B, T]` (0 = padding) or dense features `[B, T, F]`.
    public enum Input: Sendable {
        case tokens([Int32])
        case features([Float], featureCount: Int)
    }

    public var input: Input
    /// Valid steps of each sequence, each in 1...length; positions at or past it are padding.
    public var lengths: [Int]
    /// Padded length T.
    public var length: Int

    public var batchSize: Int { lengths.count }

    public init(tokens: [Int32], lengths: [Int], length: Int) {
        precondition(tokens.count == lengths.count * length, "tokens must be [B, T] = [\(lengths.count), \(length)]")
        self.input = .tokens(tokens); self.lengths = lengths; self.length = length
        Self.checkLengths(lengths, length)
    }

    public init(features: [Float], featureCount: Int, lengths: [Int], length: Int) {
        precondition(features.count == lengths.count * length * featureCount,
                     "features must be [B, T, F] = [\(lengths.count), \(length), \(featureCount)]")
        self.input = .features(features, featureCount: featureCount); self.lengths = lengths; self.length = length
        Self.checkLengths(lengths, length)
    }

    private static func checkLengths(_ lengths: [Int], _ length: Int) {
        precondition(!lengths.isEmpty, "empty batch")
        for l in lengths { precondition(l >= 1 && l <= length, "sequence length \(l) outside 1...\(length)") }
    }

    /// The sub-batch of the given sequences, keeping the padded length.
    public func selecting(_ indices: [Int]) -> SequenceBatch {
        let T = length
        switch input {
        case .tokens(let ids):
            var out = [Int32](); out.reserveCapacity(indices.count * T)
            for b in indices { out.append(contentsOf: ids[(b * T)..<((b + 1) * T)]) }
            return SequenceBatch(tokens: out, lengths: indices.map { lengths[$0] }, length: T)
        case .features(let x, let F):
            var out = [Float](); out.reserveCapacity(indices.count * T * F)
            for b in indices { out.append(contentsOf: x[(b * T * F)..<((b + 1) * T * F)]) }
            return SequenceBatch(features: out, featureCount: F, lengths: indices.map { lengths[$0] }, length: T)
        }
    }
}
