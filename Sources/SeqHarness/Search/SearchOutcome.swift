import Foundation
import SeqStore

/// One finished trial as the report shows it.
public struct TrialRecord: Equatable, Sendable {
    public let index: Int
    /// The drawn values as stored, by canonical key.
    public let values: [String: String]
    public let score: TrialScore
    public let failed: Bool
}

/// Where the search of one model entry stands: its finished trials and, once all n have finished, the chosen one.
public struct EntrySearch: Equatable, Sendable {
    /// The model entry's label.
    public let entry: String
    /// Finished trials (a run.h5 exists, failed ones included), by trial number.
    public let trials: [TrialRecord]
    /// Trials planned for the entry.
    public let planned: Int
    /// The chosen trial: set once every trial has finished and at least one has a validation accuracy.
    public let best: TrialScore?

    public var isComplete: Bool { trials.count == planned }
    public var chosen: TrialRecord? { best.flatMap { b in trials.first { $0.index == b.trial } } }
}

/// The state of a search, computed from run results (run files or metrics.h5): the same code plans the
/// re-runs and writes the report.
public enum SearchOutcome {
    /// The trial number of a run, when it belongs to a search.
    static func trialIndex(_ result: RunResult) -> Int? { result.settings[SearchTrial.settingKey].flatMap { Int($0) } }

    /// Per model entry (in the config's order), its finished trials (the runs on the trial seed) and its choice.
    public static func entries(_ results: [RunResult], search: SearchPlan) -> [EntrySearch] {
        search.entries.map { entry in
            var byTrial: [Int: TrialRecord] = [:]
            for result in results where result.entry == entry && result.seed == search.trialSeed {
                guard let index = trialIndex(result), (1...search.n).contains(index) else { continue }
                byTrial[index] = TrialRecord(index: index, values: result.settings.filter { search.keys.contains($0.key) },
                                             score: TrialScore(trial: index, result: result), failed: result.status == .failed)
            }
            let trials = byTrial.values.sorted { $0.index < $1.index }
            let best = trials.count == search.n ? TrialSelection.best(trials.map(\.score)) : nil
            return EntrySearch(entry: entry, trials: trials, planned: search.n, best: best)
        }
    }

    /// The runs an experiment's results and comparisons are made of: every run, or with a search, each entry's
    /// chosen trial on the re-run seeds (`seqbench compare` and the report alike).
    public static func comparedRuns(_ results: [RunResult], search: SearchPlan?) -> [RunResult] {
        guard let search else { return results }
        return finalRuns(results, entries: entries(results, search: search), search: search)
    }

    /// The runs of each entry's chosen trial on the re-run seeds: what the results table and the paired
    /// comparisons are made of.
    public static func finalRuns(_ results: [RunResult], entries: [EntrySearch], search: SearchPlan) -> [RunResult] {
        let chosen = Dictionary(uniqueKeysWithValues: entries.compactMap { e in e.best.map { (e.entry, $0.trial) } })
        return results.filter { r in
            chosen[r.entry] != nil && trialIndex(r) == chosen[r.entry] && search.seeds.contains(r.seed)
        }
    }
}
