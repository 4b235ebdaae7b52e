import Foundation
import SeqStore

/// The second phase of a search: once every trial of a model entry has finished, its best trial by
/// validation accuracy is re-run on the re-run seeds. Planned from the trials' run files on disk, so a
/// second `seqbench run`, another shard or a later Slurm array plans the same re-runs.
public enum SearchPhase {
    /// The search's state from the trials' run files in `folder` (the experiment folder).
    public static func entries(plan: ExperimentPlan, folder: String) -> [EntrySearch] {
        guard let search = plan.search else { return [] }
        let results = plan.runs.compactMap { try? RunResult.read(from: RunFolder(folder + "/runs/" + $0.id).result) }
        return SearchOutcome.entries(results, search: search)
    }

    /// The re-runs of every decided entry's chosen trial (the one on the trial seed is the trial itself,
    /// already done), in entry and seed order; with `shard`, only that shard's share.
    ///
    /// Re-runs are dealt over every (entry, seed) pair of the plan, decided or not, the same round-robin as
    /// ``Shard``: a shard's share never depends on which entries other shards have decided so far.
    public static func reruns(plan: ExperimentPlan, entries: [EntrySearch], shard: Shard? = nil) -> [PlannedRun] {
        guard let search = plan.search else { return [] }
        let shardOf = shard.map { shard in
            Shard.assignment(of: search.entries.flatMap { e in search.seeds.map { slot(e, $0) } }, count: shard.count)
        }
        return entries.flatMap { entry -> [PlannedRun] in
            guard let best = entry.best,
                  let trial = plan.runs.first(where: { $0.model.label == entry.entry && $0.trial?.index == best.trial }) else { return [] }
            return plan.reruns(of: trial).filter { run in
                guard let shard, let shardOf else { return true }
                return shardOf[slot(entry.entry, run.config.seed)] == shard.index
            }
        }
    }

    private static func slot(_ entry: String, _ seed: UInt64) -> String { "\(entry).seed=\(seed)" }
}
