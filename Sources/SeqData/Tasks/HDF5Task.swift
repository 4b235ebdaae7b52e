import SeqHDF5
import SeqTensor

/// The user's own data from an HDF5 file (`path`). In an experiment config a relative path is relative to the
/// config file's folder (`ExperimentConfig` resolves it, also for `--set task.path=…`); where there is no
/// config file (`train`), relative to the working directory.
///
/// Layout (root group):
///
///     tokens    [N, T] integers, 0 = padding             — or —
///     features  [N, T, F] floats (float32 or float64)
///     lengths   [N] integers, each in 1...T              valid steps of each sequence
///     labels    [N] integers in 0..<C
///     split     [N] integers 0 train, 1 validation, 2 test   (optional: predefined splits)
///     class_names, vocabulary, attributes classes, vocab, tokenization, unknown_id   (optional: `HDF5DataNames`)
///
/// C is the number of class names, else the integer attribute `classes`, else max label + 1; the vocabulary
/// size V likewise (the vocabulary's entries, the integer attribute `vocab`, max token id + 1).
///
/// Without `split`, the examples are shuffled with the seed and the first round(N · test_fraction) become the
/// test split, the next round(N · val_fraction) the validation split, the rest training. Then, in both
/// cases, a split with more examples than its cap (`train_size`, `val_size`, `test_size`) keeps a random
/// subset of that size (drawn with the seed). Each split's examples stay in file order.
///
/// Only steps before each sequence's length are read as data: token ids and features there must be valid
/// (ids ≥ 0 and < V; finite features); steps past the length are padding and are set to 0.
///
/// Every problem is reported as one line naming the file and the dataset, e.g.
/// `task hdf5: data.h5: /lengths: sequence 7 has length 0; lengths must be in 1...64`. `size()` (the plan's
/// check, before anything is written) reads the shapes and the names, and checks the labels against the class
/// names; the rest is checked by `generate`.
public struct HDF5Task: Sendable {
    public var path = ""
    public var validationFraction = 0.1, testFraction = 0.1
    /// Caps on the split sizes.
    public var trainSize = 1_000_000_000, validationSize = 1_000_000_000, testSize = 1_000_000_000

    public init(path: String, validationFraction: Double = 0.1, testFraction: Double = 0.1,
                trainSize: Int = 1_000_000_000, validationSize: Int = 1_000_000_000, testSize: Int = 1_000_000_000) {
        self.path = path; self.validationFraction = validationFraction; self.testFraction = testFraction
        self.trainSize = trainSize; self.validationSize = validationSize; self.testSize = testSize
    }

    /// Registry entry `hdf5`.
    public static let descriptor = TaskDescriptor(
        name: "hdf5",
        summary: "your own data from the HDF5 file `path`: tokens [N,T] or features [N,T,F], lengths [N], labels [N], "
            + "optional split [N] (0/1/2), class_names [C] and vocabulary [V] (or string attributes classes, vocab)",
        parameters: [
            TaskParameter("path", .string(""), "HDF5 file with the data (relative to the config file's folder; with train, to the working directory)"),
            TaskParameter("val_fraction", .double(0.1), "share of examples for validation when the file has no split", range: 0...1),
            TaskParameter("test_fraction", .double(0.1), "share of examples for testing when the file has no split", range: 0...1),
        ] + TaskParameter.splitCaps(train: " (random subset)", validation: " (random subset)", test: " (random subset)"),
        check: { config in try make(config).size() }
    ) { config, seed in
        try make(config).generate(seed: seed)
    }

    private static func make(_ config: TaskConfig) -> HDF5Task {
        HDF5Task(path: config.string("path"), validationFraction: config.double("val_fraction"),
                 testFraction: config.double("test_fraction"), trainSize: config.int("train_size"),
                 validationSize: config.int("val_size"), testSize: config.int("test_size"))
    }

    /// Checks the settings and that the file is HDF5 with 2-D /tokens or 3-D /features, without reading
    /// the data; the size is an upper bound (all N examples, capped by the split sizes).
    public func size() throws -> TaskSize {
        try checkSettings()
        do {
            let file = try HDF5File.open(path)
            defer { try? file.close() }
            let root = file.root
            var found: (name: String, shape: [Int])?
            for name in ["tokens", "features"] where root.kind(of: name) != .none {
                guard root.kind(of: name) == .dataset else { throw bad("/" + name, "is a group; expected a dataset") }
                if found != nil { throw bad("/", "has both /tokens and /features; keep one") }
                found = (name, try root.datasetInfo(name).shape)
            }
            guard let found else { throw bad("/", "has neither /tokens [N, T] nor /features [N, T, F]") }
            let rank = found.name == "tokens" ? 2 : 3
            guard found.shape.count == rank, found.shape.allSatisfy({ $0 >= 0 }) else {
                throw bad("/" + found.name, "must be \(rank)-D, found shape \(describe(found.shape))")
            }
            let n = found.shape[0]
            let names = try HDF5DataNames.read(root, isTokens: rank == 2, fail: bad)
            // Labels beyond the declared classes are the usual mistake with names; the labels are small ([N]),
            // so they are checked here, before any results folder is written. Everything else in the data
            // is checked by `generate`.
            if let c = names.classes, root.kind(of: "labels") == .dataset, try root.datasetInfo("labels").shape == [n],
               let maxLabel = try root.read("labels", as: Int64.self).values.max(), maxLabel >= c {
                throw bad("/labels", "has label \(maxLabel) but " + names.classesDescription)
            }
            let train = min(trainSize, n)
            let total = train + min(validationSize, n) + min(testSize, n)
            return TaskSize(train: train, total: min(total, n), length: found.shape[1],
                            features: rank == 3 ? found.shape[2] : 1, vocab: rank == 2 ? names.vocab ?? 0 : 0)
        } catch let error as HDF5Error {
            throw TaskError.data("task hdf5: \(error)")
        }
    }

    private func checkSettings() throws {
        if path.isEmpty { throw invalid("path", "must name an HDF5 file (--task-set path=data.h5)") }
        for (key, f) in [("val_fraction", validationFraction), ("test_fraction", testFraction)] where !(f >= 0 && f < 1) {
            throw invalid(key, "must be in [0, 1), got \(f)")
        }
        if validationFraction + testFraction >= 1 {
            throw invalid("test_fraction", "plus val_fraction must be below 1, got \(validationFraction + testFraction)")
        }
    }

    private func invalid(_ key: String, _ message: String) -> TaskError {
        TaskError.invalidValue(task: "hdf5", key: key, message: message)
    }

    /// An error about one dataset (or `/` for the file) of the file.
    private func bad(_ object: String, _ message: String) -> TaskError {
        TaskError.data("task hdf5: \(path): \(object): \(message)")
    }

    /// Reads the data, checks it and splits it.
    public func generate(seed: UInt64) throws -> TaskData {
        try checkSettings()
        do {
            return try load(seed: seed)
        } catch let error as HDF5Error {
            throw TaskError.data("task hdf5: \(error)")
        }
    }

    private func load(seed: UInt64) throws -> TaskData {
        let file = try HDF5File.open(path)
        defer { try? file.close() }
        let root = file.root

        func info(_ name: String) throws -> (shape: [Int], type: String)? {
            switch root.kind(of: name) {
            case .none:
                // A soft or external link shows as `.none` but exists: opening it reports why it is refused.
                guard root.exists(name) else { return nil }
                let i = try root.datasetInfo(name); return (i.shape, i.typeDescription)
            case .group: throw bad("/" + name, "is a group; expected a dataset")
            case .dataset: let i = try root.datasetInfo(name); return (i.shape, i.typeDescription)
            }
        }
        func requireInteger(_ name: String, _ type: String) throws {
            if !(type.hasPrefix("int") || type.hasPrefix("uint")) {
                throw bad("/" + name, "must hold integers, found \(type)")
            }
        }

        // Inputs: exactly one of tokens and features.
        let tokensInfo = try info("tokens"), featuresInfo = try info("features")
        if tokensInfo != nil && featuresInfo != nil {
            throw bad("/", "has both /tokens and /features; keep one")
        }
        guard let inputInfo = tokensInfo ?? featuresInfo else {
            throw bad("/", "has neither /tokens [N, T] nor /features [N, T, F]")
        }
        let isTokens = tokensInfo != nil
        let inputName = isTokens ? "tokens" : "features"
        if isTokens {
            if inputInfo.shape.count != 2 { throw bad("/tokens", "must be 2-D [N, T], found shape \(describe(inputInfo.shape))") }
            try requireInteger("tokens", inputInfo.type)
        } else {
            if inputInfo.shape.count != 3 { throw bad("/features", "must be 3-D [N, T, F], found shape \(describe(inputInfo.shape))") }
            if !inputInfo.type.hasPrefix("float") { throw bad("/features", "must hold floats, found \(inputInfo.type)") }
        }
        let N = inputInfo.shape[0], T = inputInfo.shape[1], F = isTokens ? 1 : inputInfo.shape[2]
        if N == 0 { throw bad("/" + inputName, "holds no sequences (N = 0)") }
        if T == 0 { throw bad("/" + inputName, "has padded length T = 0") }
        if F == 0 { throw bad("/features", "has 0 features per step (F = 0)") }

        // lengths, labels, split: 1-D integers, one per sequence.
        func perSequence(_ name: String, required: Bool) throws -> [Int]? {
            guard let i = try info(name) else {
                if required { throw bad("/" + name, "is missing; expected [\(N)] integers") }
                return nil
            }
            if i.shape.count != 1 { throw bad("/" + name, "must be 1-D [N], found shape \(describe(i.shape))") }
            try requireInteger(name, i.type)
            if i.shape[0] != N {
                throw bad("/" + name, "has \(i.shape[0]) entries but /\(inputName) has \(N) sequences")
            }
            return try root.read(name, as: Int64.self).values.map { Int($0) }
        }
        let lengths = try perSequence("lengths", required: true)!
        let labels = try perSequence("labels", required: true)!
        let split = try perSequence("split", required: false)

        for (i, l) in lengths.enumerated() where l < 1 || l > T {
            throw bad("/lengths", "sequence \(i) has length \(l); lengths must be in 1...\(T) (T of /\(inputName))")
        }
        let names = try HDF5DataNames.read(root, isTokens: isTokens, fail: bad)
        let classes = try classCount(labels: labels, names: names)
        if let split, let i = split.firstIndex(where: { !(0...2).contains($0) }) {
            throw bad("/split", "sequence \(i) has split \(split[i]); expected 0 (train), 1 (validation) or 2 (test)")
        }

        // Inputs, checked on valid steps; padding steps zeroed.
        var input: SequenceBatch
        var vocab: Int?
        if isTokens {
            var ids = try root.read("tokens", as: Int64.self).values
            var maxID: Int64 = 0
            for n in 0..<N {
                for t in 0..<T {
                    let k = n * T + t
                    if t >= lengths[n] { ids[k] = 0; continue }
                    if ids[k] < 0 { throw bad("/tokens", "sequence \(n) step \(t) has token id \(ids[k]); ids must be 0 or more") }
                    maxID = max(maxID, ids[k])
                }
            }
            if maxID >= Int64(Int32.max) { throw bad("/tokens", "has token id \(maxID); ids must fit in int32") }
            if let v = names.vocab {
                if maxID >= Int64(v) {
                    throw bad("/tokens", "has token id \(maxID) but " + (names.vocabulary == nil ? "attribute vocab is \(v)"
                        : "the vocabulary (\(names.vocabularySource)) has \(v) entries, ids 0…\(v - 1)"))
                }
                vocab = v
            } else {
                vocab = Int(maxID) + 1
            }
            if vocab! < 2 { throw bad("/tokens", "holds only padding (id 0); a vocabulary needs at least 2 ids") }
            input = SequenceBatch(tokens: ids.map { Int32($0) }, lengths: lengths, length: T)
        } else {
            var x = try root.read("features", as: Float.self).values
            for n in 0..<N {
                for t in 0..<T {
                    for f in 0..<F {
                        let k = (n * T + t) * F + f
                        if t >= lengths[n] { x[k] = 0; continue }
                        if !x[k].isFinite {
                            throw bad("/features", "sequence \(n) step \(t) feature \(f) is \(x[k]); features must be finite")
                        }
                    }
                }
            }
            input = SequenceBatch(features: x, featureCount: F, lengths: lengths, length: T)
        }

        // Splits.
        var rng = SeededRNG(seed: seed, stream: "data.hdf5")
        var members: [[Int]]
        if let split {
            members = [[], [], []]
            for (i, s) in split.enumerated() { members[s].append(i) }
            for (s, name) in ["train (0)", "validation (1)", "test (2)"].enumerated() where members[s].isEmpty {
                throw bad("/split", "has no \(name) examples; every split needs at least one")
            }
        } else {
            var order = Array(0..<N)
            rng.shuffle(&order)
            let nTest = Int((Double(N) * testFraction).rounded()), nValidation = Int((Double(N) * validationFraction).rounded())
            members = [Array(order[(nTest + nValidation)...]), Array(order[nTest..<(nTest + nValidation)]), Array(order[..<nTest])]
            for (s, key) in ["train", "val_fraction", "test_fraction"].enumerated() where members[s].isEmpty {
                let what = ["training", "validation", "test"][s]
                throw bad("/" + inputName, "has \(N) sequences: \(key == "train" ? "the fractions leave" : "\(key) gives") "
                          + "no \(what) examples (\(N - nTest - nValidation) train / \(nValidation) validation / \(nTest) test)")
            }
        }
        for (s, cap) in [trainSize, validationSize, testSize].enumerated() {
            if members[s].count > cap {
                rng.shuffle(&members[s])
                members[s].removeSubrange(cap...)
            }
            members[s].sort()
        }
        func dataset(_ indices: [Int]) -> Dataset {
            Dataset(sequences: input.selecting(indices), labels: indices.map { labels[$0] })
        }
        return TaskData(train: dataset(members[0]), validation: dataset(members[1]), test: dataset(members[2]),
                        classes: classes, vocab: vocab, features: isTokens ? nil : F,
                        classNames: names.classNames, vocabulary: names.vocabulary)
    }

    /// C: the number of class names, else the attribute `classes`, else max label + 1; checks that every label
    /// is in 0..<C and that there are at least two classes.
    private func classCount(labels: [Int], names: HDF5DataNames) throws -> Int {
        if let i = labels.firstIndex(where: { $0 < 0 }) {
            throw bad("/labels", "sequence \(i) has label \(labels[i]); labels must be 0 or more")
        }
        guard let maxLabel = labels.max() else { return names.classes ?? 2 }
        if let c = names.classes {
            if maxLabel >= c { throw bad("/labels", "has label \(maxLabel) but " + names.classesDescription) }
            return c
        }
        if maxLabel < 1 {
            throw bad("/labels", "has only class 0; a classifier needs at least 2 classes (or set attribute classes)")
        }
        return maxLabel + 1
    }

    private func describe(_ shape: [Int]) -> String { "[" + shape.map(String.init).joined(separator: ", ") + "]" }
}
