import Foundation
import SeqData
import SeqModels
import SeqTrain

/// Everything that determines one run, fully resolved: stored as `config_json` in its checkpoints
/// so that `eval` and `predict` can rebuild the model and its data months later.
public struct RunConfig: Codable, Equatable, Sendable {
    /// Registry name of the model.
    public var model: String
    /// Architecture; input kind, vocabulary, feature count and classes come from the task's data.
    public var modelConfig: ModelConfig
    public var task: TaskConfig
    public var train: TrainConfig
    /// Seeds data generation, initialisation and shuffling (each its own stream).
    public var seed: UInt64

    public init(model: String, modelConfig: ModelConfig, task: TaskConfig, train: TrainConfig, seed: UInt64) {
        self.model = model; self.modelConfig = modelConfig; self.task = task; self.train = train; self.seed = seed
    }

    enum CodingKeys: String, CodingKey { case model, modelConfig = "model_config", task, train, seed }

    /// Canonical JSON (sorted keys), the form stored as `config_json`: equal configs give equal strings.
    /// Used only where a file is written; in memory a run's configuration stays this struct.
    func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    /// Parses a stored `config_json`; `file` names where it came from in the error.
    static func decode(json: String, file: String) throws -> RunConfig {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        do { return try decoder.decode(RunConfig.self, from: Data(json.utf8)) } catch {
            throw StoreError(file: file, object: "/", "attribute 'config_json' is not a valid run config (\(error))")
        }
    }

    /// The model config with the input kind, vocabulary, features and classes that `data` dictates.
    public func fitted(to data: TaskData) -> RunConfig {
        var c = self
        c.modelConfig.classes = data.classes
        if let vocab = data.vocab { c.modelConfig.input = .tokens; c.modelConfig.vocab = vocab }
        if let features = data.features { c.modelConfig.input = .dense; c.modelConfig.features = features }
        return c
    }

    /// Equal up to what the data fills in (input kind, vocabulary, features, classes): a planned
    /// configuration and the fitted one a run stored describe the same run.
    public func sameSettings(as other: RunConfig) -> Bool {
        var a = self
        a.modelConfig.input = other.modelConfig.input; a.modelConfig.vocab = other.modelConfig.vocab
        a.modelConfig.features = other.modelConfig.features; a.modelConfig.classes = other.modelConfig.classes
        return a == other
    }
}
