import SeqTensor

/// One split of a classification task: padded sequences and one label each.
public struct Dataset: Sendable {
    /// All sequences of the split, padded to one length.
    public var sequences: SequenceBatch
    /// Class of each sequence, in 0..<classes.
    public var labels: [Int]

    public init(sequences: SequenceBatch, labels: [Int]) {
        precondition(sequences.batchSize == labels.count, "one label per sequence")
        self.sequences = sequences; self.labels = labels
    }

    public var count: Int { labels.count }

    /// The mini-batch of the given examples.
    public func batch(_ indices: [Int]) -> (SequenceBatch, [Int]) {
        (sequences.selecting(indices), indices.map { labels[$0] })
    }

    /// Consecutive mini-batches of at most `size` examples, in order.
    public func batches(of size: Int) -> [[Int]] {
        stride(from: 0, to: count, by: size).map { Array($0..<min($0 + size, count)) }
    }
}

/// A task's three splits and what a model needs to know about its inputs.
public struct TaskData: Sendable {
    public var train: Dataset, validation: Dataset, test: Dataset
    /// Number of classes.
    public var classes: Int
    /// Token vocabulary including padding id 0, for token tasks; nil for dense tasks.
    public var vocab: Int?
    /// Features per step, for dense tasks; nil for token tasks.
    public var features: Int?
    /// The name of each class, when the data has them (`classNames.count == classes`).
    public var classNames: [String]?
    /// The text of each token id, when the data has it (`vocabulary.count == vocab`).
    public var vocabulary: TextVocabulary?

    public init(train: Dataset, validation: Dataset, test: Dataset, classes: Int, vocab: Int?, features: Int?,
                classNames: [String]? = nil, vocabulary: TextVocabulary? = nil) {
        precondition(classNames.map { $0.count == classes } ?? true, "one name per class")
        precondition(vocabulary.map { $0.count == vocab } ?? true, "one vocabulary entry per token id")
        self.train = train; self.validation = validation; self.test = test
        self.classes = classes; self.vocab = vocab; self.features = features
        self.classNames = classNames; self.vocabulary = vocabulary
    }
}
