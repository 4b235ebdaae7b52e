import SeqTensor

/// ListOps (Nangia & Bowman 2018; the Long Range Arena version): evaluate a nested prefix expression
/// over the digits 0–9; the class is its value.
///
///     [MAX 2 9 [MIN 4 7 ] 0 ]   = 9
///     [SM 5 6 7 ]               = 8      (sum mod 10)
///     [MED 1 2 9 ]              = 2
///     [MED 2 9 ]                = 5      (even count: ⌊(a + b) / 2⌋ of the two middle values)
///
/// `[MED` of an even number of values is the floor of the mean of the two middle ones, as LRA's
/// generator computes it (`int(np.median(values))`), not the lower-middle value.
///
/// Token ids (vocabulary 16): 0 padding, 1…10 the digits 0…9 (id = digit + 1), 11 `[MAX`, 12 `[MIN`,
/// 13 `[MED`, 14 `[SM`, 15 `]`.
///
/// Generation lands in the length range directly instead of LRA's rejection sampling (which almost never
/// produces long expressions with small depth and argument limits): a target length is drawn uniformly
/// from the lengths in `min_length...max_length` that an expression within the limits can have, then the
/// tree is built top-down, each operator taking 2…`max_args` arguments whose token budgets are drawn at
/// random among the splits that can still be completed (a table of reachable sizes per remaining depth
/// guarantees that). Operators and digits are uniform. `max_depth` is the deepest nesting of operators
/// (`[MAX 1 2 ]` has depth 1; LRA's `max_depth` counts the digit level too, so LRA's 10 is 9 here).
/// With `balance` (default) each split holds every class at most ⌈n / 10⌉ times (rejection sampling, then
/// the split is shuffled), so the classes are exactly balanced when n is a multiple of 10; without it the
/// values of these random expressions are already roughly uniform (e.g. 35…64 per class in 500).
public struct ListOpsTask: Sendable {
    public var maxDepth = 6
    public var maxArgs = 5
    public var minLength = 16
    public var maxLength = 128
    public var balance = true
    public var trainSize = 8000, validationSize = 1000, testSize = 1000

    public init(maxDepth: Int = 6, maxArgs: Int = 5, minLength: Int = 16, maxLength: Int = 128, balance: Bool = true,
                trainSize: Int = 8000, validationSize: Int = 1000, testSize: Int = 1000) {
        self.maxDepth = maxDepth; self.maxArgs = maxArgs; self.minLength = minLength; self.maxLength = maxLength
        self.balance = balance
        self.trainSize = trainSize; self.validationSize = validationSize; self.testSize = testSize
    }

    // MARK: Symbols

    public static let maxID: Int32 = 11, minID: Int32 = 12, medID: Int32 = 13, sumModID: Int32 = 14, closeID: Int32 = 15
    public static let vocab = 16
    public static let classes = 10
    /// Token id of a digit 0…9.
    public static func digitID(_ d: Int) -> Int32 { Int32(d + 1) }
    /// The symbol of each token id (index 0, padding, is "_").
    public static let symbols = ["_", "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "[MAX", "[MIN", "[MED", "[SM", "]"]

    /// Token ids of a space-separated expression such as `[MAX 2 9 ]`, or nil for an unknown symbol.
    public static func tokens(_ text: String) -> [Int32]? {
        var ids = [Int32]()
        for word in text.split(separator: " ") {
            guard let i = symbols.firstIndex(of: String(word)), i > 0 else { return nil }
            ids.append(Int32(i))
        }
        return ids
    }

    /// The expression of token ids as text (padding ids are skipped).
    public static func text<C: Collection>(_ tokens: C) -> String where C.Element == Int32 {
        tokens.filter { $0 > 0 && Int($0) < symbols.count }.map { symbols[Int($0)] }.joined(separator: " ")
    }

    /// The value of a complete expression, or nil when the tokens are not one well-formed expression
    /// (unknown id, unbalanced brackets, an operator without arguments, trailing tokens).
    public static func evaluate<C: Collection>(_ tokens: C) -> Int? where C.Element == Int32 {
        var stack = [Int]()      // argument values of all open operators, innermost last
        var frames = [(op: Int32, start: Int)]()
        var result: Int?
        var scratch = [Int]()
        for id in tokens {
            if result != nil { return nil }  // tokens after a complete expression
            switch id {
            case 1...10:
                if frames.isEmpty { result = Int(id) - 1 } else { stack.append(Int(id) - 1) }
            case maxID, minID, medID, sumModID:
                frames.append((id, stack.count))
            case closeID:
                guard let frame = frames.popLast(), stack.count > frame.start else { return nil }
                let args = stack[frame.start...]
                let value: Int
                switch frame.op {
                case maxID: value = args.max()!
                case minID: value = args.min()!
                case sumModID: value = args.reduce(0, +) % 10
                default:
                    scratch.removeAll(keepingCapacity: true)
                    scratch.append(contentsOf: args)
                    scratch.sort()
                    let m = scratch.count / 2
                    value = scratch.count % 2 == 1 ? scratch[m] : (scratch[m - 1] + scratch[m]) / 2
                }
                stack.removeSubrange(frame.start...)
                if frames.isEmpty { result = value } else { stack.append(value) }
            default:
                return nil
            }
        }
        return frames.isEmpty ? result : nil
    }

    // MARK: Registry

    /// Registry entry `listops`.
    public static let descriptor = TaskDescriptor(
        name: "listops",
        summary: "ListOps (LRA): value 0-9 of a nested [MAX/[MIN/[MED/[SM expression over digits "
            + "(ids 0 pad, 1-10 digits, 11 [MAX, 12 [MIN, 13 [MED, 14 [SM, 15 ])",
        parameters: [
            TaskParameter("max_depth", .int(6), "deepest operator nesting ([MAX 1 2 ] has depth 1)", range: 1...32),
            TaskParameter("max_args", .int(5), "most arguments of one operator (at least 2)", range: 2...32),
            TaskParameter("min_length", .int(16), "fewest tokens of an expression", range: 1...16384),
            TaskParameter("max_length", .int(128), "most tokens of an expression = padded length T", range: 1...16384),
            TaskParameter("balance", .bool(true), "at most ceil(n/10) examples per class in each split"),
        ] + TaskParameter.splitSizes(train: 8000, validation: 1000, test: 1000),
        check: { config in
            let task = make(config)
            try task.validate()
            return TaskSize(train: task.trainSize, total: task.trainSize + task.validationSize + task.testSize,
                            length: task.maxLength, vocab: 16)
        }
    ) { config, seed in
        try make(config).generate(seed: seed)
    }

    private static func make(_ config: TaskConfig) -> ListOpsTask {
        ListOpsTask(maxDepth: config.int("max_depth"), maxArgs: config.int("max_args"),
                    minLength: config.int("min_length"), maxLength: config.int("max_length"),
                    balance: config.bool("balance"), trainSize: config.int("train_size"),
                    validationSize: config.int("val_size"), testSize: config.int("test_size"))
    }

    /// Throws `TaskError.invalidValue` naming the first impossible setting.
    public func validate() throws {
        _ = try Sizes(self)
    }

    // MARK: Generation

    /// Which expression sizes (in tokens, up to `maxLength`) are reachable.
    struct Sizes {
        /// `node[h][n]`: an expression of n tokens with at most h nested operators exists.
        var node: [[Bool]]
        /// `sum[h][k][m]`: k expressions, each with at most h nested operators, can total m tokens.
        var sum: [[[Bool]]]
        /// Lengths in min_length...max_length that a whole expression can have.
        var targets: [Int]

        init(_ task: ListOpsTask) throws {
            func invalid(_ key: String, _ message: String) -> TaskError {
                TaskError.invalidValue(task: "listops", key: key, message: message)
            }
            let D = task.maxDepth, A = task.maxArgs, L = task.maxLength
            if D < 1 { throw invalid("max_depth", "must be at least 1, got \(D)") }
            if A < 2 { throw invalid("max_args", "must be at least 2 (operators take 2 or more arguments), got \(A)") }
            if L < 1 { throw invalid("max_length", "must be at least 1, got \(L)") }
            if L > 16384 { throw invalid("max_length", "must be at most 16384, got \(L)") }
            if task.minLength < 1 || task.minLength > L {
                throw invalid("min_length", "must be in 1...max_length (\(L)), got \(task.minLength)")
            }
            node = [[Bool](repeating: false, count: L + 1)]
            node[0][1] = true
            sum = []
            for h in 1...D {
                // k-fold sums of sizes reachable with h − 1 levels.
                let below = node[h - 1]
                var sums: [[Bool]] = [[], below]
                let belowSizes = (1...L).filter { below[$0] }
                var previous = Bits(below)
                for _ in 2...A {
                    // next = ∪ over reachable sizes b of (previous shifted by b): the Minkowski sum, on 64-bit words.
                    var next = Bits(count: L + 1)
                    for b in belowSizes { next.formUnion(previous, shiftedBy: b) }
                    sums.append(next.bools)
                    previous = next
                }
                sum.append(sums)
                var here = [Bool](repeating: false, count: L + 1)
                here[1] = true
                for k in 2...A { for m in 0...max(L - 2, 0) where sums[k][m] { here[m + 2] = true } }
                node.append(here)
            }
            let top = node[D]
            targets = (task.minLength...L).filter { top[$0] }
            if targets.isEmpty {
                throw invalid("min_length", "no expression with max_depth \(D) and max_args \(A) has "
                              + "\(task.minLength)...\(L) tokens; widen the range or raise the limits")
            }
        }
    }

    /// A fixed-size bit set over 0..<count (sizes up to max_length).
    struct Bits {
        var words: [UInt64]
        let count: Int
        init(count: Int) { self.count = count; words = [UInt64](repeating: 0, count: (count + 63) / 64) }
        init(_ bools: [Bool]) {
            self.init(count: bools.count)
            for (i, b) in bools.enumerated() where b { words[i >> 6] |= 1 << UInt64(i & 63) }
        }
        var bools: [Bool] { (0..<count).map { words[$0 >> 6] >> UInt64($0 & 63) & 1 == 1 } }
        /// self |= other << shift, dropping bits at or past `count`.
        mutating func formUnion(_ other: Bits, shiftedBy shift: Int) {
            let wordShift = shift >> 6, bitShift = UInt64(shift & 63)
            guard wordShift < words.count else { return }
            for i in stride(from: words.count - 1, through: wordShift, by: -1) {
                let j = i - wordShift
                var w = other.words[j] << bitShift
                if bitShift != 0 && j > 0 { w |= other.words[j - 1] >> (64 - bitShift) }
                words[i] |= w
            }
            let extra = words.count * 64 - count
            if extra > 0 { words[words.count - 1] &= ~UInt64(0) >> UInt64(extra) }
        }
    }

    /// Builds random expressions of a given token count; the reachable-size tables flattened for speed.
    struct Builder {
        let maxArgs: Int
        let width: Int          // max_length + 1
        let node: [Bool]        // node[h * width + n]
        let sum: [Bool]         // sum[(h * (maxArgs + 1) + k) * width + m]
        let maxSize: [Int]      // largest reachable size per h
        var options = [Int]()   // scratch: the admissible choices of one step
        var parts = [Int]()     // stack of argument sizes of the operators being built

        init(_ sizes: Sizes, maxArgs: Int) {
            self.maxArgs = maxArgs
            width = sizes.node[0].count
            node = sizes.node.flatMap { $0 }
            var flat = [Bool]()
            for level in sizes.sum {
                flat.append(contentsOf: [Bool](repeating: false, count: width))  // k = 0: unused
                for k in 1...maxArgs { flat.append(contentsOf: level[k]) }
            }
            sum = flat
            maxSize = sizes.node.map { level in level.lastIndex(of: true)! }
        }

        @inline(__always) func reachable(_ h: Int, _ n: Int) -> Bool { node[h * width + n] }
        @inline(__always) func sumReachable(_ h: Int, _ k: Int, _ m: Int) -> Bool { sum[(h * (maxArgs + 1) + k) * width + m] }

        /// Appends a random expression of exactly `n` tokens with at most `h` nested operators.
        mutating func build(_ n: Int, _ h: Int, _ rng: inout SeededRNG, _ out: inout [Int32]) {
            if n == 1 { out.append(digitID(rng.int(below: 10))); return }
            // Argument count: uniform among those that can fill n − 2 tokens.
            options.removeAll(keepingCapacity: true)
            for k in 2...maxArgs where sumReachable(h - 1, k, n - 2) { options.append(k) }
            let k = options[rng.int(below: options.count)]
            // Split n − 2 tokens into k argument sizes, each step keeping the rest completable; uniform among
            // the admissible sizes at each step, then the order shuffled.
            let base = parts.count
            var rest = n - 2
            for i in 0..<(k - 1) {
                let left = k - 1 - i  // arguments after this one
                // Uniform over the admissible sizes: rejection from the range the largest sizes allow (usually
                // almost all admissible), falling back to listing them.
                let largest = maxSize[h - 1]
                let low = max(1, rest - left * largest), high = min(rest - left, largest)
                var size = 0
                for _ in 0..<32 {
                    let s = low + rng.int(below: high - low + 1)
                    if reachable(h - 1, s) && sumReachable(h - 1, left, rest - s) { size = s; break }
                }
                if size == 0 {
                    options.removeAll(keepingCapacity: true)
                    for s in low...high where reachable(h - 1, s) && sumReachable(h - 1, left, rest - s) { options.append(s) }
                    size = options[rng.int(below: options.count)]
                }
                parts.append(size); rest -= size
            }
            parts.append(rest)
            for i in stride(from: k - 1, to: 0, by: -1) { parts.swapAt(base + i, base + rng.int(below: i + 1)) }
            out.append(maxID + Int32(rng.int(below: 4)))
            for j in 0..<k { build(parts[base + j], h - 1, &rng, &out) }
            out.append(closeID)
            parts.removeLast(k)
        }
    }

    /// The three splits; throws `TaskError.invalidValue` for impossible settings.
    public func generate(seed: UInt64) throws -> TaskData {
        let sizes = try Sizes(self)
        var builder = Builder(sizes, maxArgs: maxArgs)
        var rng = SeededRNG(seed: seed, stream: "data.listops")
        let T = maxLength
        var expression = [Int32]()
        expression.reserveCapacity(T)

        func split(_ n: Int) throws -> Dataset {
            var tokens = [Int32](repeating: 0, count: n * T)
            var lengths = [Int](), labels = [Int]()
            lengths.reserveCapacity(n); labels.reserveCapacity(n)
            let quota = (n + Self.classes - 1) / Self.classes
            var perClass = [Int](repeating: 0, count: Self.classes)
            var attempts = 0
            while labels.count < n {
                attempts += 1
                if attempts > 1000 * n + 10_000 {
                    throw TaskError.data("listops: could not balance the classes (\(perClass) after \(attempts) expressions); "
                                         + "set balance=false or change the length range")
                }
                expression.removeAll(keepingCapacity: true)
                let target = sizes.targets[rng.int(below: sizes.targets.count)]
                builder.build(target, maxDepth, &rng, &expression)
                guard let label = Self.evaluate(expression), expression.count == target else {
                    preconditionFailure("listops generator produced a malformed expression: \(Self.text(expression))")
                }
                if balance && perClass[label] >= quota { continue }
                perClass[label] += 1
                let row = labels.count * T
                for (t, id) in expression.enumerated() { tokens[row + t] = id }
                lengths.append(expression.count); labels.append(label)
            }
            // Rejection fills the rare classes last; shuffle so no class clusters at the end of a split.
            var order = Array(0..<n)
            rng.shuffle(&order)
            let sequences = SequenceBatch(tokens: tokens, lengths: lengths, length: T).selecting(order)
            return Dataset(sequences: sequences, labels: order.map { labels[$0] })
        }
        let train = try split(trainSize), validation = try split(validationSize), test = try split(testSize)
        return TaskData(train: train, validation: validation, test: test, classes: Self.classes, vocab: Self.vocab,
                        features: nil)
    }
}
