import Foundation
import SeqData
import SeqModels
import SeqTrain
import Yams

/// One entry of `models:`: a registered model, optionally with its own `model.*` settings.
public struct ModelEntry: Codable, Equatable, Sendable {
    public var name: String
    /// `model.*` keys without the prefix, e.g. ["hidden": 256].
    public var overrides: [String: ConfigValue]
    /// Where it was written, for errors; not part of its identity.
    var origin = ""
    /// The entry's own `search:` distributions, replacing or adding to `search.space` for this entry (as written;
    /// the checked ones are in the plan's `SearchPlan`).
    var searchSpace: [SearchDimension] = []

    enum CodingKeys: String, CodingKey { case name, overrides }

    public init(name: String, overrides: [String: ConfigValue] = [:]) { self.name = name; self.overrides = overrides }

    init(name: String, overrides: [String: ConfigValue], origin: String) {
        self.name = name; self.overrides = overrides; self.origin = origin
    }

    public static func == (a: ModelEntry, b: ModelEntry) -> Bool { a.name == b.name && a.overrides == b.overrides }

    /// Readable and unique within an experiment: `NAME`, or `NAME-hidden=256` with overrides.
    public var label: String {
        ([name] + overrides.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }).joined(separator: "-")
    }
}

/// One swept key and its values.
public struct SweepAxis: Equatable, Sendable {
    public var key: String
    public var values: [ConfigValue]
    var origin: String
}

/// An experiment config (README.md, "Experiment configs") as read from YAML, plus `--set` overrides.
/// `plan()` checks it completely and expands it into runs.
public struct ExperimentConfig: Sendable {
    /// The file it came from ("" for text).
    public let source: String
    var settings: [String: Setting] = [:]
    public private(set) var models: [ModelEntry] = []
    public private(set) var sweep: [SweepAxis] = []
    /// `search:` (random search per model entry), as written.
    var search: SearchConfig?

    /// A config with no keys set (every setting at its default), for commands that build one from flags
    /// and `--set`; `source` names it in errors.
    public init(source: String) { self.source = source }

    /// Reads a YAML config file.
    public static func load(_ path: String) throws -> ExperimentConfig {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError(path, "no such file")
        }
        guard let text = String(data: data, encoding: .utf8) else { throw ConfigError(path, "not UTF-8 text") }
        return try parse(yaml: text, source: path)
    }

    /// Parses YAML text; `source` names it in errors.
    public static func parse(yaml: String, source: String) throws -> ExperimentConfig {
        var config = ExperimentConfig(source: source)
        let root: Node?
        do { root = try Yams.compose(yaml: yaml) } catch {
            throw ConfigError(source, "not valid YAML: \(String(describing: error).split(separator: "\n").first ?? "")")
        }
        guard let root, let mapping = root.mapping else {
            throw ConfigError(source, "expected a mapping of keys (name, task, model, models, train, seeds, measure, threads, sweep)")
        }
        try config.read(mapping, prefix: "")
        return config
    }

    func origin(_ node: Node) -> String {
        node.mark.map { "\(source):\($0.line)" } ?? source
    }

    private mutating func read(_ mapping: Node.Mapping, prefix: String) throws {
        for (keyNode, value) in mapping {
            guard let key = keyNode.string else { throw ConfigError(origin(keyNode), "keys must be strings") }
            let path = prefix + key
            let at = origin(keyNode)
            if settings[path] != nil { throw ConfigError(at, "'\(path)' is given twice") }
            switch path {
            case "models": models = try readModels(value, at: at)
            case "search" where prefix.isEmpty: search = try readSearch(value, at: at)
            case "sweep":
                guard let axes = value.mapping else { throw ConfigError(at, "'sweep' must map dotted keys to lists of values") }
                for (k, v) in axes {
                    guard let axisKey = k.string else { throw ConfigError(origin(k), "sweep keys must be strings") }
                    sweep.append(SweepAxis(key: axisKey, values: try listOfScalars(v, path: "sweep." + axisKey, at: origin(k)),
                                           origin: origin(k)))
                }
            default:
                if let nested = value.mapping {
                    // A mapping where one value is expected (`batch_size: {}`) must not vanish silently.
                    let isSection = SettingsSchema.keys.contains { $0.path.hasPrefix(path + ".") }
                    if (nested.count == 0 && !isSection) || SettingsSchema.key(path) != nil || path.hasPrefix("task.") {
                        throw ConfigError(at, "'\(path)' must be a single value, not a mapping")
                    }
                    try read(nested, prefix: path + ".")
                } else if let sequence = value.sequence {
                    settings[path] = Setting(value: .list(try sequence.map { try scalar($0, path: path) }), origin: at)
                } else {
                    settings[path] = Setting(value: .scalar(try scalar(value, path: path)), origin: at)
                }
            }
        }
    }

    private func readModels(_ node: Node, at: String) throws -> [ModelEntry] {
        guard let sequence = node.sequence else { throw ConfigError(at, "'models' must be a list of model names or {name: …, hidden: …} entries") }
        guard !sequence.isEmpty else { throw ConfigError(at, "'models' must list at least one model") }
        return try sequence.map { item in
            if let name = item.string, item.scalar != nil { return ModelEntry(name: name, overrides: [:], origin: origin(item)) }
            guard let entry = item.mapping else { throw ConfigError(origin(item), "a models entry must be a name or a mapping with 'name'") }
            var name: String?
            var overrides: [String: ConfigValue] = [:]
            var space: [SearchDimension] = []
            for (k, v) in entry {
                guard let key = k.string else { throw ConfigError(origin(k), "keys must be strings") }
                if key == "name" { name = v.string }
                else if key == "search" { space = try readSpace(v, path: "models.search", at: origin(k)) }
                else { overrides[key] = try scalar(v, path: "models." + key) }
            }
            guard let name else { throw ConfigError(origin(item), "a models entry needs a 'name'") }
            var model = ModelEntry(name: name, overrides: overrides, origin: origin(item))
            model.searchSpace = space
            return model
        }
    }

    private func listOfScalars(_ node: Node, path: String, at: String) throws -> [ConfigValue] {
        guard let sequence = node.sequence else { throw ConfigError(at, "'\(path)' must be a list of values") }
        guard !sequence.isEmpty else { throw ConfigError(at, "'\(path)' is an empty list: a sweep needs at least one value") }
        return try sequence.map { try scalar($0, path: path) }
    }

    func scalar(_ node: Node, path: String) throws -> ConfigValue {
        guard node.scalar != nil else { throw ConfigError(origin(node), "'\(path)' must be a single value here") }
        switch node.any {
        case let b as Bool: return .bool(b)
        case let i as Int: return .int(i)
        case let d as Double: return .double(d)
        case let s as String: return .string(s)
        default: throw ConfigError(origin(node), "'\(path)' has no value")
        }
    }

    // MARK: overrides

    /// Applies `--set key=value` (the value is read as YAML: `64`, `0.1`, `adam`, `[1, 2, 3]`).
    /// `models=[…]`, `seeds=[…]` and `sweep.<key>=[…]` work as well.
    public mutating func apply(override text: String) throws {
        let origin = "--set \(text)"
        guard let eq = text.firstIndex(of: "="), eq != text.startIndex else {
            throw ConfigError(origin, "expected key=value, e.g. --set train.epochs=5")
        }
        let key = String(text[..<eq]), valueText = String(text[text.index(after: eq)...])
        let node: Node
        do { node = try Yams.compose(yaml: valueText) ?? Node("") } catch {
            throw ConfigError(origin, "the value is not valid YAML")
        }
        if key == "models" {
            models = try readModels(node.sequence != nil ? node : Node([node]), at: origin)
        } else if key == "search.n" || key == "search.seed" {
            if node.mapping != nil || node.sequence != nil { throw ConfigError(origin, "'\(key)' must be a single value") }
            let setting = Setting(value: .scalar(try scalar(node, path: key)), origin: origin)
            var search = self.search ?? SearchConfig(origin: origin)
            if key == "search.n" { search.n = setting } else { search.seed = setting }
            self.search = search
        } else if key.hasPrefix("sweep.") {
            let axisKey = try SettingsSchema.canonical(String(key.dropFirst("sweep.".count)), task: try? taskDescriptor(), origin: origin)
            let values = try listOfScalars(node.sequence != nil ? node : Node([node]), path: key, at: origin)
            sweep.removeAll { $0.key == axisKey }
            sweep.append(SweepAxis(key: axisKey, values: values, origin: origin))
        } else {
            let key = try SettingsSchema.canonical(key, task: try? taskDescriptor(), origin: origin)
            if node.mapping != nil { throw ConfigError(origin, "'\(key)' must be a single value, not a mapping") }
            let value: SettingValue = try node.sequence.map { .list(try $0.map { try scalar($0, path: key) }) }
                ?? .scalar(try scalar(node, path: key))
            settings[key] = Setting(value: value, origin: origin)
        }
    }

    func taskDescriptor() throws -> TaskDescriptor {
        guard let setting = settings["task.name"] else {
            guard case .scalar(.string(let name))? = SettingsSchema.defaultValue("task.name") else { preconditionFailure() }
            return try TaskRegistry.descriptor(named: name)
        }
        guard case .scalar(.string(let name)) = setting.value else {
            throw ConfigError(setting.origin, "'task.name' must be a task name")
        }
        do { return try TaskRegistry.descriptor(named: name) } catch { throw ConfigError(setting.origin, "\(error)") }
    }
}
