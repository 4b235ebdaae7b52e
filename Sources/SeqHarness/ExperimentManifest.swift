import Foundation

/// `experiment.json` in an experiment folder: the experiment's frozen plan, written when it starts, plus the
/// config's text, the path it was read from and the `--set` overrides in order (for people; format 1 had only
/// these, and its plan is rebuilt from them).
///
/// Sharded runs, Slurm array tasks and `collect` run from the frozen plan, so editing the YAML while an
/// experiment runs cannot make its parts disagree. Every writer of one experiment writes the same content,
/// each through its own uniquely named temporary file renamed into place, so concurrent writers on a shared
/// file system are harmless: whichever rename lands last leaves identical bytes.
public struct ExperimentManifest: Codable, Equatable, Sendable {
    public static let fileName = "experiment.json"
    public static let format = "seqbench.experiment"
    /// 2: the plan is stored.
    public static let version = 2

    public var format = Self.format
    public var formatVersion = Self.version
    public var experiment: String
    public var configPath: String
    public var configYAML: String
    public var overrides: [String]
    /// The frozen plan (nil in format 1).
    public var frozenPlan: ExperimentPlan?

    enum CodingKeys: String, CodingKey {
        case format, formatVersion = "format_version", experiment, configPath = "config_path",
             configYAML = "config_yaml", overrides, frozenPlan = "plan"
    }

    /// Reads a config file and applies the overrides; returns the manifest with its checked plan.
    /// Errors name `path` as given.
    public static func load(config path: String, overrides: [String]) throws -> ExperimentManifest {
        var config = try ExperimentConfig.load(path)
        for o in overrides { try config.apply(override: o) }
        let plan = try config.plan()
        let text = String(decoding: FileManager.default.contents(atPath: path) ?? Data(), as: UTF8.self)
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        return ExperimentManifest(experiment: plan.name, configPath: absolute, configYAML: text, overrides: overrides,
                                  frozenPlan: plan)
    }

    /// A manifest for a plan built from command-line settings rather than a file (`seqbench train`).
    public init(plan: ExperimentPlan, overrides: [String]) {
        self.init(experiment: plan.name, configPath: "", configYAML: "", overrides: overrides, frozenPlan: plan)
    }

    init(experiment: String, configPath: String, configYAML: String, overrides: [String], frozenPlan: ExperimentPlan?) {
        self.experiment = experiment; self.configPath = configPath; self.configYAML = configYAML
        self.overrides = overrides; self.frozenPlan = frozenPlan
    }

    /// The plan: the frozen one, or (format 1) rebuilt from the stored text and overrides.
    public func plan() throws -> ExperimentPlan {
        if let frozenPlan { return frozenPlan }
        var config = try ExperimentConfig.parse(yaml: configYAML, source: configPath)
        for o in overrides { try config.apply(override: o) }
        return try config.plan()
    }

    /// Writes `<folder>/experiment.json` atomically (a unique temporary name, then rename).
    public func write(into folder: String) throws {
        try createFolder(folder)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try writeAtomically(try encoder.encode(self), to: folder + "/" + Self.fileName)
    }

    /// Reads `<folder>/experiment.json`; a folder without one is not an experiment.
    public static func read(folder: String) throws -> ExperimentManifest {
        let path = folder + "/" + fileName
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ManifestError("\(folder): no such folder")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ManifestError("\(folder) is not an experiment folder: it has no \(fileName) (written by `seqbench run` and `seqbench slurm`)")
        }
        let manifest: ExperimentManifest
        do { manifest = try JSONDecoder().decode(ExperimentManifest.self, from: data) } catch {
            throw ManifestError("\(path): not a seqbench experiment manifest (invalid JSON or missing keys)")
        }
        guard manifest.format == format else { throw ManifestError("\(path): format is '\(manifest.format)', expected '\(format)'") }
        guard manifest.formatVersion <= version else {
            throw ManifestError("\(path): format_version \(manifest.formatVersion) is newer than this seqbench reads (\(version))")
        }
        // A frozen plan is input like any config: every run's settings within the schema's limits.
        for run in manifest.frozenPlan?.runs ?? [] { try SettingsSchema.validate(run.config, file: path) }
        return manifest
    }
}

public struct ManifestError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
