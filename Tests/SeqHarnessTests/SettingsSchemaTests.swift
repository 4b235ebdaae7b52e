import SeqData
@testable import SeqHarness
import SeqModels
import SeqTrain
import XCTest

/// The settings schema: one definition of each setting, one way to name it.
final class SettingsSchemaTests: XCTestCase {
    /// The schema's architecture and training defaults are the library types' own, so a config, `train` and a
    /// library user who writes `TrainConfig()` all get the same run.
    func testDefaultsAreTheLibraryTypesDefaults() throws {
        var config = ExperimentConfig(source: "test")
        try config.apply(override: "models=[lstm]")
        let run = try config.plan().runs[0]
        XCTAssertEqual(run.config.train, TrainConfig())
        let model = ModelConfig()
        XCTAssertEqual(run.config.modelConfig.hidden, model.hidden)
        XCTAssertEqual(run.config.modelConfig.embedDim, model.embedDim)
        XCTAssertEqual(run.config.modelConfig.attentionDim, model.attentionDim)
        XCTAssertEqual(run.config.modelConfig.layers, model.layers)
        XCTAssertEqual(run.config.task.name, "contains", "task.name's default")
        XCTAssertEqual(SettingsSchema.defaultValue("train.lr")?.description, "0.002", "shortest decimal of the float default")
    }

    func testShortAliasesNameTheOneKeyEndingInThem() throws {
        let recall = try TaskRegistry.descriptor(named: "recall")
        for (alias, key) in [("hidden", "model.hidden"), ("lr", "train.lr"), ("length", "task.length"),
                             ("batch_size", "train.batch_size"), ("samples", "measure.latency.samples"), ("pairs", "task.pairs"),
                             ("seeds", "seeds"), ("train.lr", "train.lr")] {
            XCTAssertEqual(try SettingsSchema.canonical(alias, task: recall, origin: "--set"), key, alias)
        }
        XCTAssertThrowsError(try SettingsSchema.canonical("pairs", task: try TaskRegistry.descriptor(named: "contains"), origin: "--set")) {
            XCTAssertEqual("\($0)", "--set: unknown key 'pairs'")
        }
        XCTAssertThrowsError(try SettingsSchema.canonical("hiden", task: recall, origin: "--set")) {
            XCTAssertTrue("\($0)".contains("did you mean 'model.hidden'?"), "\($0)")
        }
        // A task with a setting that shares its last name with a model key makes the alias ambiguous.
        let clash = TaskDescriptor(name: "clash", summary: "", parameters: [TaskParameter("hidden", .int(1), "")]) { _, _ in
            throw TaskError.data("unused")
        }
        XCTAssertThrowsError(try SettingsSchema.canonical("hidden", task: clash, origin: "--set")) {
            XCTAssertEqual("\($0)", "--set: 'hidden' is ambiguous: write one of model.hidden, task.hidden")
        }
    }

    /// Aliases in `--set` and sweeps resolve to the same plan as the dotted keys.
    func testAliasedOverridesPlanTheSameRuns() throws {
        func plan(_ overrides: [String]) throws -> ExperimentPlan {
            var c = try ExperimentConfig.parse(yaml: "name: a\ntask: {name: contains}\nmodels: [rnn]\n", source: "a.yaml")
            for o in overrides { try c.apply(override: o) }
            return try c.plan()
        }
        let dotted = try plan(["model.hidden=16", "train.lr=0.01", "sweep.task.length=[8, 12]"])
        let short = try plan(["hidden=16", "lr=0.01", "sweep.length=[8, 12]"])
        XCTAssertEqual(dotted, short)
        XCTAssertEqual(dotted.sweepKeys, ["task.length"])
        XCTAssertEqual(dotted.runs.map(\.id), ["rnn.length=8.seed=1", "rnn.length=12.seed=1"])
    }

    /// The plan survives its JSON (experiment.json) unchanged, so shards compare plans exactly.
    func testPlanRoundTripsThroughJSON() throws {
        var c = try ExperimentConfig.parse(yaml: "name: a\ntask: {name: contains}\nmodels: [rnn, {name: lstm, hidden: 8}]\ntrain: {clip: 1.0}\n",
                                           source: "a.yaml")
        try c.apply(override: "sweep.train.lr=[0.01, 0.1]")
        let plan = try c.plan()
        let decoded = try JSONDecoder().decode(ExperimentPlan.self, from: try JSONEncoder().encode(plan))
        XCTAssertEqual(decoded, plan)
        XCTAssertEqual(decoded.runs.map(\.settings), plan.runs.map(\.settings))
    }
}
