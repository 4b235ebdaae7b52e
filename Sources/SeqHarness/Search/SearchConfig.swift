import Foundation
import SeqData
import Yams

/// `search:` as written in a config, before its keys are checked against the schema (which needs the task).
struct SearchConfig: Sendable {
    /// Trials per model entry.
    var n: Setting?
    /// The sampling seed.
    var seed: Setting?
    var space: [SearchDimension] = []
    /// Where `search:` was written.
    var origin: String

    static let maxTrials = 1000
    static let keys = ["n", "seed", "space"]
}

extension ExperimentConfig {
    /// Reads `search: {n, seed, space: {KEY: {DISTRIBUTION: [...]}}}`.
    func readSearch(_ node: Node, at: String) throws -> SearchConfig {
        guard let mapping = node.mapping else {
            throw ConfigError(at, "'search' must be a mapping with n (trials per model), seed and space")
        }
        var search = SearchConfig(origin: at)
        for (k, v) in mapping {
            guard let key = k.string else { throw ConfigError(origin(k), "keys must be strings") }
            let keyOrigin = origin(k)
            switch key {
            case "n": search.n = Setting(value: .scalar(try scalar(v, path: "search.n")), origin: keyOrigin)
            case "seed": search.seed = Setting(value: .scalar(try scalar(v, path: "search.seed")), origin: keyOrigin)
            case "space": search.space = try readSpace(v, path: "search.space", at: keyOrigin)
            default:
                let hint = nearest(key, in: SearchConfig.keys).map { "; did you mean '\($0)'?" } ?? ""
                throw ConfigError(keyOrigin, "unknown key 'search.\(key)'\(hint); search takes n, seed and space")
            }
        }
        return search
    }

    /// A mapping of keys to distributions (`search.space`, or a models entry's `search`).
    func readSpace(_ node: Node, path: String, at: String) throws -> [SearchDimension] {
        guard let space = node.mapping, space.count > 0 else {
            throw ConfigError(at, "'\(path)' must map keys to distributions, e.g. train.lr: {log_uniform: [1e-4, 1e-2]}")
        }
        return try space.map { dk, dv in
            guard let dimensionKey = dk.string else { throw ConfigError(origin(dk), "keys must be strings") }
            return SearchDimension(key: dimensionKey, distribution: try readDistribution(dv, key: dimensionKey, at: origin(dk)),
                                   origin: origin(dk))
        }
    }

    private func readDistribution(_ node: Node, key: String, at: String) throws -> SearchDistribution {
        let expected = "'search.space.\(key)' must be one distribution: {choice: [a, b, …]}, {uniform: [low, high]}, {log_uniform: [low, high]} or {int: [low, high]}"
        guard let mapping = node.mapping, mapping.count == 1, let (nameNode, argument) = mapping.first,
              let name = nameNode.string else { throw ConfigError(at, expected) }
        guard SearchDistribution.names.contains(name) else {
            let hint = nearest(name, in: SearchDistribution.names).map { "; did you mean '\($0)'?" } ?? ""
            throw ConfigError(at, "unknown distribution '\(name)' for '\(key)'\(hint); " + expected)
        }
        guard let list = argument.sequence, !list.isEmpty else {
            throw ConfigError(at, "'\(key)': \(name) takes a list, e.g. \(name == "choice" ? "[32, 64, 128]" : "[low, high]")")
        }
        let values = try list.map { try scalar($0, path: "search.space." + key) }
        if name == "choice" { return .choice(values) }
        guard values.count == 2 else { throw ConfigError(at, "'\(key)': \(name) takes exactly two bounds [low, high], got \(values.count) values") }
        if name == "int" {
            guard case .int(let low) = values[0], case .int(let high) = values[1], low <= high else {
                throw ConfigError(at, "'\(key)': int takes two integers [low, high] with low ≤ high")
            }
            return .int(low: low, high: high)
        }
        let bounds = values.compactMap { v -> Double? in
            switch v { case .int(let i): return Double(i); case .double(let d): return d; default: return nil }
        }
        guard bounds.count == 2, bounds[0].isFinite, bounds[1].isFinite, bounds[0] < bounds[1] else {
            throw ConfigError(at, "'\(key)': \(name) takes two numbers [low, high] with low < high")
        }
        if name == "log_uniform" {
            guard bounds[0] > 0 else { throw ConfigError(at, "'\(key)': log_uniform needs a positive low bound, got \(bounds[0])") }
            return .logUniform(low: bounds[0], high: bounds[1])
        }
        return .uniform(low: bounds[0], high: bounds[1])
    }

    /// The checked search of this config: every key canonical (aliases such as `lr` allowed), a `model.*` or
    /// `train.*` key of the schema, and its distribution able to give only values of the key's kind and range.
    func checkedSearch(_ search: SearchConfig, task: TaskDescriptor, entries: [ModelEntry])
        throws -> (n: Int, seed: UInt64, space: [SearchDimension], entrySpaces: [String: [SearchDimension]]) {
        var n = 10, seed: UInt64 = 0
        if let setting = search.n {
            guard case .scalar(.int(let v)) = setting.value, (1...SearchConfig.maxTrials).contains(v) else {
                throw ConfigError(setting.origin, "'search.n' must be an integer in 1…\(SearchConfig.maxTrials) (trials per model entry), got \(setting.value)")
            }
            n = v
        }
        if let setting = search.seed {
            guard case .scalar(.int(let v)) = setting.value, v >= 0, v <= 1 << 53 else {
                throw ConfigError(setting.origin, "'search.seed' must be an integer in 0…2^53, got \(setting.value)")
            }
            seed = UInt64(v)
        }
        let space = try checkedSpace(search.space, task: task, entries: entries)
        var entrySpaces: [String: [SearchDimension]] = [:]
        for entry in entries where !entry.searchSpace.isEmpty {
            let own = try checkedSpace(entry.searchSpace, task: task, entries: [entry])
            entrySpaces[entry.label] = space.filter { d in !own.contains { $0.key == d.key } } + own
        }
        for entry in entries where space.isEmpty && entrySpaces[entry.label] == nil {
            throw ConfigError(entry.origin.isEmpty ? search.origin : entry.origin,
                              "'search' needs a 'space' (or the \(entry.name) entry its own 'search'): the keys to search and how to draw them")
        }
        return (n, seed, space, entrySpaces)
    }

    /// Checks each key of a space and its distribution against the schema and the entries' fixed keys.
    private func checkedSpace(_ written: [SearchDimension], task: TaskDescriptor, entries: [ModelEntry]) throws -> [SearchDimension] {
        var space: [SearchDimension] = []
        for dimension in written {
            var d = dimension
            d.key = try SettingsSchema.canonical(dimension.key, task: task, origin: dimension.origin)
            guard d.key.hasPrefix("model.") || d.key.hasPrefix("train."), let key = SettingsSchema.key(d.key) else {
                throw ConfigError(d.origin, "'\(d.key)' cannot be searched; search model.* or train.* keys")
            }
            if space.contains(where: { $0.key == d.key }) { throw ConfigError(d.origin, "'\(d.key)' is searched twice") }
            // The bounds must lie within the key's range, and a real-valued draw needs a real-valued key.
            let bounds: [ConfigValue]
            switch d.distribution {
            case .choice(let values): bounds = values
            case .int(let low, let high): bounds = [.int(low), .int(high)]
            case .uniform(let low, let high), .logUniform(let low, let high):
                if case .number = key.kind {} else {
                    throw ConfigError(d.origin, "'\(d.key)' is \(key.kind.summary): draw it with int or choice, not a real-valued distribution")
                }
                bounds = [.double(low), .double(high)]
            }
            for v in bounds { _ = try SettingsSchema.check(.scalar(v), as: key.kind, path: d.key, origin: d.origin) }
            for entry in entries where d.key.hasPrefix("model.") && entry.overrides[String(d.key.dropFirst("model.".count))] != nil {
                throw ConfigError(entry.origin, "the \(entry.name) entry fixes '\(d.key)', which the search draws; leave one of them out")
            }
            space.append(d)
        }
        return space
    }
}
