import Foundation
import SeqData
import SeqHDF5
import SeqModels
import SeqStore
import SeqTensor
import SeqTrain

/// A checkpoint with the model and task it was trained on, rebuilt from its stored config and seed.
public struct LoadedCheckpoint {
    public let path: String
    public let checkpoint: Checkpoint
    public let config: RunConfig
    public let model: any SequenceModel

    /// Reads `path`, rebuilds the model from the stored config and loads the weights (names and shapes checked).
    public init(_ path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else { throw StoreError(file: path, "no such file") }
        self.path = path
        checkpoint = try Checkpoint.read(from: path)
        config = checkpoint.config
        try SettingsSchema.validate(config, file: path)
        do {
            model = try ModelRegistry.make(config.model, config: config.modelConfig, seed: config.seed)
        } catch {
            throw StoreError(file: path, object: "/", "stored config cannot build a model: \(error)")
        }
        try checkpoint.load(into: model, file: path)
    }

    /// The task's data, regenerated from the stored task config and seed.
    public func taskData() throws -> TaskData {
        do { return try TaskRegistry.generate(config.task, seed: config.seed) } catch {
            throw StoreError(file: path, object: "/", "stored task config cannot rebuild the data: \(error)")
        }
    }

    /// Test-split evaluation of the stored weights.
    public func evaluateTest() throws -> Evaluation {
        evaluate(model, on: try taskData().test, batchSize: config.train.batchSize)
    }
}

/// `predict`: runs a checkpoint on sequences from an HDF5 file.
public enum Prediction {
    /// Reads IN (`tokens` [N, T] int32 or `features` [N, T, F] float32, and `lengths` [N]), validates it
    /// against the checkpoint's model, and writes OUT atomically in the format its extension names
    /// (`PredictionOutput`): for HDF5 `logits` [N, C], `probabilities` [N, C] (float32), `predictions` [N]
    /// (int32), `class_names` when the checkpoint has them and, for attention models, `attention` [N, T].
    public static func run(_ loaded: LoadedCheckpoint, input: String, output: String, batchSize: Int = 256) throws {
        let sequences = try readInput(input, config: loaded.config.modelConfig)
        let predictions = Predictions(model: loaded.model, sequences: sequences, batchSize: batchSize)
        try PredictionOutput.write(PredictionSet(predictions: predictions, inputs: nil, loaded: loaded), to: output)
    }

    /// Reads and validates a predict input file against the model's input kind and sizes.
    static func readInput(_ path: String, config: ModelConfig) throws -> SequenceBatch {
        guard FileManager.default.fileExists(atPath: path) else { throw StoreError(file: path, "no such file") }
        let file: HDF5File
        do { file = try HDF5File.open(path) } catch let e as HDF5Error {
            throw StoreError(file: path, "cannot open as HDF5: \(e.reason)")
        }
        defer { try? file.close() }
        do {
            let root = file.root
            let key = config.input == .tokens ? "tokens" : "features"
            let other = config.input == .tokens ? "features" : "tokens"
            guard root.exists(key) else {
                let hint = root.exists(other) ? " (it has '\(other)', but this model takes \(key))" : ""
                throw StoreError(file: path, object: "/" + key, "missing\(hint)")
            }
            guard root.exists("lengths") else { throw StoreError(file: path, object: "/lengths", "missing") }
            let (shape, _) = try root.datasetInfo(key)
            let expectedRank = config.input == .tokens ? 2 : 3
            guard shape.count == expectedRank else {
                throw StoreError(file: path, object: "/" + key, "has rank \(shape.count) (shape \(shape)), expected \(expectedRank): \(config.input == .tokens ? "[N, T]" : "[N, T, F]")")
            }
            let (N, T) = (shape[0], shape[1])
            guard N > 0 && T > 0 else { throw StoreError(file: path, object: "/" + key, "is empty (shape \(shape))") }
            let lengths = try root.read("lengths", as: Int64.self).values
            guard lengths.count == N else {
                throw StoreError(file: path, object: "/lengths", "has \(lengths.count) entries, expected \(N) (one per sequence)")
            }
            if let i = lengths.firstIndex(where: { $0 < 1 || $0 > T }) {
                throw StoreError(file: path, object: "/lengths", "entry \(i) is \(lengths[i]); lengths must be in 1...\(T)")
            }
            let lengthsInt = lengths.map { Int($0) }
            if config.input == .tokens {
                let tokens = try root.read("tokens", as: Int32.self).values
                for (n, len) in lengthsInt.enumerated() {
                    for t in 0..<len where tokens[n * T + t] < 0 || Int(tokens[n * T + t]) >= config.vocab {
                        throw StoreError(file: path, object: "/tokens", "token id \(tokens[n * T + t]) at [\(n), \(t)] is outside the vocabulary 0..<\(config.vocab)")
                    }
                }
                // Padding positions are never read; zero them so any value there is harmless.
                var clean = tokens
                for (n, len) in lengthsInt.enumerated() { for t in len..<T { clean[n * T + t] = 0 } }
                return SequenceBatch(tokens: clean, lengths: lengthsInt, length: T)
            } else {
                guard shape[2] == config.features else {
                    throw StoreError(file: path, object: "/features", "has \(shape[2]) features per step, the model takes \(config.features)")
                }
                let features = try root.read("features", as: Float.self).values
                if let i = features.firstIndex(where: { !$0.isFinite }) {
                    throw StoreError(file: path, object: "/features", "value \(features[i]) at flat index \(i) is not finite")
                }
                return SequenceBatch(features: features, featureCount: shape[2], lengths: lengthsInt, length: T)
            }
        } catch let e as HDF5Error {
            throw StoreError(file: path, object: e.object, e.detail)
        }
    }
}
