import SeqTensor

/// One setting a task accepts, with its default.
public struct TaskParameter: Sendable {
    public let name: String
    public let defaultValue: ConfigValue
    public let help: String
    /// The allowed values of a number setting (both ends included), checked by `TaskRegistry.resolve`.
    public let range: ClosedRange<Double>?
    public init(_ name: String, _ defaultValue: ConfigValue, _ help: String, range: ClosedRange<Double>? = nil) {
        self.name = name; self.defaultValue = defaultValue; self.help = help; self.range = range
    }

    /// The most examples of one split (train_size, val_size, test_size): 10^8.
    public static let maxSplitSize = 100_000_000
    /// The longest padded sequence a task may ask for: 10^6.
    public static let maxLength = 1_000_000

    /// The split sizes every task takes.
    public static func splitSizes(train: Int, validation: Int, test: Int) -> [TaskParameter] {
        let r = 1...Double(maxSplitSize)
        return [TaskParameter("train_size", .int(train), "training examples", range: r),
                TaskParameter("val_size", .int(validation), "validation examples", range: r),
                TaskParameter("test_size", .int(test), "test examples", range: r)]
    }

    /// The caps on the split sizes of a task whose data has its own size (train_size, val_size, test_size, default
    /// unlimited): "at most this many … examples", each help followed by the note given for its split, e.g. " (random subset)".
    public static func splitCaps(train: String = "", validation: String = "", test: String = "") -> [TaskParameter] {
        let r = 1...Double(maxSplitSize)
        return [TaskParameter("train_size", .int(maxSplitSize), "at most this many training examples" + train, range: r),
                TaskParameter("val_size", .int(maxSplitSize), "at most this many validation examples" + validation, range: r),
                TaskParameter("test_size", .int(maxSplitSize), "at most this many test examples" + test, range: r)]
    }

    /// The range as `seqbench list tasks` says it, e.g. `1…100000000`; nil without one.
    public var rangeSummary: String? {
        guard let r = range else { return nil }
        func f(_ v: Double) -> String { v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : String(v) }
        return "\(f(r.lowerBound))…\(f(r.upperBound))"
    }
}

/// How big a task's data is, for the plan's work and memory estimate (upper bounds where unknown).
public struct TaskSize: Equatable, Sendable {
    /// Training examples (one epoch).
    public var train: Int
    /// Examples of all three splits.
    public var total: Int
    /// Padded length T.
    public var length: Int
    /// Input values per step (1 for tokens).
    public var features: Int
    /// Vocabulary (token tasks; 0 for features).
    public var vocab: Int
    public init(train: Int, total: Int, length: Int, features: Int = 1, vocab: Int = 0) {
        self.train = train; self.total = total; self.length = length; self.features = features; self.vocab = vocab
    }
}

/// A task and its fully resolved settings: what a checkpoint stores to rebuild the data.
public struct TaskConfig: Codable, Equatable, Sendable {
    public var name: String
    public var parameters: [String: ConfigValue]

    public init(name: String, parameters: [String: ConfigValue]) { self.name = name; self.parameters = parameters }

    /// One string per distinct config (name and sorted settings), for sets of configs.
    public var key: String {
        ([name] + parameters.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }).joined(separator: "\u{1F}")
    }

    /// Integer setting; the registry has already checked that it exists and has this type.
    public func int(_ key: String) -> Int {
        guard case .int(let v)? = parameters[key] else { preconditionFailure("task \(name): '\(key)' is not an integer") }
        return v
    }
    public func double(_ key: String) -> Double {
        switch parameters[key] {
        case .double(let v)?: return v
        case .int(let v)?: return Double(v)
        default: preconditionFailure("task \(name): '\(key)' is not a number")
        }
    }
    public func string(_ key: String) -> String {
        guard case .string(let v)? = parameters[key] else { preconditionFailure("task \(name): '\(key)' is not a string") }
        return v
    }
    public func bool(_ key: String) -> Bool {
        guard case .bool(let v)? = parameters[key] else { preconditionFailure("task \(name): '\(key)' is not a boolean") }
        return v
    }

    // Encoded flat, as in config files: {"name": "contains", "length": 20, …}.
    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: Key.self)
        name = try c.decode(String.self, forKey: Key(stringValue: "name"))
        var p: [String: ConfigValue] = [:]
        for k in c.allKeys where k.stringValue != "name" { p[k.stringValue] = try c.decode(ConfigValue.self, forKey: k) }
        parameters = p
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(name, forKey: Key(stringValue: "name"))
        for (k, v) in parameters.sorted(by: { $0.key < $1.key }) { try c.encode(v, forKey: Key(stringValue: k)) }
    }
}

/// How to make one kind of task: a registry entry.
public struct TaskDescriptor: NamedEntry {
    public let name: String
    public let summary: String
    public let parameters: [TaskParameter]
    /// Builds the three splits from resolved settings and a seed; deterministic.
    public let generate: @Sendable (TaskConfig, UInt64) throws -> TaskData
    /// Cheap checks of resolved settings that `generate` would otherwise fail on only when a run starts
    /// (impossible combinations, an unreadable data file), returning the data's size; nil: the size is
    /// read from the usual settings (`train_size`, `val_size`, `test_size`, `length` or `max_length`).
    public let check: (@Sendable (TaskConfig) throws -> TaskSize)?

    public init(name: String, summary: String, parameters: [TaskParameter],
                check: (@Sendable (TaskConfig) throws -> TaskSize)? = nil,
                generate: @escaping @Sendable (TaskConfig, UInt64) throws -> TaskData) {
        self.name = name; self.summary = summary; self.parameters = parameters; self.check = check
        self.generate = generate
    }
}

/// Errors in task settings or data.
public enum TaskError: Error, Equatable, CustomStringConvertible {
    case unknownTask(String, known: [String])
    case unknownParameter(task: String, key: String, known: [String])
    case wrongType(task: String, key: String, expected: String, got: String)
    case invalidValue(task: String, key: String, message: String)
    case data(String)

    public var description: String {
        switch self {
        case .unknownTask(let name, let known):
            return "unknown task '\(name)'; expected one of: \(known.joined(separator: ", "))"
        case .unknownParameter(let task, let key, let known):
            let hint = nearest(key, in: known).map { " (did you mean '\($0)'?)" } ?? ""
            return "task \(task) has no setting '\(key)'\(hint); it takes: \(known.joined(separator: ", "))"
        case .wrongType(let task, let key, let expected, let got):
            func article(_ w: String) -> String { (w.first.map { "aeiou".contains($0) } ?? false ? "an " : "a ") + w }
            return "task \(task): '\(key)' must be \(article(expected)), got \(article(got))"
        case .invalidValue(let task, let key, let message):
            return "task \(task): '\(key)' \(message)"
        case .data(let message):
            return message
        }
    }
}

/// The tasks seqbench knows; packages outside seqbench add theirs with `register`.
public enum TaskRegistry {
    static let builtIn: [TaskDescriptor] = [
        ContainsTokenTask.descriptor,
        RecallTask.descriptor,
        ListOpsTask.descriptor,
        LanguageIDTask.descriptor,
        HDF5Task.descriptor,
    ]

    private static let registry = NamedRegistry(builtIn)

    /// Every registered task, built-ins first, in registration order.
    public static var all: [TaskDescriptor] { registry.all }
    public static var names: [String] { registry.names }

    /// Adds a task (or replaces one of the same name).
    public static func register(_ descriptor: TaskDescriptor) { registry.register(descriptor) }

    /// The entry for `name`, or an error listing the valid names.
    public static func descriptor(named name: String) throws -> TaskDescriptor {
        guard let d = registry.entry(named: name) else { throw TaskError.unknownTask(name, known: names) }
        return d
    }

    /// Defaults of task `name` overridden by `settings`, each checked against the task's parameters.
    public static func resolve(_ name: String, settings: [String: ConfigValue] = [:]) throws -> TaskConfig {
        let d = try descriptor(named: name)
        var values = Dictionary(uniqueKeysWithValues: d.parameters.map { ($0.name, $0.defaultValue) })
        for (key, value) in settings {
            guard let p = d.parameters.first(where: { $0.name == key }) else {
                throw TaskError.unknownParameter(task: name, key: key, known: d.parameters.map(\.name))
            }
            guard let v = value.converted(like: p.defaultValue) else {
                throw TaskError.wrongType(task: name, key: key, expected: p.defaultValue.typeName, got: value.typeName)
            }
            values[key] = v
        }
        for size in ["train_size", "val_size", "test_size"] {
            if case .int(let n)? = values[size], n <= 0 {
                throw TaskError.invalidValue(task: name, key: size, message: "must be a positive integer, got \(n)")
            }
        }
        for p in d.parameters {
            guard let range = p.range, let v = values[p.name] else { continue }
            let x: Double
            switch v { case .int(let i): x = Double(i); case .double(let f): x = f; default: continue }
            guard x.isFinite, range.contains(x) else {
                throw TaskError.invalidValue(task: name, key: p.name, message: "must be in \(p.rangeSummary ?? ""), got \(v)")
            }
        }
        return TaskConfig(name: name, parameters: values)
    }

    /// Resolves `config` and runs the task's cheap checks, without generating data: what a plan calls for
    /// every distinct task config before anything is written. Returns the data's size.
    public static func check(_ config: TaskConfig) throws -> TaskSize {
        let resolved = try resolve(config.name, settings: config.parameters)
        let d = try descriptor(named: config.name)
        if let check = d.check { return try check(resolved) }
        func int(_ key: String) -> Int? { if case .int(let v)? = resolved.parameters[key] { return v } else { return nil } }
        let train = int("train_size") ?? 1
        let total = [train, int("val_size") ?? 0, int("test_size") ?? 0].reduce(0) { a, b in
            let (sum, overflow) = a.addingReportingOverflow(b); return overflow ? Int.max : sum
        }
        return TaskSize(train: train, total: total, length: int("length") ?? int("max_length") ?? 1,
                        vocab: int("vocab") ?? 0)
    }

    /// Resolves (checking every setting again, so a stored config is validated too) and generates.
    public static func generate(_ config: TaskConfig, seed: UInt64) throws -> TaskData {
        let resolved = try resolve(config.name, settings: config.parameters)
        return try descriptor(named: config.name).generate(resolved, seed)
    }
}

/// The candidate closest to `key` by edit distance, when it is close enough to be a likely typo.
public func nearest(_ key: String, in candidates: [String]) -> String? {
    func distance(_ a: [Character], _ b: [Character]) -> Int {
        var row = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var previous = row[0]
            row[0] = i
            for j in 1...max(b.count, 1) where !b.isEmpty {
                let saved = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
                previous = saved
            }
        }
        return row[b.count]
    }
    let k = Array(key)
    let scored = candidates.map { ($0, distance(k, Array($0))) }.min { $0.1 < $1.1 }
    guard let (best, d) = scored, d <= max(2, key.count / 3) else { return nil }
    return best
}
