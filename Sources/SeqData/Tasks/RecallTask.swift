import SeqTensor

/// Associative recall: a sequence binds `pairs` distinct keys to values, then asks for the value of one
/// of those keys; the class is that value.
///
/// Token ids (vocabulary `3 + keys + values`, padding 0):
///
///     0                  padding
///     1                  filler `·` (between and around the pairs)
///     2                  query marker `?`
///     3 ..< 3+keys       keys k0, k1, …
///     3+keys ..< vocab   values v0, v1, … (class c is value v_c)
///
/// A sequence of length L (drawn uniformly from `min_length...length`) is
///
///     · k7 v3 · · k2 v9 · k11 v3 · … · ? k2        → label 9
///
/// Its first L − 2 positions hold the `pairs` key–value pairs (each key immediately followed by its
/// value) at uniformly random non-overlapping places, filler everywhere else; the last two positions
/// are the query marker and one of the pair keys, chosen uniformly. Keys within a sequence are distinct
/// (so the answer is unique); values are drawn independently and uniformly, so several keys may share a
/// value and the classes are balanced. The pair holding the answer can be anywhere, so a model must keep
/// every binding until the query arrives.
public struct RecallTask: Sendable {
    /// Padded length T (longest sequence).
    public var length = 64
    /// Shortest sequence; equal to `length` for fixed-length data.
    public var minLength = 64
    /// Key vocabulary.
    public var keys = 16
    /// Value vocabulary = number of classes.
    public var values = 10
    /// Key–value pairs per sequence.
    public var pairs = 8
    public var trainSize = 8000, validationSize = 1000, testSize = 1000

    public init(length: Int = 64, minLength: Int? = nil, keys: Int = 16, values: Int = 10, pairs: Int = 8,
                trainSize: Int = 8000, validationSize: Int = 1000, testSize: Int = 1000) {
        self.length = length; self.minLength = minLength ?? length
        self.keys = keys; self.values = values; self.pairs = pairs
        self.trainSize = trainSize; self.validationSize = validationSize; self.testSize = testSize
    }

    public static let paddingID: Int32 = 0
    public static let fillerID: Int32 = 1
    public static let queryID: Int32 = 2
    /// Token id of key `k` (0-based).
    public func keyID(_ k: Int) -> Int32 { Int32(3 + k) }
    /// Token id of value `v` (0-based), whose class is `v`.
    public func valueID(_ v: Int) -> Int32 { Int32(3 + keys + v) }
    /// Vocabulary size including padding.
    public var vocab: Int { 3 + keys + values }

    /// Registry entry `recall`.
    public static let descriptor = TaskDescriptor(
        name: "recall",
        summary: "associative recall: `pairs` key-value pairs among filler, then `? key`; predict the key's value "
            + "(classes = values; ids 0 pad, 1 filler, 2 query, then keys, then values)",
        parameters: [
            TaskParameter("length", .int(64), "padded length T (longest sequence)", range: 4...Double(TaskParameter.maxLength)),
            TaskParameter("min_length", .int(0), "shortest sequence; 0 = length (all sequences full length)",
                          range: 0...Double(TaskParameter.maxLength)),
            TaskParameter("keys", .int(16), "key vocabulary (at least pairs: keys within a sequence are distinct)",
                          range: 1...1_000_000),
            TaskParameter("values", .int(10), "value vocabulary = number of classes (at least 2)", range: 2...100_000),
            TaskParameter("pairs", .int(8), "key-value pairs per sequence (needs min_length >= 2 * pairs + 2)",
                          range: 1...Double(TaskParameter.maxLength / 2)),
        ] + TaskParameter.splitSizes(train: 8000, validation: 1000, test: 1000),
        check: { config in
            let task = make(config)
            try task.validate()
            return TaskSize(train: task.trainSize, total: task.trainSize + task.validationSize + task.testSize,
                            length: task.length, vocab: task.vocab)
        }
    ) { config, seed in
        let task = make(config)
        try task.validate()
        return task.generate(seed: seed)
    }

    private static func make(_ config: TaskConfig) -> RecallTask {
        let minLength = config.int("min_length")
        return RecallTask(length: config.int("length"), minLength: minLength == 0 ? nil : minLength,
                          keys: config.int("keys"), values: config.int("values"), pairs: config.int("pairs"),
                          trainSize: config.int("train_size"), validationSize: config.int("val_size"),
                          testSize: config.int("test_size"))
    }

    /// Throws `TaskError.invalidValue` naming the first setting that makes the task impossible.
    public func validate() throws {
        func invalid(_ key: String, _ message: String) -> TaskError {
            TaskError.invalidValue(task: "recall", key: key, message: message)
        }
        if pairs < 1 { throw invalid("pairs", "must be at least 1, got \(pairs)") }
        if keys < pairs {
            throw invalid("keys", "must be at least pairs (\(pairs)): the keys of a sequence are distinct; got \(keys)")
        }
        if values < 2 { throw invalid("values", "must be at least 2 (it is the number of classes), got \(values)") }
        let shortest = 2 * pairs + 2
        if length < shortest {
            throw invalid("length", "must be at least 2 * pairs + 2 = \(shortest) (pairs, query marker, query key), got \(length)")
        }
        if minLength < shortest || minLength > length {
            throw invalid("min_length", "must be 0 (= length) or in \(shortest)...length (\(length)), "
                          + "where \(shortest) = 2 * pairs + 2; got \(minLength)")
        }
        if Int64(vocab) > Int64(Int32.max) { throw invalid("keys", "keys + values is too large") }
    }

    /// The three splits; call `validate()` first (invalid settings are a precondition failure here).
    public func generate(seed: UInt64) -> TaskData {
        precondition((try? validate()) != nil, "invalid recall settings")
        var rng = SeededRNG(seed: seed, stream: "data.recall")
        let T = length
        var keyPool = Array(0..<keys)
        var items = [Int](), chosen = [Int](repeating: 0, count: pairs)
        var pairKeys = [Int](repeating: 0, count: pairs), pairValues = [Int](repeating: 0, count: pairs)

        func split(_ n: Int) -> Dataset {
            var tokens = [Int32](repeating: Self.paddingID, count: n * T)
            var lengths = [Int](repeating: 0, count: n), labels = [Int](repeating: 0, count: n)
            for s in 0..<n {
                let L = minLength + rng.int(below: length - minLength + 1)
                // Distinct keys: a partial Fisher–Yates draw (uniform whatever order the pool is in).
                for i in 0..<pairs {
                    keyPool.swapAt(i, i + rng.int(below: keys - i))
                    pairKeys[i] = keyPool[i]
                    pairValues[i] = rng.int(below: values)
                }
                // The first L − 2 positions are `pairs` two-token blocks and L − 2 − 2·pairs fillers: choose
                // which of the (L − 2 − pairs) items are blocks, uniformly.
                let itemCount = L - 2 - pairs
                items.removeAll(keepingCapacity: true)
                items.append(contentsOf: 0..<itemCount)
                for i in 0..<pairs {
                    items.swapAt(i, i + rng.int(below: itemCount - i))
                    chosen[i] = items[i]
                }
                chosen.sort()
                var t = s * T, next = 0
                for item in 0..<itemCount {
                    if next < pairs && chosen[next] == item {
                        tokens[t] = keyID(pairKeys[next]); tokens[t + 1] = valueID(pairValues[next])
                        t += 2; next += 1
                    } else {
                        tokens[t] = Self.fillerID; t += 1
                    }
                }
                let asked = rng.int(below: pairs)
                tokens[t] = Self.queryID; tokens[t + 1] = keyID(pairKeys[asked])
                lengths[s] = L; labels[s] = pairValues[asked]
            }
            return Dataset(sequences: SequenceBatch(tokens: tokens, lengths: lengths, length: T), labels: labels)
        }
        let train = split(trainSize), validation = split(validationSize), test = split(testSize)
        return TaskData(train: train, validation: validation, test: test, classes: values, vocab: vocab, features: nil)
    }
}
