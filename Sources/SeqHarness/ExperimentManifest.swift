import Foundation

/// `experiment.json` in an experiment folder: what `seqbench collect` needs to rebuild the plan without the
/// original config file — the config's text, the path it was read from (relative data paths resolve against
/// it) and the `--set` overrides in order.
///
/// `run` (sharded or not) and `slurm` write it. Every shard of one experiment writes the same content, each
/// through its own uniquely named temporary file renamed into place, so concurrent writers on a shared file
/// system are harmless: whichever rename lands last leaves identical bytes.
public struct ExperimentManifest: Codable, Equatable, Sendable {
    public static let fileName = "experiment.json"
    public static let format = "seqbench.experiment"

    public var format = Self.format
    public var formatVersion = 1
    public var experiment: String
    public var configPath: String
    public var configYAML: String
    public var overrides: [String]

    enum CodingKeys: String, CodingKey {
        case format, formatVersion = "format_version", experiment, configPath = "config_path",
             configYAML = "config_yaml", overrides
    }

    /// Reads a config file and applies the overrides; returns the manifest and its checked plan.
    /// Errors name `path` as given.
    public static func load(config path: String, overrides: [String]) throws -> (ExperimentManifest, ExperimentPlan) {
        var config = try ExperimentConfig.load(path)
        for o in overrides { try config.apply(override: o) }
        let plan = try config.plan()
        let text = String(decoding: FileManager.default.contents(atPath: path) ?? Data(), as: UTF8.self)
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        return (ExperimentManifest(experiment: plan.name, configPath: absolute, configYAML: text, overrides: overrides), plan)
    }

    /// The plan, rebuilt from the stored text and overrides.
    public func plan() throws -> ExperimentPlan {
        var config = try ExperimentConfig.parse(yaml: configYAML, source: configPath)
        for o in overrides { try config.apply(override: o) }
        return try config.plan()
    }

    /// Writes `<folder>/experiment.json` atomically (a unique temporary name, then rename).
    public func write(into folder: String) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let path = folder + "/" + Self.fileName
        let temp = folder + "/.\(Self.fileName).tmp-\(getpid())-\(UUID().uuidString)"
        try encoder.encode(self).write(to: URL(fileURLWithPath: temp))
        guard rename(temp, path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(atPath: temp)
            throw ManifestError("\(path): cannot write: \(reason)")
        }
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
        guard manifest.formatVersion <= 1 else {
            throw ManifestError("\(path): format_version \(manifest.formatVersion) is newer than this seqbench reads (1)")
        }
        return manifest
    }
}

public struct ManifestError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
