import SeqData
import SeqModels
import SeqStore
import SeqTensor
import SeqTrain

/// A value of a config key: one scalar or a list of scalars.
public enum SettingValue: Codable, Equatable, Sendable, CustomStringConvertible {
    case scalar(ConfigValue)
    case list([ConfigValue])

    public init(from decoder: Decoder) throws {
        if let list = try? [ConfigValue](from: decoder) { self = .list(list) } else { self = .scalar(try ConfigValue(from: decoder)) }
    }

    public func encode(to encoder: Encoder) throws {
        switch self {
        case .scalar(let v): try v.encode(to: encoder)
        case .list(let vs): try vs.encode(to: encoder)
        }
    }

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

/// Every setting of an experiment, declared once: key, type and range, default, and doc. YAML configs,
/// every command's `--set`, the help texts and the README's key table all read this list (a test checks
/// the README against `markdownTable`). `task.<setting>` keys are declared by the chosen task itself
/// (`seqbench list tasks`).
public enum SettingsSchema {
    enum Kind: Equatable, Sendable {
        case int(min: Int, max: Int)
        /// A finite number in `min…max`; each end included or not.
        case number(min: Double, minIncluded: Bool, max: Double, maxIncluded: Bool)
        case string
        case choice([String])
        /// A non-empty list of at most `count` integers, each in `min…max`.
        case intList(min: Int, max: Int, count: Int)
        case stringList
        /// An integer in `min…max`, or the word `auto`.
        case intOrAuto(min: Int, max: Int)

        /// The type and range, as the README's table and error messages say it.
        var summary: String {
            switch self {
            case .int(let min, let max): return "integer in \(min)…\(formatInt(max))"
            case .number(let min, let minIn, let max, let maxIn):
                return "number in \(minIn ? "[" : "(")\(formatNumber(min)), \(formatNumber(max))\(maxIn ? "]" : ")")"
            case .string: return "string"
            case .choice(let options): return options.joined(separator: " or ")
            case .intList(let min, let max, let count): return "list of 1…\(formatInt(count)) integers in \(min)…\(formatInt(max))"
            case .stringList: return "list of names"
            case .intOrAuto(let min, let max): return "integer in \(min)…\(formatInt(max)) or auto"
            }
        }
    }

    public struct Key: Sendable {
        public let path: String
        let kind: Kind
        public let defaultValue: SettingValue?
        public let help: String
    }

    static let keys: [Key] = [
        Key(path: "name", kind: .string, defaultValue: nil, help: "experiment name: results go to Results/NAME/ (default: the config file name)"),
        Key(path: "task.name", kind: .string, defaultValue: .scalar(.string("contains")), help: "task (seqbench list tasks); its settings are task.<setting>"),
        Key(path: "model.embed_dim", kind: .int(min: 1, max: ModelConfig.maxWidth), defaultValue: int(model.embedDim), help: "embedding width (token tasks)"),
        Key(path: "model.hidden", kind: .int(min: 1, max: ModelConfig.maxWidth), defaultValue: int(model.hidden), help: "hidden units per direction"),
        Key(path: "model.layers", kind: .int(min: 1, max: ModelConfig.maxLayers), defaultValue: int(model.layers), help: "stacked recurrent layers"),
        Key(path: "model.attention_dim", kind: .int(min: 1, max: ModelConfig.maxWidth), defaultValue: int(model.attentionDim), help: "attention width (attention models)"),
        Key(path: "model.embed_dropout", kind: .number(min: 0, minIncluded: true, max: 1, maxIncluded: false), defaultValue: number(model.embedDropout), help: "dropout on the input rows (embeddings or features) while training; 0 = off"),
        Key(path: "model.layer_dropout", kind: .number(min: 0, minIncluded: true, max: 1, maxIncluded: false), defaultValue: number(model.layerDropout), help: "dropout on every recurrent layer's output but the last (nn.LSTM dropout); 0 = off"),
        Key(path: "model.output_dropout", kind: .number(min: 0, minIncluded: true, max: 1, maxIncluded: false), defaultValue: number(model.outputDropout), help: "dropout on the pooled vector before the classifier; 0 = off"),
        Key(path: "models", kind: .stringList, defaultValue: nil, help: "models to compare (default: every registered model); entries may override model.* keys"),
        Key(path: "compare", kind: .stringList, defaultValue: nil, help: "pairs of model entries to compare over seeds, as 'A vs B' (default: each model against its registered no-attention counterpart)"),
        Key(path: "train.epochs", kind: .int(min: 1, max: 100_000), defaultValue: int(train.epochs), help: "maximum epochs"),
        Key(path: "train.batch_size", kind: .int(min: 1, max: 65536), defaultValue: int(train.batchSize), help: "mini-batch size (also the batched latency and the training step timed)"),
        Key(path: "train.optimizer", kind: .choice(TrainConfig.OptimizerKind.allCases.map(\.rawValue)), defaultValue: .scalar(.string(train.optimizer.rawValue)), help: "optimizer (PyTorch's Adam, AdamW, SGD)"),
        Key(path: "train.lr", kind: .number(min: 0, minIncluded: false, max: 1000, maxIncluded: true), defaultValue: number(train.learningRate), help: "learning rate"),
        Key(path: "train.clip", kind: .number(min: 0, minIncluded: true, max: 1e6, maxIncluded: true), defaultValue: number(train.clip), help: "global gradient-norm clip; 0 = off"),
        Key(path: "train.patience", kind: .int(min: 0, max: 100_000), defaultValue: int(train.patience), help: "early stopping: epochs without an improvement of train.monitor; 0 = off"),
        Key(path: "train.momentum", kind: .number(min: 0, minIncluded: true, max: 1, maxIncluded: false), defaultValue: number(train.momentum), help: "SGD momentum"),
        Key(path: "train.weight_decay", kind: .number(min: 0, minIncluded: true, max: 10, maxIncluded: true), defaultValue: number(train.weightDecay), help: "weight decay: L2 (added to the gradient) for adam and sgd, decoupled for adamw (PyTorch's AdamW default is 0.01)"),
        Key(path: "train.schedule", kind: .choice(TrainConfig.ScheduleKind.allCases.map(\.rawValue)), defaultValue: .scalar(.string(train.schedule.rawValue)), help: "learning-rate schedule: step (StepLR, per epoch), cosine (linear warmup then cosine, per update), plateau (ReduceLROnPlateau on train.monitor)"),
        Key(path: "train.step_size", kind: .int(min: 1, max: 100_000), defaultValue: int(train.stepSize), help: "step schedule: epochs between two reductions"),
        Key(path: "train.gamma", kind: .number(min: 0, minIncluded: false, max: 1, maxIncluded: false), defaultValue: number(train.gamma), help: "step and plateau schedules: the factor each reduction multiplies the rate by"),
        Key(path: "train.warmup_steps", kind: .int(min: 0, max: 100_000_000), defaultValue: int(train.warmupSteps), help: "cosine schedule: optimizer updates of linear warmup"),
        Key(path: "train.min_lr", kind: .number(min: 0, minIncluded: true, max: 1000, maxIncluded: true), defaultValue: number(train.minLearningRate), help: "cosine schedule: the final rate; plateau: the lowest rate"),
        Key(path: "train.plateau_patience", kind: .int(min: 0, max: 100_000), defaultValue: int(train.plateauPatience), help: "plateau schedule: epochs without improvement before the rate is reduced"),
        Key(path: "train.plateau_threshold", kind: .number(min: 0, minIncluded: true, max: 1, maxIncluded: false), defaultValue: number(train.plateauThreshold), help: "plateau schedule: relative change that counts as an improvement"),
        Key(path: "train.monitor", kind: .choice(Monitor.allCases.map(\.rawValue)), defaultValue: .scalar(.string(train.monitor.rawValue)), help: "epoch metric that picks the best epoch (its weights are kept), stops early and drives the plateau schedule"),
        Key(path: "train.mode", kind: .choice(MonitorMode.allCases.map(\.rawValue)), defaultValue: .scalar(.string(train.mode.rawValue)), help: "whether train.monitor should rise (max) or fall (min); auto: max for accuracy, min for losses"),
        Key(path: "train.min_delta", kind: .number(min: 0, minIncluded: true, max: 1e6, maxIncluded: true), defaultValue: number(train.minDelta), help: "early stopping: the smallest change of train.monitor that counts as an improvement"),
        Key(path: "seeds", kind: .intList(min: 0, max: 1 << 53, count: 10_000), defaultValue: .list([.int(1)]), help: "one run per seed"),
        Key(path: "measure.latency.batch_sizes", kind: .intList(min: 1, max: 65536, count: 64), defaultValue: .list([.int(1), .int(32)]), help: "inference batch sizes to time"),
        Key(path: "measure.latency.warmup", kind: .int(min: 0, max: 1_000_000), defaultValue: .scalar(.int(10)), help: "untimed iterations first"),
        Key(path: "measure.latency.samples", kind: .int(min: 1, max: 10_000_000), defaultValue: .scalar(.int(100)), help: "timed iterations (at most)"),
        Key(path: "measure.latency.max_seconds", kind: .number(min: 0, minIncluded: false, max: 3600, maxIncluded: true), defaultValue: .scalar(.double(2)), help: "time budget per measurement, seconds"),
        Key(path: "threads", kind: .int(min: 1, max: 4096), defaultValue: nil, help: "compute threads (default: one per core this process may use); with jobs, shared: jobs × threads per run ≤ threads"),
        Key(path: "jobs", kind: .intOrAuto(min: 1, max: 4096), defaultValue: .scalar(.string("auto")), help: "runs trained at once, each in its own process with threads / jobs threads (at most threads jobs); auto: JobPlan's rule (README, \"Using the whole machine\")"),
    ]

    // The architecture and training defaults are the library types' own (`ModelConfig()`, `TrainConfig()`):
    // one definition, which the schema reads.
    private static let model = ModelConfig(), train = TrainConfig()
    private static func int(_ v: Int) -> SettingValue { .scalar(.int(v)) }
    /// A float32 setting by its shortest decimal spelling (0.002, not 0.0020000000949949026).
    private static func number(_ v: Float) -> SettingValue { .scalar(.double(Double("\(v)")!)) }
    private static func number(_ v: Double) -> SettingValue { .scalar(.double(v)) }

    /// The default of `path`; `threads` defaults to this machine's usable cores.
    static func defaultValue(_ path: String) -> SettingValue? {
        path == "threads" ? .scalar(.int(ComputeThreads.cores)) : key(path)?.defaultValue
    }

    /// One paragraph for help texts: every key with its default, e.g. `model.hidden (128)`.
    public static var helpParagraph: String {
        "Settings (`seqbench list keys` explains each): " + keys.map { k in
            k.path + (defaultValue(k.path).map { " (\($0))" } ?? "")
        }.joined(separator: ", ") + ", and task.<setting> (`seqbench list tasks`)."
    }

    /// The keys as a table (`seqbench list keys`; the README's key table is its Markdown form).
    public static var table: TextTable<Key> {
        var t = TextTable(keys)
        t.column("key", left: true) { $0.path }
        t.column("type", left: true) { $0.kind.summary }
        t.column("default", left: true) { $0.defaultValue?.description ?? "—" }
        t.column("meaning", left: true) { $0.help }
        return t
    }

    /// A key as the user wrote it, made canonical. A full dotted key stands for itself; a bare name that is
    /// not a top-level key is a short alias for the one key ending in `.<name>` (`hidden` → `model.hidden`,
    /// `lr` → `train.lr`, `length` → `task.length`, `batch_size` → `train.batch_size`).
    static func canonical(_ path: String, task: TaskDescriptor?, origin: String) throws -> String {
        let all = allPaths(task: task)
        if all.contains(path) { return path }
        if !path.contains(".") {
            let matches = all.filter { $0.hasSuffix("." + path) }
            if matches.count == 1 { return matches[0] }
            if matches.count > 1 {
                throw ConfigError(origin, "'\(path)' is ambiguous: write one of \(matches.joined(separator: ", "))")
            }
        }
        // A bare name is most likely a misspelt alias: compare it with the keys' last names.
        let suggestion = path.contains(".") ? nearest(path, in: all)
            : nearest(path, in: all.map { String($0.split(separator: ".").last!) }).flatMap { name in
                all.first { $0 == name || $0.hasSuffix("." + name) }
            }
        throw ConfigError(origin, "unknown key '\(path)'" + (suggestion.map { "; did you mean '\($0)'?" } ?? ""))
    }

    static func key(_ path: String) -> Key? { keys.first { $0.path == path } }

    /// Every valid path for a task, for suggestions.
    static func allPaths(task: TaskDescriptor?) -> [String] {
        keys.map(\.path) + (task?.parameters.map { "task." + $0.name } ?? [])
    }

    /// Checks and normalises a value for `kind` (integers are accepted where numbers are expected).
    static func check(_ value: SettingValue, as kind: Kind, path: String, origin: String) throws -> SettingValue {
        func fail(_ expected: String) -> ConfigError {
            ConfigError(origin, "'\(path)' must be \(expected), got \(value)")
        }
        switch (kind, value) {
        case (.int(let min, let max), .scalar(.int(let v))):
            guard v >= min, v <= max else { throw fail("an integer in \(min)…\(formatInt(max))") }
            return value
        case (.int(let min, let max), _): throw fail("an integer in \(min)…\(formatInt(max))")
        case (.number(let min, let minIn, let max, let maxIn), .scalar(let v)):
            let d: Double
            switch v { case .int(let i): d = Double(i); case .double(let x): d = x; default: throw fail(kind.summary.replacingOccurrences(of: "number", with: "a number")) }
            guard d.isFinite, minIn ? d >= min : d > min, maxIn ? d <= max : d < max else {
                throw fail(kind.summary.replacingOccurrences(of: "number", with: "a number"))
            }
            return .scalar(.double(d))
        case (.number, _): throw fail(kind.summary.replacingOccurrences(of: "number", with: "a number"))
        case (.string, .scalar(.string)): return value
        case (.string, _): throw fail("a string")
        case (.choice(let options), .scalar(.string(let s))):
            guard options.contains(s) else { throw fail("one of \(options.joined(separator: ", "))") }
            return value
        case (.choice(let options), _): throw fail("one of \(options.joined(separator: ", "))")
        case (.intList(let min, let max, let count), .list(let items)):
            guard !items.isEmpty, items.count <= count else { throw fail("a list of 1…\(formatInt(count)) integers") }
            for item in items {
                guard case .int(let v) = item, v >= min, v <= max else { throw fail("a list of integers in \(min)…\(formatInt(max))") }
            }
            return value
        case (.intList(let min, let max, _), .scalar(.int(let v))) where v >= min && v <= max: return .list([.int(v)])
        case (.intList(let min, let max, _), _): throw fail("a non-empty list of integers in \(min)…\(formatInt(max))")
        case (.stringList, .list(let items)):
            guard !items.isEmpty, items.allSatisfy({ if case .string = $0 { return true } else { return false } }) else {
                throw fail("a non-empty list of names")
            }
            return value
        case (.stringList, .scalar(.string(let s))): return .list([.string(s)])
        case (.stringList, _): throw fail("a non-empty list of names")
        case (.intOrAuto(let min, let max), .scalar(.int(let v))):
            guard v >= min, v <= max else { throw fail("an integer in \(min)…\(formatInt(max)) or auto") }
            return value
        case (.intOrAuto, .scalar(.string("auto"))): return value
        case (.intOrAuto(let min, let max), _): throw fail("an integer in \(min)…\(formatInt(max)) or auto")
        }
    }
}

extension SettingsSchema {
    /// The data-derived sizes a stored config also holds (the task fits them): vocabulary, features, classes.
    static let fittedKinds: [(String, Kind)] = [
        ("model.vocab", .int(min: 0, max: ModelConfig.maxVocab)), ("model.features", .int(min: 0, max: ModelConfig.maxWidth)),
        ("model.classes", .int(min: 1, max: ModelConfig.maxClasses)),
    ]
    /// Checks a stored run config (a checkpoint's, a run.h5's) with the same ranges as a YAML config:
    /// every model, training and task value, the seed and the model's size. One line naming `file` and the
    /// key at fault, so a hostile file cannot make seqbench allocate or compute without bound.
    public static func validate(_ config: RunConfig, file: String) throws {
        let origin = "\(file): stored config"
        func check(_ path: String, _ value: ConfigValue) throws {
            guard let kind = key(path)?.kind ?? fittedKinds.first(where: { $0.0 == path })?.1 else { return }
            _ = try SettingsSchema.check(.scalar(value), as: kind, path: path, origin: origin)
        }
        let m = config.modelConfig, t = config.train
        for (path, v) in [("model.embed_dim", m.embedDim), ("model.hidden", m.hidden), ("model.layers", m.layers),
                          ("model.attention_dim", m.attentionDim), ("model.vocab", m.vocab), ("model.features", m.features),
                          ("model.classes", m.classes), ("train.epochs", t.epochs), ("train.batch_size", t.batchSize),
                          ("train.patience", t.patience), ("train.step_size", t.stepSize),
                          ("train.warmup_steps", t.warmupSteps), ("train.plateau_patience", t.plateauPatience)] {
            try check(path, .int(v))
        }
        for (path, v) in [("train.lr", t.learningRate), ("train.clip", t.clip), ("train.momentum", t.momentum),
                          ("train.weight_decay", t.weightDecay)] {
            try check(path, .double(Double(v)))
        }
        for (path, v) in [("train.gamma", t.gamma), ("train.min_lr", t.minLearningRate),
                          ("train.plateau_threshold", t.plateauThreshold), ("train.min_delta", t.minDelta),
                          ("model.embed_dropout", m.embedDropout), ("model.layer_dropout", m.layerDropout),
                          ("model.output_dropout", m.outputDropout)] {
            try check(path, .double(v))
        }
        if config.seed > 1 << 53 { throw ConfigError(origin, "'seeds' must be in 0…2^53, got \(config.seed)") }
        do { _ = try TaskRegistry.resolve(config.task.name, settings: config.task.parameters) } catch {
            throw ConfigError(origin, "\(error)")
        }
        try checkModelSize(m, origin: origin)
    }

    /// Refuses a model of more than `ModelConfig.maxParameters` parameters (`ModelConfig.parameterUpperBound`,
    /// counted in Double so nothing overflows) before anything allocates it.
    public static func checkModelSize(_ m: ModelConfig, origin: String) throws {
        let parameters = m.parameterUpperBound
        if parameters > Double(ModelConfig.maxParameters) {
            throw ConfigError(origin, "the model would have about \(formatNumber(parameters)) parameters; at most 2^29")
        }
    }
}

/// An integer bound as the docs say it: `65536`, `100000`, `2^53`.
func formatInt(_ v: Int) -> String {
    if v > 1 << 20, v & (v - 1) == 0 { return "2^\(v.trailingZeroBitCount)" }
    return String(v)
}

/// A number as the docs and the estimate say it: `0`, `1000`, `1e6`, `2.35e16`.
func formatNumber(_ v: Double) -> String {
    if v == v.rounded(), abs(v) < 1e5 { return String(Int(v)) }
    return String(format: "%.3g", v).replacingOccurrences(of: "e+0", with: "e").replacingOccurrences(of: "e+", with: "e")
}
