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

    public func folder(_ run: PlannedRun) -> RunFolder { RunFolder(out + "/runs/" + run.id) }

    /// The runs this runner executes: the whole plan, or its shard's share.
    public var runs: [PlannedRun] { shard?.runs(of: plan) ?? plan.runs }

    /// Runs every planned run (of its shard); returns the results in plan order (skipped runs read back
    /// from disk). Throws the first failure when `failFast`.
    public func run() throws -> [RunResult] {
        ComputeThreads.set(plan.threads)
        try FileManager.default.createDirectory(atPath: out + "/runs", withIntermediateDirectories: true)
        var results: [RunResult] = []
        let runs = self.runs
        for (i, run) in runs.enumerated() {
            let folder = self.folder(run)
            if resume, let done = completedResult(run, folder) {
                progress(.runSkipped(index: i + 1, total: runs.count, id: run.id))
                results.append(done)
                continue
            }
            progress(.runStarted(index: i + 1, total: runs.count, id: run.id, epochs: run.config.train.epochs))
            do {
                let result = try execute(run, folder)
                try result.write(to: folder.result)
                progress(.runFinished(id: run.id, result: result))
                results.append(result)
            } catch {
                let reason = "\(error)"
                let failed = RunResult(runID: run.id, model: run.config.model, seed: run.config.seed, status: .failed,
                                       reason: reason, configJSON: run.config.json(), settings: settings(run))
                try FileManager.default.createDirectory(atPath: folder.path, withIntermediateDirectories: true)
                try failed.write(to: folder.result)
                progress(.runFailed(id: run.id, reason: reason))
                results.append(failed)
                if failFast { throw RunFailure(runID: run.id, reason: reason) }
            }
        }
        return try measureLatency(results)
    }

    private func settings(_ run: PlannedRun) -> [String: String] {
        var s = run.point
        s["model_entry"] = run.model.label
        for (k, v) in run.model.overrides { s["model." + k] = v.description }
        return s
    }

    private func execute(_ run: PlannedRun, _ folder: RunFolder) throws -> RunResult {
        PeakMemory.reset()
        var result = try TrainingRun.execute(run.config, runID: run.id, folder: folder, resume: resume) { event in
            switch event {
            case .resumed(let epoch): progress(.resumed(id: run.id, epoch: epoch))
            case .epoch(let record, _): progress(.epoch(id: run.id, record: record, epochs: run.config.train.epochs))
            }
        }
        progress(.measuring(id: run.id))   // FLOPs and memory now; latency for all runs at the end
        let fitted = try RunConfig.decode(json: result.configJSON, file: folder.best)
        let length = Int(result.metrics["length"] ?? 1)
        let (forward, step) = try RunMeasurements.flops(model: fitted.model, config: fitted.modelConfig, length: length,
                                                        batchSize: fitted.train.batchSize)
        result.metrics["macs_forward"] = Double(forward.macs)
        result.metrics["flops_forward"] = Double(forward.matmulFlops)
        result.metrics["nonlinear_forward"] = Double(forward.nonlinearities)
        result.metrics["macs_train_step"] = Double(step.macs)
        result.metrics["flops_train_step"] = Double(step.matmulFlops)
        result.metrics["nonlinear_train_step"] = Double(step.nonlinearities)
        result.metrics["batch_size"] = Double(fitted.train.batchSize)
        result.metrics["threads"] = Double(ComputeThreads.current)
        if let peak = PeakMemory.bytes { result.metrics["peak_rss_mb"] = Double(peak) / 1_048_576 }
        let model = try ModelRegistry.make(fitted.model, config: fitted.modelConfig, seed: 0)
        // Parameters, their gradients and Adam's two moments: 4 float32 copies while training.
        result.metrics["param_bytes"] = Double(4 * model.parameterCount)
        if let bytes = model.activationBytes(lengths: [Int](repeating: length, count: fitted.train.batchSize), maxLength: length) {
            result.metrics["activation_bytes_train_step"] = Double(bytes)
        }
        let sgemm = measureSgemmRate(repetitions: 5)
        result.metrics["sgemm_gflops"] = sgemm
        result.settings = settings(run)
        result.settings[Self.latencyPending] = "yes"
        let machine = MachineInfo.current
        result.settings["cpu"] = machine.cpuModel
        result.settings["cores"] = String(machine.cores)
        result.settings["threads"] = String(machine.threads)
        result.settings["seqbench_version"] = machine.seqbenchVersion
        result.settings["build"] = machine.build
        return result
    }

    /// Marks a completed run whose latency is still to be measured (a crash between training and the
    /// measurement phase leaves it so; `--resume` measures it without training again).
    static let latencyPending = "latency_pending"

    /// The measurement phase: latency of every run that lacks it, measured in interleaved rounds across all
    /// distinct model shapes, so that a burst of noise on this shared machine hits every model alike and
    /// the ratios between models stay trustworthy. Seeds share a shape (timing does not depend on weights),
    /// so each shape is measured once and its samples stored with each of its runs.
    func measureLatency(_ results: [RunResult]) throws -> [RunResult] {
        var results = results
        let pending = results.indices.filter { results[$0].status == .completed && results[$0].settings[Self.latencyPending] != nil }
        guard !pending.isEmpty else { return results }
        struct Shape: Hashable { let model: String; let config: ModelConfig; let batch: Int; let length: Int }
        var shapes: [Shape] = [], fitted: [Shape: RunConfig] = [:]
        var shapeOf: [Int: Shape] = [:]
        for i in pending {
            let config = try RunConfig.decode(json: results[i].configJSON, file: results[i].runID)
            let shape = Shape(model: config.model, config: config.modelConfig, batch: config.train.batchSize,
                              length: Int(results[i].metrics["length"] ?? 1))
            if fitted[shape] == nil { shapes.append(shape); fitted[shape] = config }
            shapeOf[i] = shape
        }
        progress(.measuringLatency(models: shapes.count, runs: pending.count))
        let m = plan.measure
        let rounds = max(1, min(5, m.samples))
        var samples: [Shape: [String: [Int64]]] = [:]
        var benches: [Shape: LatencyBench] = [:]
        for shape in shapes {
            let c = fitted[shape]!
            benches[shape] = try LatencyBench(model: c.model, config: c.modelConfig, train: c.train, length: shape.length,
                                              batchSizes: m.batchSizes)
        }
        for round in 0..<rounds {
            let perRound = m.samples / rounds + (round < m.samples % rounds ? 1 : 0)
            for shape in shapes {
                for (mode, body) in benches[shape]!.modes {
                    samples[shape, default: [:]][mode, default: []] += sampleLatency(
                        warmup: round == 0 ? m.warmup : 1, samples: perRound, maxSeconds: m.maxSeconds / Double(rounds), body)
                }
            }
        }
        for i in pending {
            let shape = shapeOf[i]!
            let (forwardFlops, stepFlops) = (results[i].metrics["flops_forward"] ?? .nan, results[i].metrics["flops_train_step"] ?? .nan)
            for (mode, raw) in samples[shape]! {
                let stats = LatencyStats(nanoseconds: raw)
                results[i].metrics["latency_p50_ms_\(mode)"] = stats.p50 / 1e6
                results[i].metrics["latency_p99_ms_\(mode)"] = stats.p99 / 1e6
                results[i].metrics["latency_spread_\(mode)"] = stats.spread
                let batch = Double(Int(mode.drop { !$0.isNumber }) ?? 1)
                let flops = mode.hasPrefix("train") ? stepFlops : forwardFlops * batch
                results[i].metrics["sequences_per_second_\(mode)"] = batch / (stats.p50 / 1e9)
                results[i].metrics["gflops_\(mode)"] = flops / stats.p50
            }
            results[i].latency = samples[shape]!
            results[i].settings[Self.latencyPending] = nil
            try results[i].write(to: folder(plan.runs.first { $0.id == results[i].runID }!).result)
        }
        return results
    }

    /// A finished run's result when its files say it completed with this very configuration.
    func completedResult(_ run: PlannedRun, _ folder: RunFolder) -> RunResult? {
        guard let result = try? RunResult.read(from: folder.result), result.status == .completed,
              let stored = try? RunConfig.decode(json: result.configJSON, file: folder.result),
              stored.sameSettings(as: run.config),
              (try? Checkpoint.read(from: folder.best)) != nil else { return nil }
        return result
    }

    /// What the run files on disk say about every planned run (all shards): which are missing, failed or
    /// unfinished (trained, latency not yet measured).
    public func census() -> RunCensus {
        var census = RunCensus()
        for run in plan.runs {
            guard let result = try? RunResult.read(from: folder(run).result) else { census.missing.append(run.id); continue }
            switch result.status {
            case .failed: census.failed.append(run.id)
            case .completed:
                if result.settings[Self.latencyPending] != nil { census.unfinished.append(run.id) } else { census.completed.append(run.id) }
            }
        }
        return census
    }

    /// Rebuilds `metrics.h5` from the run files on disk (never from memory), so it can only say what
    /// the runs stored; returns the runs it found, in plan order.
    @discardableResult
    public func collect() throws -> [RunResult] {
        let runs = plan.runs.compactMap { try? RunResult.read(from: folder($0).result) }
        try MetricsFile.write(to: out + "/metrics.h5", experiment: plan.name, configJSON: plan.resolvedJSON, runs: runs)
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

/// `--fail-fast` stopped the experiment.
public struct RunFailure: Error, CustomStringConvertible {
    public let runID: String, reason: String
    public var description: String { "run \(runID) failed: \(reason)" }
}

extension RunConfig {
    /// Equal up to what the data fills in (input kind, vocabulary, features, classes).
    func sameSettings(as other: RunConfig) -> Bool {
        var a = self
        a.modelConfig.input = other.modelConfig.input; a.modelConfig.vocab = other.modelConfig.vocab
        a.modelConfig.features = other.modelConfig.features; a.modelConfig.classes = other.modelConfig.classes
        return a == other
    }
}
