import Foundation
import SeqData
import SeqModels
import SeqStore
import SeqTensor
import SeqTrain

/// What the runner reports as it goes.
public enum ProgressEvent: Sendable {
    case runStarted(index: Int, total: Int, id: String, epochs: Int)
    case runSkipped(index: Int, total: Int, id: String)
    case resumed(id: String, epoch: Int)
    case epoch(id: String, record: EpochRecord, epochs: Int)
    case measuring(id: String)
    /// Latency of `models` distinct model shapes for `runs` runs, measured interleaved.
    case measuringLatency(models: Int, runs: Int)
    case runFinished(id: String, result: RunResult)
    case runFailed(id: String, reason: String)
}

/// Runs an experiment plan: one training + measurement per planned run, each into its own folder,
/// recording failures and going on (unless `failFast`), then rebuilding the experiment's files.
public struct ExperimentRunner {
    public let plan: ExperimentPlan
    /// The experiment folder (Results/<name> by default).
    public let out: String
    public var resume = false
    public var failFast = false
    /// Only this shard's runs (`run --shard I/N`); nil runs them all.
    public var shard: Shard?
    public var progress: (ProgressEvent) -> Void = { _ in }

    public init(plan: ExperimentPlan, out: String) { self.plan = plan; self.out = out }

    /// The folder of the run with this id.
    public func folder(_ runID: String) -> RunFolder { RunFolder(out + "/runs/" + runID) }

    /// The runs this runner executes: the whole plan, or its shard's share.
    public var runs: [PlannedRun] { shard?.runs(of: plan) ?? plan.runs }

    /// Only these runs (a training worker's); nil: all of `runs`.
    public var only: Set<String>?
    /// Compute threads while training (a worker's share); nil: the plan's `threads`.
    public var trainingThreads: Int?
    /// Train only, never measure latency (a training worker: its parent measures every run at the end).
    public var trainOnly = false
    /// Train in worker processes, `workers.jobs` at a time (`jobs` > 1); nil trains here, one run after another.
    public var workers: TrainingWorkers?

    /// Runs every planned run (of its shard); returns the results in plan order (skipped runs read back
    /// from disk). Throws the first failure when `failFast`. A run whose files cannot be written (a full
    /// disk, a folder turned read-only) is counted as failed and the others go on; at the end ``UnsavedRuns``
    /// names every such run and the first error.
    public func run() throws -> [RunResult] {
        ComputeThreads.set(trainingThreads ?? plan.threads)
        try createFolder(out + "/runs")
        var unsaved = UnsavedRuns()
        var results: [RunResult] = []
        var todo: [(index: Int, run: PlannedRun)] = []
        let runs = self.runs.filter { only?.contains($0.id) ?? true }
        for (i, run) in runs.enumerated() {
            if resume, let done = resumableResult(run, folder(run.id)) {
                progress(.runSkipped(index: i + 1, total: runs.count, id: run.id))
                results.append(done)
            } else {
                todo.append((i, run))
            }
        }
        if let workers, !todo.isEmpty {
            results += try train(todo, total: runs.count, in: workers, unsaved: &unsaved)
        } else {
            for (i, run) in todo {
                results.append(try train(run, index: i, total: runs.count, unsaved: &unsaved))
            }
        }
        let order = Dictionary(uniqueKeysWithValues: runs.enumerated().map { ($1.id, $0) })
        results.sort { order[$0.runID]! < order[$1.runID]! }
        if trainOnly {
            if !unsaved.runIDs.isEmpty { throw unsaved }
            return results
        }
        // Latency is measured alone, with all of the plan's threads.
        ComputeThreads.set(plan.threads)
        let measured = try measureLatency(results, unsaved: &unsaved)
        if !unsaved.runIDs.isEmpty { throw unsaved }
        return measured
    }

    /// Trains one run here; a failure is recorded in its run.h5 (and thrown when `failFast`).
    private func train(_ run: PlannedRun, index i: Int, total: Int, unsaved: inout UnsavedRuns) throws -> RunResult {
        let folder = self.folder(run.id)
        progress(.runStarted(index: i + 1, total: total, id: run.id, epochs: run.config.train.epochs))
        let trained: RunResult
        do {
            trained = try execute(run, folder)
        } catch {
            let reason = "\(error)"
            let failed = RunResult(runID: run.id, model: run.config.model, entry: run.model.label, seed: run.config.seed,
                                   status: .failed, reason: reason, config: run.config, settings: run.settings)
            do {
                try createFolder(folder.path)
                try failed.write(to: folder.result)
            } catch {
                unsaved.add(run.id, "\(error)")
            }
            progress(.runFailed(id: run.id, reason: reason))
            if failFast { throw RunFailure(runID: run.id, reason: reason) }
            return failed
        }
        do {
            try trained.write(to: folder.result)
            progress(.runFinished(id: run.id, result: trained))
            return trained
        } catch {
            let reason = "could not save: \(error)"
            unsaved.add(run.id, "\(error)")
            progress(.runFailed(id: run.id, reason: reason))
            if failFast { throw RunFailure(runID: run.id, reason: reason) }
            return RunResult(runID: run.id, model: run.config.model, entry: run.model.label, seed: run.config.seed,
                             status: .failed, reason: reason, config: run.config, settings: run.settings)
        }
    }

    /// Trains `todo` in worker processes, `workers.jobs` at a time, each run in a process of its own (which
    /// prints its own progress and writes its run.h5, status trained or failed); reads the results back.
    private func train(_ todo: [(index: Int, run: PlannedRun)], total: Int, in workers: TrainingWorkers,
                       unsaved: inout UnsavedRuns) throws -> [RunResult] {
        var results: [RunResult] = []
        var firstFailure: RunFailure?
        var failure: Error?
        do {
            try workers.run(todo.map { ($0.run, $0.index + 1, total) }) { run, outcome in
                let folder = self.folder(run.id)
                let stored = try? RunResult.read(from: folder.result)
                if outcome.wroteResult, let stored, stored.config.sameSettings(as: run.config) {
                    results.append(stored)
                    if stored.status == .failed, firstFailure == nil {
                        firstFailure = RunFailure(runID: run.id, reason: stored.reason)
                    }
                } else {
                    // The worker ended before it could write run.h5 (a signal, an error it printed).
                    let reason = outcome.wroteResult ? "its run.h5 cannot be read after training"
                        : "its training worker \(outcome)" + (outcome == .exited(3) ? " (its error is above)" : "")
                    let failed = RunResult(runID: run.id, model: run.config.model, entry: run.model.label,
                                           seed: run.config.seed, status: .failed, reason: reason, config: run.config,
                                           settings: run.settings)
                    if (try? createFolder(folder.path)) == nil || (try? failed.write(to: folder.result)) == nil {
                        unsaved.add(run.id, reason)
                    }
                    results.append(failed)
                    if firstFailure == nil { firstFailure = RunFailure(runID: run.id, reason: reason) }
                }
                // With --fail-fast, the first failure stops the other workers.
                return !(failFast && firstFailure != nil)
            }
        } catch { failure = error }
        if failFast, let firstFailure { throw firstFailure }
        if let failure { throw failure }
        return results
    }

    /// Trains one run, then counts its cost (FLOPs, memory); latency comes later, for all runs at once.
    private func execute(_ run: PlannedRun, _ folder: RunFolder) throws -> RunResult {
        PeakMemory.reset()
        var result = try TrainingRun.execute(run, folder: folder, resume: resume) { event in
            switch event {
            case .resumed(let epoch): progress(.resumed(id: run.id, epoch: epoch))
            case .epoch(let record, _): progress(.epoch(id: run.id, record: record, epochs: run.config.train.epochs))
            }
        }
        progress(.measuring(id: run.id))
        guard let shape = result.shape else { preconditionFailure("a trained run has a shape") }
        try RunMeasurements.cost(of: shape).record(into: &result.metrics)
        result.metrics[.threads] = Double(ComputeThreads.current)
        if let peak = PeakMemory.bytes { result.metrics[.peakRSSMB] = Double(peak) / 1_048_576 }
        result.metrics[.sgemmGFLOPs] = measureSgemmRate(repetitions: 5)
        result.machine = MachineInfo.current
        return result
    }

    /// The measurement phase: latency of every trained run, measured in interleaved rounds across all
    /// distinct shapes, so that a burst of noise on this shared machine hits every model alike and the
    /// ratios between models stay trustworthy. Seeds share a shape (timing does not depend on weights),
    /// so each shape is measured once and its samples stored with each of its runs.
    func measureLatency(_ results: [RunResult], unsaved: inout UnsavedRuns) throws -> [RunResult] {
        var results = results
        let pending = results.indices.filter { results[$0].status == .trained }
        guard !pending.isEmpty else { return results }
        var shapes: [RunShape] = [], train: [RunShape: TrainConfig] = [:]
        for i in pending {
            guard let shape = results[i].shape else { continue }
            if train[shape] == nil { shapes.append(shape); train[shape] = results[i].config.train }
        }
        progress(.measuringLatency(models: shapes.count, runs: pending.count))
        let m = plan.measure
        let rounds = max(1, min(5, m.samples))
        var samples: [RunShape: [LatencyMode: [Int64]]] = [:], roundCounts: [RunShape: [LatencyMode: [Int]]] = [:]
        let benches = try shapes.map { try LatencyBench(shape: $0, train: train[$0]!, batchSizes: m.batchSizes) }
        for round in 0..<rounds {
            let perRound = m.samples / rounds + (round < m.samples % rounds ? 1 : 0)
            for (shape, bench) in zip(shapes, benches) {
                for (mode, body) in bench.modes {
                    let taken = sampleLatency(warmup: round == 0 ? m.warmup : 1, samples: perRound,
                                              maxSeconds: m.maxSeconds / Double(rounds), body)
                    samples[shape, default: [:]][mode, default: []] += taken
                    roundCounts[shape, default: [:]][mode, default: []].append(taken.count)
                }
            }
        }
        for i in pending {
            guard let shape = results[i].shape, let measured = samples[shape] else { continue }
            for (mode, raw) in measured { LatencyStats(nanoseconds: raw).record(mode, into: &results[i].metrics) }
            results[i].latency = measured
            results[i].latencyRounds = roundCounts[shape] ?? [:]
            results[i].status = .completed
            do { try results[i].write(to: folder(results[i].runID).result) } catch {
                unsaved.add(results[i].runID, "\(error)")
            }
        }
        return results
    }

    /// A run's stored result when `--resume` may keep it: it completed, or it trained and awaits its latency,
    /// with this very configuration and a readable best checkpoint.
    func resumableResult(_ run: PlannedRun, _ folder: RunFolder) -> RunResult? {
        guard let result = try? RunResult.read(from: folder.result), result.status != .failed,
              result.config.sameSettings(as: run.config),
              (try? Checkpoint.read(from: folder.best)) != nil else { return nil }
        return result
    }

    /// Every run of the plan, plus a search's re-runs of the model entries whose trials have all finished
    /// (planned from the trials' run files), each once, in plan order.
    public var knownRuns: [PlannedRun] {
        guard plan.search != nil else { return plan.runs }
        var seen = Set(plan.runs.map(\.id))
        let reruns = SearchPhase.reruns(plan: plan, entries: SearchPhase.entries(plan: plan, folder: out))
        return plan.runs + reruns.filter { seen.insert($0.id).inserted }
    }

    /// What the run files on disk say about every planned run (all shards): which are missing, failed or
    /// unfinished (trained, latency not yet measured).
    public func census() -> RunCensus {
        var census = RunCensus()
        for run in knownRuns {
            guard let result = try? RunResult.read(from: folder(run.id).result) else { census.missing.append(run.id); continue }
            switch result.status {
            case .failed: census.failed.append(run.id)
            case .trained: census.unfinished.append(run.id)
            case .completed: census.completed.append(run.id)
            }
        }
        return census
    }

    /// Rebuilds `metrics.h5` from the run files on disk (never from memory), so it can only say what
    /// the runs stored; returns the runs it found, in plan order.
    @discardableResult
    public func collect() throws -> [RunResult] {
        let runs = knownRuns.compactMap { try? RunResult.read(from: folder($0.id).result) }
        try MetricsFile.write(to: out + "/metrics.h5", experiment: plan.name, config: plan.resolved, runs: runs)
        return runs
    }
}

/// The state of an experiment's runs on disk, by run id in plan order.
public struct RunCensus: Equatable, Sendable {
    public var completed: [String] = []
    /// No readable run.h5.
    public var missing: [String] = []
    /// run.h5 with status failed.
    public var failed: [String] = []
    /// Trained, but the measurement phase did not finish (`--resume` measures them).
    public var unfinished: [String] = []
    public var isComplete: Bool { missing.isEmpty && failed.isEmpty && unfinished.isEmpty }
}

/// Runs whose files could not be written (a full disk, a read-only folder): every one of them, and the
/// first error, as one line.
public struct UnsavedRuns: Error, CustomStringConvertible, Sendable {
    public private(set) var runIDs: [String] = []
    /// The first error met, as its one line.
    public private(set) var firstError: String?
    public init() {}

    mutating func add(_ runID: String, _ error: String) {
        if !runIDs.contains(runID) { runIDs.append(runID) }
        if firstError == nil { firstError = error }
    }

    public var description: String {
        "could not save: \(runIDs.joined(separator: ", ")); first error: \(firstError ?? "unknown")"
    }
}

/// `--fail-fast` stopped the experiment.
public struct RunFailure: Error, CustomStringConvertible {
    public let runID: String, reason: String
    public var description: String { "run \(runID) failed: \(reason)" }
}

