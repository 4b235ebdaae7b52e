import SeqData

/// How many runs train at once and with how many threads each (`jobs`, `run --jobs`).
///
/// The experiment's `threads` (default: the cores seqbench may use, `ComputeThreads.cores`; a Slurm task's
/// `--cpus-per-task`) is shared: jobs × threads per run ≤ threads, always. Each job is a process of its own
/// (`ComputeThreads` is process-wide), so a run's result at a given thread count does not depend on the jobs.
///
/// - `jobs: N` gives N jobs (capped at `threads`, with a note) of threads / N threads each.
/// - `jobs: auto` gives each run the threads its training step can use, one thread per
///   ``flopsPerThread`` FLOPs of a training step (batch × length × FLOPs per step, `PlanEstimate`) of the
///   largest run, at least 1, and as many jobs as fit: threads / that. A plan of fewer runs than that gets
///   one job per run, the threads shared among them. Many small runs: many jobs of 1 thread; a few large
///   runs: fewer jobs of more threads.
///
/// Both depend only on the plan (or its shard), never on what `--resume` finds done, so a resumed run trains
/// with the thread count it started with.
public struct JobPlan: Equatable, Sendable, CustomStringConvertible {
    public let jobs: Int
    public let threadsPerRun: Int
    /// Why the requested jobs were changed (one line), if they were.
    public let note: String?

    /// A training step of this many FLOPs keeps one thread busy enough to be worth it (`auto`).
    public static let flopsPerThread = 5e8

    public init(jobs: Int, threadsPerRun: Int, note: String? = nil) {
        self.jobs = jobs; self.threadsPerRun = threadsPerRun; self.note = note
    }

    /// "2 jobs × 1 thread".
    public var description: String {
        "\(jobs) job\(jobs == 1 ? "" : "s") × \(threadsPerRun) thread\(threadsPerRun == 1 ? "" : "s")"
    }

    /// The jobs for `runs` (the plan's, or its shard's) within `threads`; `requested` nil is `auto`.
    public static func choose(requested: Int?, threads: Int, runs: [PlannedRun]) -> JobPlan {
        let budget = max(1, threads)
        if let requested {
            let jobs = min(max(1, requested), budget)
            let note = jobs < requested
                ? "jobs \(requested) capped to \(jobs): jobs × threads per run stays within threads = \(budget)" : nil
            return JobPlan(jobs: jobs, threadsPerRun: budget / jobs, note: note)
        }
        let perRun = min(budget, max(1, Int((largestStepFlops(runs) / flopsPerThread).rounded(.up))))
        let jobs = max(1, min(budget / perRun, runs.count))
        return JobPlan(jobs: jobs, threadsPerRun: budget / jobs)
    }

    /// FLOPs of one training step (a batch) of the largest of `runs`; 0 when no task can be sized.
    static func largestStepFlops(_ runs: [PlannedRun]) -> Double {
        var sizes: [String: TaskSize] = [:]
        var largest = 0.0
        for run in runs {
            let key = run.config.task.key
            if sizes[key] == nil { sizes[key] = try? TaskRegistry.check(run.config.task) }
            guard let size = sizes[key] else { continue }
            let cost = PlanEstimate.cost(run.config, size: size)
            let perExample = cost.flops / max(1, Double(run.config.train.epochs) * Double(max(size.train, 1)))
            largest = max(largest, perExample * Double(run.config.train.batchSize))
        }
        return largest
    }
}
