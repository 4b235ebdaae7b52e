import Foundation
import SeqData
import SeqStore

/// One trial of a random search: its index (from 1) and the values drawn for it, by canonical key.
public struct SearchTrial: Codable, Equatable, Sendable {
    public let index: Int
    public let values: [String: ConfigValue]

    public init(index: Int, values: [String: ConfigValue]) { self.index = index; self.values = values }

    /// The run setting that names a run's trial (stored in run.h5 `/settings`).
    public static let settingKey = "search.trial"
}

/// A checked `search:` (README, "Tuning each model"): n trials per model entry drawn from `space` with `seed`,
/// trained on `trialSeed`; the best trial of each entry by validation accuracy is then re-run on `seeds`.
/// Part of the frozen plan and of metrics.h5's resolved configuration, so shards, `collect` and `report`
/// all know it.
public struct SearchPlan: Codable, Equatable, Sendable {
    /// Trials per model entry.
    public let n: Int
    /// The sampling seed.
    public let seed: UInt64
    public let space: [SearchDimension]
    /// The spaces of the model entries that have their own `search:` (`space` with their keys replaced or
    /// added), by entry label.
    public let entrySpaces: [String: [SearchDimension]]
    /// The seed every trial trains with: the first of `seeds`.
    public let trialSeed: UInt64
    /// The seeds the best trial of each model entry is re-run on (`seeds`).
    public let seeds: [UInt64]
    /// The model entries' labels, in the config's order.
    public let entries: [String]

    enum CodingKeys: String, CodingKey { case n, seed, space, entrySpaces = "entry_spaces", trialSeed = "trial_seed", seeds, entries }

    public init(n: Int, seed: UInt64, space: [SearchDimension], entrySpaces: [String: [SearchDimension]] = [:], trialSeed: UInt64,
                seeds: [UInt64], entries: [String]) {
        self.n = n; self.seed = seed; self.space = space; self.entrySpaces = entrySpaces; self.trialSeed = trialSeed
        self.seeds = seeds; self.entries = entries
    }

    /// The space the trials of the model entry labelled `entry` are drawn from.
    public func space(for entry: String) -> [SearchDimension] { entrySpaces[entry] ?? space }

    /// `trial03` for trial 3 of up to 99, `trial003` of up to 999: fixed width, so ids sort by trial.
    public func trialName(_ index: Int) -> String {
        let digits = max(2, String(n).count)
        let number = String(index)
        return "trial" + String(repeating: "0", count: max(0, digits - number.count)) + number
    }

    /// A trial's run id on `seed`: `bilstm-trial03.seed=1`, also its folder name. A re-run on another seed
    /// differs only in the seed, and the re-run on the trial seed is the trial itself.
    public func runID(entry: String, trial: Int, seed: UInt64) -> String { "\(entry)-\(trialName(trial)).seed=\(seed)" }

    /// The searched keys of every entry, sorted.
    public var keys: [String] { Set(space.map(\.key) + entrySpaces.values.flatMap { $0.map(\.key) }).sorted() }
}

extension ExperimentPlan {
    /// The plan's random search, if it has one (then `runs` are its trials).
    public var search: SearchPlan? { resolved.search }

    /// The runs re-running a trial on every re-run seed, in seed order (the trial seed's is the trial itself).
    public func reruns(of trial: PlannedRun) -> [PlannedRun] {
        guard let search, let t = trial.trial else { return [] }
        return search.seeds.map { seed in
            var config = trial.config
            config.seed = seed
            return PlannedRun(id: search.runID(entry: trial.model.label, trial: t.index, seed: seed), config: config,
                              model: trial.model, point: trial.point, trial: t)
        }
    }

    /// The run with this id: a planned run, or the re-run of a trial on one of the re-run seeds (planned only
    /// once its model's trials have finished; a training worker looks it up here).
    public func plannedRun(id: String) -> PlannedRun? {
        if let run = runs.first(where: { $0.id == id }) { return run }
        return runs.lazy.flatMap { reruns(of: $0) }.first { $0.id == id }
    }

    /// The same plan with other runs (a search's re-runs, a worker's one run).
    public func with(runs: [PlannedRun]) -> ExperimentPlan {
        ExperimentPlan(name: name, runs: runs, sweepKeys: sweepKeys, measure: measure, threads: threads, jobs: jobs,
                       comparisons: comparisons, resolved: resolved)
    }
}
