import SeqTensor

/// A small built-in task: does token 1 occur in the sequence? Sequences of random tokens
/// 2..<vocab with lengths drawn from `minLength...length`; half of them get one token 1 at a random
/// valid position (label 1), the rest none (label 0). Generated from the seed only, so the same
/// seed gives the same data on every machine.
public struct ContainsTokenTask: Sendable {
    public var length = 20
    public var minLength = 5
    public var vocab = 12
    public var trainSize = 2000, validationSize = 300, testSize = 300

    public init(length: Int = 20, minLength: Int = 5, vocab: Int = 12,
                trainSize: Int = 2000, validationSize: Int = 300, testSize: Int = 300) {
        self.length = length; self.minLength = minLength; self.vocab = vocab
        self.trainSize = trainSize; self.validationSize = validationSize; self.testSize = testSize
    }

    /// Registry entry `contains`.
    public static let descriptor = TaskDescriptor(
        name: "contains",
        summary: "does token 1 occur in the sequence? (2 classes; tokens 2..<vocab elsewhere)",
        parameters: [
            TaskParameter("length", .int(20), "padded length T (longest sequence)", range: 1...Double(TaskParameter.maxLength)),
            TaskParameter("min_length", .int(5), "shortest sequence", range: 1...Double(TaskParameter.maxLength)),
            TaskParameter("vocab", .int(12), "vocabulary size including padding id 0 (at least 3)", range: 3...1_000_000),
        ] + TaskParameter.splitSizes(train: 2000, validation: 300, test: 300),
        check: { config in try make(config).validate().size }
    ) { config, seed in
        let task = make(config)
        try task.validate()
        return task.generate(seed: seed)
    }

    private static func make(_ config: TaskConfig) -> ContainsTokenTask {
        ContainsTokenTask(length: config.int("length"), minLength: config.int("min_length"),
                          vocab: config.int("vocab"), trainSize: config.int("train_size"),
                          validationSize: config.int("val_size"), testSize: config.int("test_size"))
    }

    /// Throws `TaskError.invalidValue` naming the first impossible setting.
    @discardableResult
    public func validate() throws -> Self {
        if vocab < 3 { throw TaskError.invalidValue(task: "contains", key: "vocab", message: "must be at least 3, got \(vocab)") }
        if minLength < 1 || minLength > length {
            throw TaskError.invalidValue(task: "contains", key: "min_length", message: "must be in 1...length (\(length)), got \(minLength)")
        }
        return self
    }

    /// The data's size, for the plan's estimate.
    public var size: TaskSize {
        TaskSize(train: trainSize, total: trainSize + validationSize + testSize, length: length, vocab: vocab)
    }

    public func generate(seed: UInt64) -> TaskData {
        precondition(vocab >= 3 && minLength >= 1 && minLength <= length)
        var rng = SeededRNG(seed: seed, stream: "data.contains")
        func split(_ n: Int) -> Dataset {
            var tokens = [Int32](repeating: 0, count: n * length)
            var lengths = [Int](), labels = [Int]()
            for s in 0..<n {
                let len = minLength + rng.int(below: length - minLength + 1)
                for t in 0..<len { tokens[s * length + t] = Int32(2 + rng.int(below: vocab - 2)) }
                let label = rng.int(below: 2)
                if label == 1 { tokens[s * length + rng.int(below: len)] = 1 }
                lengths.append(len); labels.append(label)
            }
            return Dataset(sequences: SequenceBatch(tokens: tokens, lengths: lengths, length: length), labels: labels)
        }
        return TaskData(train: split(trainSize), validation: split(validationSize), test: split(testSize),
                        classes: 2, vocab: vocab, features: nil)
    }
}
