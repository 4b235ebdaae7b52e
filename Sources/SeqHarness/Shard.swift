import Foundation

/// One shard of an experiment: shard `index` of `count`, numbered from 0 (as `SLURM_ARRAY_TASK_ID` with
/// `--array=0-<count-1>`).
///
/// Assignment: the plan's run ids sorted (byte order), then dealt round-robin — the run at sorted position p
/// goes to shard p mod count. It depends on the set of run ids only (not on the config's order, the machine,
/// the process or a hash seed), so every shard of a job array computes the same split; shard sizes differ by
/// at most one, and every run belongs to exactly one shard.
public struct Shard: Equatable, Sendable, CustomStringConvertible {
    public let index: Int
    public let count: Int

    public init(index: Int, count: Int) throws {
        guard count > 0 else { throw ShardError("the shard count must be positive, got \(count)") }
        guard (0..<count).contains(index) else {
            throw ShardError("shard index \(index) is out of range: shards of \(count) are numbered 0…\(count - 1)")
        }
        self.index = index; self.count = count
    }

    /// Parses `I/N`, e.g. `0/4` … `3/4`.
    public init(parsing text: String) throws {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]) else {
            throw ShardError("'\(text)' is not a shard: expected I/N with whole numbers, 0 ≤ I < N (e.g. 0/4; shards are numbered from 0)")
        }
        guard n > 0 else { throw ShardError("'\(text)': the shard count N must be positive") }
        guard (0..<n).contains(i) else {
            throw ShardError("'\(text)': the shard index must be in 0…\(n - 1) (shards are numbered from 0, as SLURM_ARRAY_TASK_ID with --array=0-\(n - 1))")
        }
        try self.init(index: i, count: n)
    }

    public var description: String { "\(index)/\(count)" }

    /// The shard of every id (round-robin over the sorted ids).
    public static func assignment(of ids: [String], count: Int) -> [String: Int] {
        var shardOf: [String: Int] = [:]
        for (position, id) in Set(ids).sorted(by: { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }).enumerated() {
            shardOf[id] = position % count
        }
        return shardOf
    }

    /// This shard's runs, in plan order.
    public func runs(of plan: ExperimentPlan) -> [PlannedRun] {
        let shardOf = Self.assignment(of: plan.runs.map(\.id), count: count)
        return plan.runs.filter { shardOf[$0.id] == index }
    }
}

public struct ShardError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
