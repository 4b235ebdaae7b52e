import SeqData
import SeqStore

/// A checkpoint's attention on its own test split: the per-class statistics and a few examples to draw.
/// What `seqbench attention --test-split` prints and the report's attention section shows.
public struct AttentionProbe: Sendable {
    public let statistics: AttentionStatistics
    /// A few test sequences (one per class in turn), for `SVGPlot.attentionHeatmap`.
    public let examples: [AttentionHeatmapRow]

    /// Regenerates the test split from the checkpoint's stored task config and runs the model on it. Throws
    /// one line naming the checkpoint when its model has no attention.
    public init(_ loaded: LoadedCheckpoint, examples exampleCount: Int = 8) throws {
        let data = try loaded.taskData()
        let test = data.test
        let predictions = Predictions(model: loaded.model, sequences: test.sequences, batchSize: loaded.config.train.batchSize)
        guard predictions.attention != nil else { throw Self.noAttention(loaded) }
        // The checkpoint keeps the data's class names; the set falls back to class indices without them.
        let set = PredictionSet(predictions: predictions, inputs: nil, loaded: loaded)
        let names = (0..<predictions.classes).map(set.className)
        let weights = (0..<test.count).map { predictions.attention(of: $0)! }
        statistics = AttentionStatistics(weights: weights, labels: test.labels, classNames: names)

        // Examples: the first test sequence of each class, then the second of each, … (a class mix, not
        // whatever class the split happens to start with).
        var byClass = Array(repeating: [Int](), count: names.count)
        for (n, label) in test.labels.enumerated() { byClass[label].append(n) }
        var chosen: [Int] = []
        for k in 0..<(byClass.map(\.count).max() ?? 0) where chosen.count < exampleCount {
            for members in byClass where k < members.count && chosen.count < exampleCount { chosen.append(members[k]) }
        }
        let vocabulary = loaded.checkpoint.vocabulary
        examples = chosen.map { n in
            let length = test.sequences.lengths[n]
            let tokens: [String]
            if case .tokens(let ids) = test.sequences.input {
                tokens = (0..<length).map { t in
                    let id = Int(ids[n * test.sequences.length + t])
                    return vocabulary.map { id < $0.count ? $0.tokens[id] : String(id) } ?? String(id)
                }
            } else {
                tokens = (0..<length).map { String($0 + 1) }   // dense input: the step's position
            }
            return AttentionHeatmapRow(set, sequence: n, label: "test #\(n): \(names[test.labels[n]])", tokens: tokens)!
        }
    }

    /// The error for a checkpoint whose model computes no attention weights.
    public static func noAttention(_ loaded: LoadedCheckpoint) -> StoreError {
        StoreError(file: loaded.path, "model \(loaded.config.model) has no attention layer; attention weights exist only for attention models "
                   + "(e.g. bilstm_attention)")
    }
}

extension AttentionHeatmapRow {
    /// Sequence `n` of `set` as a heatmap row: `label`, the prediction as the detail (`→ spanish 0.98`), and
    /// its attention weights over `tokens` (one per valid step); nil when the model has no attention.
    public init?(_ set: PredictionSet, sequence n: Int, label: String, tokens: [String]) {
        guard let weights = set.predictions.attention(of: n) else { return nil }
        self.init(label: label, detail: set.verdict(n), tokens: tokens, weights: weights.map(Double.init))
    }
}
