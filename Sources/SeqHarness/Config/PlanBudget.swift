import SeqData
import SeqModels
import SeqStore

/// What a plan will cost, estimated from its settings before anything is trained (README, "Experiment
/// configs", "Limits"). All arithmetic is in Double, so no setting can overflow it.
///
/// For a run with padded length T, input width I (embedding width, or the task's feature count), hidden
/// width H, L layers and attention width A:
///
///     recurrent weights  W = Σ over layers 8·H·(I_l + H + 1)      (4 gates, 2 directions; I_1 = I, I_l = 2H)
///     attention weights  W_a = 3·A·2H + A
///     FLOPs per step     6·(W + W_a) + 4·T·A                       (forward 2, backward 4 per weight; scores)
///     training FLOPs     epochs · train examples · T · FLOPs per step
///     parameters P       W + W_a + vocab·embed_dim
///     memory             16·P (weights, gradients, two Adam moments) + 4·examples·T·F + 8·examples
///                        + 4·batch·T·L·2·6H (kept activations) + 4·batch·T²  (attention scores)
///
/// The plan's work is the sum of the runs' training FLOPs, its memory the largest run's.
public struct PlanEstimate: Equatable, Sendable {
    public var runs: Int
    public var flops: Double
    public var peakBytes: Double
    /// The run with the largest memory estimate.
    public var largestRun: String

    /// Above any of these, `run`, `train` and `slurm` stop unless given `--yes`.
    public static let maxFlops = 1e15
    public static let maxBytes = 8.0 * 1024 * 1024 * 1024
    public static let maxRuns = 10_000

    public var exceedsBudget: Bool {
        flops > Self.maxFlops || peakBytes > Self.maxBytes || runs > Self.maxRuns
    }

    /// One line: the estimate and the budget.
    public var summary: String {
        "the plan is \(runs) runs, about \(formatNumber(flops)) training FLOPs and "
            + "\(gib(peakBytes)) GiB peak memory (largest run \(largestRun))"
    }

    func gib(_ bytes: Double) -> String { formatNumber(bytes / (1024 * 1024 * 1024)) }

    /// Throws one line when the plan is over budget.
    public func checkBudget() throws {
        guard exceedsBudget else { return }
        throw ConfigError("", summary + "; above the budget of \(Int(Self.maxRuns)) runs, 1e15 FLOPs or 8 GiB: "
                          + "pass --yes to run it anyway")
    }

    /// The cost of one run of `config` on data of `size`.
    static func cost(_ config: RunConfig, size: TaskSize) -> (flops: Double, bytes: Double, parameters: Double) {
        let m = config.modelConfig
        let T = Double(max(size.length, 1)), H = Double(m.hidden), L = Double(m.layers), A = Double(m.attentionDim)
        let tokens = size.features <= 1
        let input = tokens ? Double(m.embedDim) : Double(size.features)
        var W = 0.0
        for layer in 0..<max(m.layers, 1) { W += 8 * H * ((layer == 0 ? input : 2 * H) + H + 1) }
        let Wa = 3 * A * 2 * H + A
        let perStep = 6 * (W + Wa) + 4 * T * A
        let flops = Double(config.train.epochs) * Double(size.train) * T * perStep
        let parameters = W + Wa + (tokens ? Double(max(size.vocab, 1)) * Double(m.embedDim) : 0)
        let batch = Double(config.train.batchSize)
        let bytes = 16 * parameters + 4 * Double(size.total) * T * Double(max(size.features, 1)) + 8 * Double(size.total)
            + 4 * batch * T * L * 2 * 6 * H + 4 * batch * T * T
        return (flops, bytes, parameters)
    }
}

extension ExperimentPlan {
    /// At most this many runs are ever expanded (`plan()` refuses more); the budget's run limit is lower.
    public static let maxRuns = 100_000

    /// The plan's total work and peak memory (`PlanEstimate`), from each distinct task's size.
    public func estimate() throws -> PlanEstimate {
        var sizes: [String: TaskSize] = [:]
        // A search's re-runs are planned later; count, for each trial, its re-runs on the other seeds: an upper bound.
        let runs = self.runs + self.runs.flatMap { trial in reruns(of: trial).filter { $0.id != trial.id } }
        var estimate = PlanEstimate(runs: runs.count, flops: 0, peakBytes: 0, largestRun: runs.first?.id ?? "—")
        for run in runs {
            let key = run.config.task.key
            let size: TaskSize
            if let s = sizes[key] { size = s } else {
                do { size = try TaskRegistry.check(run.config.task) } catch { throw ConfigError(run.id, "\(error)") }
                sizes[key] = size
            }
            let cost = PlanEstimate.cost(run.config, size: size)
            estimate.flops += cost.flops
            if cost.bytes > estimate.peakBytes { estimate.peakBytes = cost.bytes; estimate.largestRun = run.id }
        }
        return estimate
    }
}
