import Foundation
import SeqData
import SeqModels
import SeqStore
import SeqTrain

/// How latency is measured (`measure.latency`).
public struct MeasureConfig: Codable, Equatable, Sendable {
    public var batchSizes: [Int]
    public var warmup: Int
    public var samples: Int
    public var maxSeconds: Double

    public init(batchSizes: [Int], warmup: Int, samples: Int, maxSeconds: Double) {
        self.batchSizes = batchSizes; self.warmup = warmup; self.samples = samples; self.maxSeconds = maxSeconds
    }

    enum CodingKeys: String, CodingKey {
        case batchSizes = "batch_sizes", warmup, samples, maxSeconds = "max_seconds"
    }
}

/// One run of an experiment: a model entry at one sweep point with one seed.
public struct PlannedRun: Codable, Equatable, Sendable {
    /// Stable and readable, e.g. `NAME.length=128.seed=2` for model NAME; also the run's folder name.
    public let id: String
    public let config: RunConfig
    public let model: ModelEntry
    /// This run's sweep values by full dotted key.
    public let point: [String: String]
    /// The search trial this run trains (its values are already in `config`); nil outside a search.
    public let trial: SearchTrial?

    public init(id: String, config: RunConfig, model: ModelEntry, point: [String: String] = [:], trial: SearchTrial? = nil) {
        self.id = id; self.config = config; self.model = model; self.point = point; self.trial = trial
    }

    /// The settings a run stores beside its configuration: its sweep values, its entry's `model.*`
    /// overrides and its search trial's number and drawn values, by dotted key.
    public var settings: [String: String] {
        var s = point
        for (k, v) in model.overrides { s["model." + k] = v.description }
        if let trial {
            s[SearchTrial.settingKey] = String(trial.index)
            for (k, v) in trial.values { s[k] = v.description }
        }
        return s
    }
}

/// Every key of an experiment as resolved (defaults included), its model entries and its sweep: what
/// metrics.h5 stores as `config_json`, one flat object by dotted key.
public struct ResolvedExperiment: Codable, Equatable, Sendable {
    public var name: String
    public var settings: [String: SettingValue]
    /// Model entry labels.
    public var models: [String]
    /// Swept values by dotted key.
    public var sweep: [String: [String]]
    /// The random search, when the experiment tunes each model.
    public var search: SearchPlan?

    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public init(name: String, settings: [String: SettingValue], models: [String], sweep: [String: [String]],
                search: SearchPlan? = nil) {
        self.name = name; self.settings = settings; self.models = models; self.sweep = sweep; self.search = search
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: Key.self)
        name = try c.decode(String.self, forKey: Key(stringValue: "name"))
        models = try c.decode([String].self, forKey: Key(stringValue: "models"))
        sweep = try c.decode([String: [String]].self, forKey: Key(stringValue: "sweep"))
        search = try c.decodeIfPresent(SearchPlan.self, forKey: Key(stringValue: "search"))
        settings = [:]
        for k in c.allKeys where !["name", "models", "sweep", "search"].contains(k.stringValue) {
            settings[k.stringValue] = try c.decode(SettingValue.self, forKey: k)
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        for (k, v) in settings { try c.encode(v, forKey: Key(stringValue: k)) }
        try c.encode(name, forKey: Key(stringValue: "name"))
        try c.encode(models, forKey: Key(stringValue: "models"))
        try c.encode(sweep, forKey: Key(stringValue: "sweep"))
        try c.encodeIfPresent(search, forKey: Key(stringValue: "search"))
    }

    /// The swept keys, sorted.
    public var sweepKeys: [String] { sweep.keys.sorted() }

    /// The compared pairs: as stored (`compare`), or the registry's declared pairs among the models.
    public var comparisons: [ComparisonPair] {
        if case .list(let items)? = settings["compare"] {
            return items.compactMap { if case .string(let t) = $0 { return ComparisonPair(parsing: t) } else { return nil } }
        }
        return ComparisonPair.declared(among: models)
    }
}

/// A fully checked experiment, expanded into runs. Frozen into `experiment.json` when an experiment starts,
/// so shards and `collect` read one plan however the YAML changes afterwards.
public struct ExperimentPlan: Codable, Equatable, Sendable {
    public let name: String
    public let runs: [PlannedRun]
    /// Swept keys in the config's order.
    public let sweepKeys: [String]
    public let measure: MeasureConfig
    public let threads: Int
    /// Runs trained at once (`jobs`); nil is `auto` (``JobPlan``). Absent from plans frozen before it existed.
    public let jobs: Int?
    /// The pairs compared over seeds at every sweep point.
    public let comparisons: [ComparisonPair]
    public let resolved: ResolvedExperiment

    enum CodingKeys: String, CodingKey { case name, runs, sweepKeys = "sweep_keys", measure, threads, jobs, comparisons, resolved }

    /// The same plan with another thread count (a Slurm task's CPUs).
    public func with(threads: Int) -> ExperimentPlan {
        var resolved = resolved
        resolved.settings["threads"] = .scalar(.int(threads))
        return ExperimentPlan(name: name, runs: runs, sweepKeys: sweepKeys, measure: measure, threads: threads,
                              jobs: jobs, comparisons: comparisons, resolved: resolved)
    }

    /// The same plan with another `jobs` (nil: auto). Jobs never change a run's result, only how many train at
    /// once: `run --jobs` may change them on a frozen plan.
    public func with(jobs: Int?) -> ExperimentPlan {
        var resolved = resolved
        resolved.settings["jobs"] = jobs.map { .scalar(.int($0)) } ?? .scalar(.string("auto"))
        return ExperimentPlan(name: name, runs: runs, sweepKeys: sweepKeys, measure: measure, threads: threads,
                              jobs: jobs, comparisons: comparisons, resolved: resolved)
    }
}

extension ExperimentConfig {
    static let modelKeys = ["embed_dim", "hidden", "layers", "attention_dim", "embed_dropout", "layer_dropout", "output_dropout"]

    /// Checks every key, type and value, and expands models × sweep points × seeds.
    public func plan() throws -> ExperimentPlan {
        let task = try taskDescriptor()
        // Every key must exist, with a value of the right type.
        var base: [String: SettingValue] = [:]
        for key in SettingsSchema.keys { if let d = SettingsSchema.defaultValue(key.path) { base[key.path] = d } }
        for (written, setting) in settings.sorted(by: { $0.key < $1.key }) {
            let path = try SettingsSchema.canonical(written, task: task, origin: setting.origin)
            if let key = SettingsSchema.key(path) {
                base[path] = try SettingsSchema.check(setting.value, as: key.kind, path: path, origin: setting.origin)
            } else {
                base[path] = setting.value
            }
        }
        let name = try experimentName()
        let sweep = try self.sweep.map { axis in
            var a = axis
            a.key = try SettingsSchema.canonical(axis.key, task: task, origin: axis.origin)
            return a
        }
        if Set(sweep.map(\.key)).count != sweep.count { throw ConfigError(source, "a key is swept twice") }
        for axis in sweep {
            if ["task.name", "models", "seeds", "name", "threads", "jobs", "compare"].contains(axis.key) || axis.key.hasPrefix("measure.") {
                throw ConfigError(axis.origin, "'\(axis.key)' cannot be swept; sweep model.*, train.* or task.* keys")
            }
            if let key = SettingsSchema.key(axis.key) {
                for v in axis.values { _ = try SettingsSchema.check(.scalar(v), as: key.kind, path: axis.key, origin: axis.origin) }
            }
        }
        let entries = models.isEmpty
            ? ModelRegistry.names.map { ModelEntry(name: $0, overrides: [:], origin: source) } : models
        for entry in entries {
            guard ModelRegistry.names.contains(entry.name) else {
                throw ConfigError(entry.origin, "unknown model '\(entry.name)'; expected one of: \(ModelRegistry.names.joined(separator: ", "))")
            }
            for (k, v) in entry.overrides {
                guard Self.modelKeys.contains(k) else {
                    let hint = nearest(k, in: Self.modelKeys).map { "; did you mean '\($0)'?" } ?? ""
                    throw ConfigError(entry.origin, "unknown key '\(k)' in the \(entry.name) entry\(hint); entries take \(Self.modelKeys.joined(separator: ", "))")
                }
                _ = try SettingsSchema.check(.scalar(v), as: SettingsSchema.key("model." + k)!.kind, path: "model." + k, origin: entry.origin)
            }
        }
        if Set(entries.map(\.label)).count != entries.count {
            throw ConfigError(source, "the same model entry is listed twice in 'models'")
        }
        guard case .list(let seedValues)? = base["seeds"] else { preconditionFailure() }
        let seeds = seedValues.map { v -> UInt64 in if case .int(let i) = v, i >= 0 { return UInt64(i) } else { return 0 } }
        if Set(seeds).count != seeds.count { throw ConfigError(settings["seeds"]?.origin ?? source, "'seeds' lists a seed twice") }
        // A search trains each trial once, on the first seed; its best trial per entry is re-run on every seed later.
        var search: SearchPlan?
        if self.search == nil, let entry = entries.first(where: { !$0.searchSpace.isEmpty }) {
            throw ConfigError(entry.origin, "the \(entry.name) entry has its own 'search', but the config has no top-level 'search:' (n, seed, space)")
        }
        if let written = self.search {
            if !sweep.isEmpty { throw ConfigError(written.origin, "'search' and 'sweep' cannot be combined: search the swept keys instead") }
            let checked = try checkedSearch(written, task: task, entries: entries)
            search = SearchPlan(n: checked.n, seed: checked.seed, space: checked.space, entrySpaces: checked.entrySpaces,
                                trialSeed: seeds[0], seeds: seeds, entries: entries.map(\.label))
        }
        let runSeeds = search.map { [$0.trialSeed] } ?? seeds

        // Count the runs before expanding anything: a few lines of sweep can ask for billions.
        var count = 1
        for n in sweep.map(\.values.count) + [entries.count, runSeeds.count, search?.n ?? 1] {
            let (product, overflow) = count.multipliedReportingOverflow(by: n)
            count = overflow ? Int.max : product
        }
        if count > ExperimentPlan.maxRuns {
            let shown = count == Int.max ? "more than \(Int.max)" : String(count)
            throw ConfigError(source, "the plan has \(shown) runs (models × \(search == nil ? "sweep points × seeds" : "search trials")); at most \(ExperimentPlan.maxRuns)")
        }

        // Short names for the run ids: the last component of each swept key, unless two collide.
        let lastComponents = sweep.map { String($0.key.split(separator: ".").last!) }
        let shortNames = sweep.indices.map { i in
            lastComponents.filter { $0 == lastComponents[i] }.count > 1 ? sweep[i].key : lastComponents[i]
        }

        var runs: [PlannedRun] = []
        runs.reserveCapacity(count)
        var checkedTasks = Set<String>()
        for point in cartesian(sweep.map(\.values)) {
            var pointSettings = base
            for (axis, value) in zip(sweep, point) { pointSettings[axis.key] = .scalar(value) }
            for entry in entries {
                var s = pointSettings
                for (k, v) in entry.overrides { s["model." + k] = .scalar(v) }
                let taskConfig = try resolveTask(task, s)
                // The task's own checks, once per distinct task config, before anything is written.
                if checkedTasks.insert(taskConfig.key).inserted { try checkTask(taskConfig) }
                for trial in try searchTrials(search, entry: entry.label) {
                    var s = s
                    for (key, value) in trial?.values ?? [:] { s[key] = .scalar(value) }
                    for seed in runSeeds {
                        let config = RunConfig(model: entry.name, modelConfig: modelConfig(s), task: taskConfig,
                                               train: trainConfig(s), seed: seed)
                        let pointLabel = zip(shortNames, point).map { "\($0)=\($1)" }
                        let id = search.flatMap { search in trial.map { search.runID(entry: entry.label, trial: $0.index, seed: seed) } }
                            ?? ([entry.label] + pointLabel + ["seed=\(seed)"]).joined(separator: ".")
                        runs.append(PlannedRun(id: id, config: config, model: entry,
                                               point: Dictionary(uniqueKeysWithValues: zip(sweep.map(\.key), point.map(\.description))),
                                               trial: trial))
                    }
                }
            }
        }
        let measure = MeasureConfig(batchSizes: ints(base["measure.latency.batch_sizes"]),
                                    warmup: int(base["measure.latency.warmup"]), samples: int(base["measure.latency.samples"]),
                                    maxSeconds: double(base["measure.latency.max_seconds"]))
        let labels = entries.map(\.label)
        var comparisons = ComparisonPair.declared(among: labels)
        if case .list(let items)? = base["compare"] {
            let origin = settings["compare"]?.origin ?? source
            comparisons = try items.map { item in
                guard case .string(let text) = item, let pair = ComparisonPair(parsing: text) else {
                    throw ConfigError(origin, "'compare' entries are 'A vs B' with two different model entries, got '\(item)'")
                }
                for side in [pair.a, pair.b] where !labels.contains(side) {
                    throw ConfigError(origin, "'compare': '\(side)' is not a model entry of this experiment; entries: \(labels.joined(separator: ", "))")
                }
                return pair
            }
        }
        base["compare"] = .list(comparisons.map { .string($0.description) })
        let resolved = ResolvedExperiment(name: name, settings: base.filter { $0.key != "name" }, models: labels,
                                          sweep: Dictionary(uniqueKeysWithValues: sweep.map { ($0.key, $0.values.map(\.description)) }),
                                          search: search)
        return ExperimentPlan(name: name, runs: runs, sweepKeys: sweep.map(\.key), measure: measure,
                              threads: int(base["threads"]), jobs: jobsSetting(base["jobs"]),
                              comparisons: comparisons, resolved: resolved)
    }

    /// A search's trials for one model entry, each value drawn and checked against its key's kind and range
    /// (an error names the space key's line); `[nil]` without a search: the entry's one configuration.
    private func searchTrials(_ search: SearchPlan?, entry: String) throws -> [SearchTrial?] {
        guard let search else { return [nil] }
        return try (1...search.n).map { index in
            let space = search.space(for: entry)
            var values = SearchSampler.sample(space, seed: search.seed, entry: entry, trial: index)
            for dimension in space {
                guard let kind = SettingsSchema.key(dimension.key)?.kind, case .scalar(let v) = try SettingsSchema.check(
                    .scalar(values[dimension.key]!), as: kind, path: dimension.key,
                    origin: dimension.origin.isEmpty ? source : dimension.origin) else { preconditionFailure("a scalar stays a scalar") }
                values[dimension.key] = v
            }
            return SearchTrial(index: index, values: values)
        }
    }

    /// `name`, else the file name without extension; it must stay a single folder name under Results/.
    func experimentName() throws -> String {
        var name = URL(fileURLWithPath: source).deletingPathExtension().lastPathComponent
        var origin = source
        if let s = settings["name"] {
            guard case .scalar(.string(let n)) = s.value else { throw ConfigError(s.origin, "'name' must be a string") }
            name = n; origin = s.origin
        }
        let allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
        guard !name.isEmpty, name != ".", name != "..", name.unicodeScalars.allSatisfy(allowed.contains) else {
            throw ConfigError(origin, "experiment name '\(name)' must be a plain folder name (letters, digits, . _ -): results go to Results/<name>/")
        }
        return name
    }

    private func resolveTask(_ task: TaskDescriptor, _ s: [String: SettingValue]) throws -> TaskConfig {
        var params: [String: ConfigValue] = [:]
        for p in task.parameters {
            guard let v = s["task." + p.name] else { continue }
            guard case .scalar(let scalar) = v else {
                throw ConfigError(settings["task." + p.name]?.origin ?? source, "'task.\(p.name)' must be a single value")
            }
            params[p.name] = scalar
        }
        // A data file named by the task is looked up relative to the config file.
        if case .string(let path)? = params["path"], !path.hasPrefix("/") {
            let folder = URL(fileURLWithPath: source).deletingLastPathComponent().path
            params["path"] = .string(source.isEmpty ? path : folder + "/" + path)
        }
        let origin = settings["task.name"]?.origin ?? source
        let resolved: TaskConfig
        do { resolved = try TaskRegistry.resolve(task.name, settings: params) } catch let error as TaskError {
            // Point at the line of the offending setting when there is one.
            var at = origin
            switch error {
            case .wrongType(_, let key, _, _), .invalidValue(_, let key, _), .unknownParameter(_, let key, _):
                at = settings["task." + key]?.origin ?? sweep.first { $0.key == "task." + key }?.origin ?? origin
            default: break
            }
            throw ConfigError(at, "\(error)")
        }
        if case .string(let path)? = resolved.parameters["path"], !FileManager.default.fileExists(atPath: path) {
            throw ConfigError(settings["task.path"]?.origin ?? origin, "data file \(path) does not exist")
        }
        return resolved
    }

    /// Runs the task's checks (`TaskRegistry.check`), as one line naming the key at fault.
    private func checkTask(_ config: TaskConfig) throws {
        let origin = settings["task.name"]?.origin ?? source
        do { _ = try TaskRegistry.check(config) } catch let error as TaskError {
            var at = origin
            switch error {
            case .wrongType(_, let key, _, _), .invalidValue(_, let key, _), .unknownParameter(_, let key, _):
                at = settings["task." + key]?.origin ?? sweep.first { $0.key == "task." + key }?.origin ?? origin
            case .data:
                at = settings["task.path"]?.origin ?? origin
            default: break
            }
            throw ConfigError(at, "\(error)")
        }
    }

    private func modelConfig(_ s: [String: SettingValue]) -> ModelConfig {
        ModelConfig(embedDim: int(s["model.embed_dim"]), hidden: int(s["model.hidden"]), layers: int(s["model.layers"]),
                    attentionDim: int(s["model.attention_dim"]), embedDropout: double(s["model.embed_dropout"]),
                    layerDropout: double(s["model.layer_dropout"]), outputDropout: double(s["model.output_dropout"]))
    }

    private func trainConfig(_ s: [String: SettingValue]) -> TrainConfig {
        TrainConfig(epochs: int(s["train.epochs"]), batchSize: int(s["train.batch_size"]),
                    optimizer: TrainConfig.OptimizerKind(rawValue: string(s["train.optimizer"]))!,
                    learningRate: Float(double(s["train.lr"])), clip: Float(double(s["train.clip"])),
                    patience: int(s["train.patience"]), momentum: Float(double(s["train.momentum"])),
                    weightDecay: Float(double(s["train.weight_decay"])),
                    schedule: TrainConfig.ScheduleKind(rawValue: string(s["train.schedule"]))!,
                    stepSize: int(s["train.step_size"]), gamma: double(s["train.gamma"]),
                    warmupSteps: int(s["train.warmup_steps"]), minLearningRate: double(s["train.min_lr"]),
                    plateauPatience: int(s["train.plateau_patience"]), plateauThreshold: double(s["train.plateau_threshold"]),
                    monitor: Monitor(rawValue: string(s["train.monitor"]))!, mode: MonitorMode(rawValue: string(s["train.mode"]))!,
                    minDelta: double(s["train.min_delta"]))
    }
}

// Accessors for values the schema has already checked.
private func int(_ v: SettingValue?) -> Int {
    if case .scalar(.int(let i))? = v { return i }
    preconditionFailure("expected an integer, got \(String(describing: v))")
}
private func jobsSetting(_ v: SettingValue?) -> Int? {
    if case .scalar(.int(let i))? = v { return i }
    return nil
}
private func double(_ v: SettingValue?) -> Double {
    switch v {
    case .scalar(.double(let d))?: return d
    case .scalar(.int(let i))?: return Double(i)
    default: preconditionFailure("expected a number, got \(String(describing: v))")
    }
}
private func string(_ v: SettingValue?) -> String {
    if case .scalar(.string(let s))? = v { return s }
    preconditionFailure("expected a string, got \(String(describing: v))")
}
private func ints(_ v: SettingValue?) -> [Int] {
    if case .list(let items)? = v { return items.map { if case .int(let i) = $0 { return i } else { return 0 } } }
    preconditionFailure("expected a list, got \(String(describing: v))")
}

/// Every combination of one value per axis, the first axis varying slowest.
func cartesian(_ axes: [[ConfigValue]]) -> [[ConfigValue]] {
    axes.reduce([[]]) { partial, axis in partial.flatMap { prefix in axis.map { prefix + [$0] } } }
}

extension MetricsFile {
    /// The runs of an experiment's metrics.h5 with its resolved configuration.
    public static func readRuns(from path: String) throws -> (experiment: String, config: ResolvedExperiment?, runs: [RunResult]) {
        try readRuns(from: path, config: ResolvedExperiment.self)
    }
}
