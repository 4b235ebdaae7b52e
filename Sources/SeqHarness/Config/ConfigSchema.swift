import SeqData
import SeqModels
import SeqTensor

/// A value of a config key: one scalar or a list of scalars.
public enum SettingValue: Equatable, Sendable, CustomStringConvertible {
    case scalar(ConfigValue)
    case list([ConfigValue])

    public var description: String {
        switch self {
        case .scalar(let v): return v.description
        case .list(let vs): return "[" + vs.map(\.description).joined(separator: ", ") + "]"
        }
    }
}

/// A setting and where it was written, for error messages ("x.yaml:7", "--set train.lr=0.1").
struct Setting: Equatable {
    var value: SettingValue
    var origin: String
}

/// A config problem, as one line naming the file (and line) or the override at fault.
public struct ConfigError: Error, CustomStringConvertible, Equatable {
    public let origin: String
    public let message: String
    public init(_ origin: String, _ message: String) { self.origin = origin; self.message = message }
    public var description: String { origin.isEmpty ? message : "\(origin): \(message)" }
}

/// The experiment config's keys (README.md, "Experiment configs"): type, allowed range and default of each.
/// `task.<setting>` keys are checked against the chosen task's own parameters.
enum ConfigSchema {
    enum Kind: Equatable {
        case int(min: Int)
        case number(min: Double, inclusive: Bool)
        case string
        case choice([String])
        case intList(min: Int)
        case stringList
    }

    struct Key {
        let path: String
        let kind: Kind
        let defaultValue: SettingValue?
        let help: String
    }

    static let keys: [Key] = [
        Key(path: "name", kind: .string, defaultValue: nil, help: "experiment name: results go to Results/<name>/"),
        Key(path: "task.name", kind: .string, defaultValue: nil, help: "task (seqbench list tasks)"),
        Key(path: "model.embed_dim", kind: .int(min: 1), defaultValue: .scalar(.int(32)), help: "embedding width (token tasks)"),
        Key(path: "model.hidden", kind: .int(min: 1), defaultValue: .scalar(.int(128)), help: "hidden units per direction"),
        Key(path: "model.layers", kind: .int(min: 1), defaultValue: .scalar(.int(1)), help: "stacked recurrent layers"),
        Key(path: "model.attention_dim", kind: .int(min: 1), defaultValue: .scalar(.int(128)), help: "attention width (attention models)"),
        Key(path: "models", kind: .stringList, defaultValue: nil, help: "models to compare; entries may override model.* keys"),
        Key(path: "train.epochs", kind: .int(min: 1), defaultValue: .scalar(.int(20)), help: "maximum epochs"),
        Key(path: "train.batch_size", kind: .int(min: 1), defaultValue: .scalar(.int(32)), help: "mini-batch size"),
        Key(path: "train.optimizer", kind: .choice(["adam", "sgd"]), defaultValue: .scalar(.string("adam")), help: "adam or sgd"),
        Key(path: "train.lr", kind: .number(min: 0, inclusive: false), defaultValue: .scalar(.double(0.002)), help: "learning rate"),
        Key(path: "train.clip", kind: .number(min: 0, inclusive: true), defaultValue: .scalar(.double(1)), help: "global gradient-norm clip; 0 = off"),
        Key(path: "train.patience", kind: .int(min: 0), defaultValue: .scalar(.int(3)), help: "early stopping on validation accuracy; 0 = off"),
        Key(path: "train.momentum", kind: .number(min: 0, inclusive: true), defaultValue: .scalar(.double(0)), help: "SGD momentum"),
        Key(path: "seeds", kind: .intList(min: 0), defaultValue: .list([.int(1)]), help: "one run per seed"),
        Key(path: "measure.latency.batch_sizes", kind: .intList(min: 1), defaultValue: .list([.int(1), .int(32)]), help: "inference batch sizes to time"),
        Key(path: "measure.latency.warmup", kind: .int(min: 0), defaultValue: .scalar(.int(10)), help: "untimed iterations first"),
        Key(path: "measure.latency.samples", kind: .int(min: 1), defaultValue: .scalar(.int(100)), help: "timed iterations (at most)"),
        Key(path: "measure.latency.max_seconds", kind: .number(min: 0, inclusive: false), defaultValue: .scalar(.double(2)), help: "time budget per measurement"),
        Key(path: "threads", kind: .int(min: 1), defaultValue: .scalar(.int(ComputeThreads.cores)), help: "compute threads"),
    ]

    static func key(_ path: String) -> Key? { keys.first { $0.path == path } }

    /// Every valid path for a task, for suggestions.
    static func allPaths(task: TaskDescriptor?) -> [String] {
        keys.map(\.path) + (task?.parameters.map { "task." + $0.name } ?? []) + ["sweep"]
    }

    /// Checks and normalises a value for `kind` (integers are accepted where numbers are expected).
    static func check(_ value: SettingValue, as kind: Kind, path: String, origin: String) throws -> SettingValue {
        func fail(_ expected: String) -> ConfigError {
            ConfigError(origin, "'\(path)' must be \(expected), got \(value)")
        }
        switch (kind, value) {
        case (.int(let min), .scalar(.int(let v))):
            guard v >= min else { throw fail(min == 1 ? "a positive integer" : "an integer ≥ \(min)") }
            return value
        case (.int(let min), _): throw fail(min == 1 ? "a positive integer" : "an integer ≥ \(min)")
        case (.number(let min, let inclusive), .scalar(let v)):
            let d: Double
            switch v { case .int(let i): d = Double(i); case .double(let x): d = x; default: throw fail("a number") }
            guard d.isFinite, inclusive ? d >= min : d > min else { throw fail(inclusive ? "a number ≥ \(min)" : "a number > \(min)") }
            return .scalar(.double(d))
        case (.number, _): throw fail("a number")
        case (.string, .scalar(.string)): return value
        case (.string, _): throw fail("a string")
        case (.choice(let options), .scalar(.string(let s))):
            guard options.contains(s) else { throw fail("one of \(options.joined(separator: ", "))") }
            return value
        case (.choice(let options), _): throw fail("one of \(options.joined(separator: ", "))")
        case (.intList(let min), .list(let items)):
            guard !items.isEmpty else { throw fail("a non-empty list of integers") }
            for item in items {
                guard case .int(let v) = item, v >= min else { throw fail("a list of integers ≥ \(min)") }
            }
            return value
        case (.intList(let min), .scalar(.int(let v))) where v >= min: return .list([.int(v)])
        case (.intList, _): throw fail("a non-empty list of integers")
        case (.stringList, .list(let items)):
            guard !items.isEmpty, items.allSatisfy({ if case .string = $0 { return true } else { return false } }) else {
                throw fail("a non-empty list of names")
            }
            return value
        case (.stringList, .scalar(.string(let s))): return .list([.string(s)])
        case (.stringList, _): throw fail("a non-empty list of names")
        }
    }
}
