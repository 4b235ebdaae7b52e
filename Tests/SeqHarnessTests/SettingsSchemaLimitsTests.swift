import Foundation
import SeqData
@testable import SeqHarness
import SeqModels
import SeqStore
import SeqTrain
import XCTest

/// Ranges in `seqbench list keys`, and a stored config checked with the same schema and limits.
extension SettingsSchemaTests {
    func testEverySizeKeyShowsItsMinimumAndMaximum() {
        for key in SettingsSchema.keys {
            switch key.kind {
            case .int(let min, let max), .intList(let min, let max, _):
                XCTAssertLessThan(min, max, key.path)
                XCTAssertLessThanOrEqual(max, 1 << 53, key.path)
                XCTAssertTrue(key.kind.summary.contains("…"), "\(key.path): \(key.kind.summary)")
            case .number(let min, _, let max, _):
                XCTAssertTrue(min.isFinite && max.isFinite && min < max, key.path)
            default: break
            }
        }
        let table = SettingsSchema.table.markdown()
        for row in ["| model.hidden | integer in 1…65536 |", "| model.layers | integer in 1…64 |",
                    "| train.batch_size | integer in 1…65536 |", "| train.lr | number in (0, 1000] |",
                    "| seeds | list of 1…10000 integers in 0…2^53 |", "| measure.latency.warmup | integer in 0…1000000 |",
                    "| measure.latency.max_seconds | number in (0, 3600] |", "| threads | integer in 1…4096 |"] {
            XCTAssertTrue(table.contains(row), row)
        }
    }

    private func storedConfig() throws -> RunConfig {
        var config = ExperimentConfig(source: "test")
        try config.apply(override: "models=[lstm]")
        return try config.plan().runs[0].config
    }

    private func storedFailure(_ change: (inout RunConfig) -> Void) throws -> String {
        var config = try storedConfig()
        change(&config)
        do { try SettingsSchema.validate(config, file: "best.h5"); return "no error" } catch { return "\(error)" }
    }

    func testStoredConfigIsValidatedWithTheSameLimits() throws {
        XCTAssertNoThrow(try SettingsSchema.validate(try storedConfig(), file: "best.h5"))
        let cases: [((inout RunConfig) -> Void, String)] = [
            ({ $0.modelConfig.hidden = Int.max }, "best.h5: stored config: 'model.hidden' must be an integer in 1…65536"),
            ({ $0.modelConfig.classes = 1 << 53 }, "'model.classes' must be an integer in 1…1000000"),
            ({ $0.modelConfig.vocab = 1 << 40 }, "'model.vocab' must be an integer in 0…2^24"),
            ({ $0.modelConfig.layers = 0 }, "'model.layers' must be an integer in 1…64"),
            ({ $0.train.batchSize = Int.max }, "'train.batch_size' must be an integer in 1…65536"),
            ({ $0.train.learningRate = .infinity }, "'train.lr' must be a number in (0, 1000]"),
            ({ $0.train.momentum = .nan }, "'train.momentum' must be a number in [0, 1)"),
            ({ $0.seed = 1 << 60 }, "'seeds' must be in 0…2^53"),
            ({ $0.task.parameters["val_size"] = .int(1_000_000_000_000) }, "task contains: 'val_size' must be in 1…100000000"),
            ({ $0.task.parameters["length"] = .int(Int.max) }, "task contains: 'length' must be in 1…1000000"),
            ({ $0.task.name = "imdb" }, "unknown task 'imdb'"),
            ({ $0.modelConfig.hidden = 65536; $0.modelConfig.layers = 64 }, "parameters; at most 2^29"),
            ({ $0.modelConfig.embedDropout = 1 }, "'model.embed_dropout' must be a number in [0, 1)"),
            ({ $0.modelConfig.layerDropout = .nan }, "'model.layer_dropout' must be a number in [0, 1)"),
            ({ $0.modelConfig.outputDropout = -0.5 }, "'model.output_dropout' must be a number in [0, 1)"),
            ({ $0.train.weightDecay = .infinity }, "'train.weight_decay' must be a number in [0, 10]"),
            ({ $0.train.stepSize = 0 }, "'train.step_size' must be an integer in 1…100000"),
            ({ $0.train.gamma = 0 }, "'train.gamma' must be a number in (0, 1)"),
            ({ $0.train.warmupSteps = -1 }, "'train.warmup_steps' must be an integer in 0…100000000"),
            ({ $0.train.minLearningRate = .nan }, "'train.min_lr' must be a number in [0, 1000]"),
            ({ $0.train.plateauPatience = Int.max }, "'train.plateau_patience' must be an integer in 0…100000"),
            ({ $0.train.plateauThreshold = 1 }, "'train.plateau_threshold' must be a number in [0, 1)"),
            ({ $0.train.minDelta = -1 }, "'train.min_delta' must be a number in [0, 1e6]"),
        ]
        for (change, fragment) in cases {
            let message = try storedFailure(change)
            XCTAssertTrue(message.contains(fragment), "\(fragment): \(message)")
            XCTAssertTrue(message.hasPrefix("best.h5: stored config: "), message)
            XCTAssertFalse(message.contains("\n"), message)
        }
    }

    /// A hostile checkpoint is one error line from LoadedCheckpoint, not an allocation abort.
    func testHostileCheckpointIsRefusedBeforeAModelIsBuilt() throws {
        let dir = NSTemporaryDirectory() + "seqbench-hostile-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var config = try storedConfig()
        config.modelConfig = ModelConfig(vocab: 12, embedDim: 4, hidden: 4, attentionDim: 4, classes: 2)
        let model = try ModelRegistry.make(config.model, config: config.modelConfig, seed: 1)
        let state = Trainer(model: model, config: config.train, seed: 1).state
        for (name, change) in [("hidden", { (c: inout RunConfig) in c.modelConfig.hidden = Int.max }),
                               ("classes", { (c: inout RunConfig) in c.modelConfig.classes = 1 << 53 }),
                               ("val_size", { (c: inout RunConfig) in c.task.parameters["val_size"] = .double(1e12) })] {
            var hostile = config
            change(&hostile)
            let path = dir + "/\(name).h5"
            try Checkpoint(kind: .best, config: hostile, parameters: model.parameters.map(NamedArray.init), trainer: state)
                .write(to: path)
            XCTAssertThrowsError(try LoadedCheckpoint(path)) { error in
                XCTAssertTrue("\(error)".hasPrefix(path + ": stored config: "), "\(error)")
                XCTAssertTrue("\(error)".contains(name), "\(error)")
            }
        }
    }
}
