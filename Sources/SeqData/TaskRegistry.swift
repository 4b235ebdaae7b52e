import SeqTensor

/// One setting a task accepts, with its default.
public struct TaskParameter: Sendable {
    public let name: String
    public let defaultValue: ConfigValue
    public let help: String
    public init(_ name: String, _ defaultValue: ConfigValue, _ help: String) {
        self.name = name; self.defaultValue = defaultValue; self.help = help
    }

    /// The split sizes every task takes.
    public static func splitSizes(train: Int, validation: Int, test: Int) -> [TaskParameter] {
        [TaskParameter("train_size", .int(train), "training examples"),
         TaskParameter("val_size", .int(validation), "validation examples"),
         TaskParameter("test_size", .int(test), "test examples")]
    }
}

/// A task and its fully resolved settings: what a checkpoint stores to rebuild the data.
public struct TaskConfig: Codable, Equatable, Sendable {
    public var name: String
    public var parameters: [String: ConfigValue]

    public init(name: String, parameters: [String: ConfigValue]) { self.name = name; self.parameters = parameters }

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

    public init(name: String, summary: String, parameters: [TaskParameter],
                generate: @escaping @Sendable (TaskConfig, UInt64) throws -> TaskData) {
        self.name = name; self.summary = summary; self.parameters = parameters; self.generate = generate
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
        return TaskConfig(name: name, parameters: values)
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
