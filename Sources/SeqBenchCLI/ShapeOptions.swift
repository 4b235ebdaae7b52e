import ArgumentParser
import SeqHarness
import SeqModels
import SeqStore

/// The model shape that `flops` and `bench` measure: one model on a task's data, set with the same `--set`
/// keys, defaults and checks as an experiment config (`model.hidden`, `task.length`, `train.batch_size`, …;
/// short aliases such as `hidden`, `length`, `batch_size` too).
struct ShapeOptions: ParsableArguments {
    @Argument(help: "Registered model (seqbench list models).") var model: String
    @Option(name: .customLong("set"), help: ArgumentHelp(
        "A setting (repeatable), e.g. --set model.hidden=256 --set task.length=128 --set train.batch_size=8; `seqbench list keys`.",
        valueName: "key=value"))
    var settings: [String] = []

    func validate() throws {
        guard ModelRegistry.names.contains(model) else {
            throw ValidationError("unknown model '\(model)'; expected one of: \(ModelRegistry.names.joined(separator: ", "))")
        }
    }

    /// The checked one-run plan these settings describe.
    func plan() throws -> ExperimentPlan {
        var config = ExperimentConfig(source: "--set")
        try config.apply(override: "name=shape")
        try config.apply(override: "models=[\(model)]")
        for s in settings { try config.apply(override: s) }
        let plan = try config.plan()
        guard plan.runs.count == 1 else {
            throw ValidationError("--set describes \(plan.runs.count) runs (a sweep or several seeds); describe one model shape")
        }
        try SettingsSchema.checkModelSize(plan.runs[0].config.modelConfig, origin: "--set")
        return plan
    }
}
