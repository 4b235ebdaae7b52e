/// The typed values one run records. Every name below is declared once, and that name is the HDF5 column
/// (an attribute of `/metrics` in run.h5 and checkpoints, a dataset of `/summary` in metrics.h5) and the
/// CSV header of the same figure.

/// A figure a run records once (latency figures are per mode: `LatencyMetric`).
public enum Metric: String, CaseIterable, Sendable, Comparable {
    /// Test accuracy of the best validation epoch's weights, 0…1.
    case testAccuracy = "test_accuracy"
    case testLoss = "test_loss"
    case bestValidationAccuracy = "best_val_accuracy"
    case bestEpoch = "best_epoch"
    /// Epochs trained (early stopping may end before the configured maximum).
    case epochs
    /// Trainable scalars.
    case parameters = "params"
    case trainSeconds = "train_seconds"
    /// Padded length T of the task's sequences.
    case length
    case batchSize = "batch_size"
    /// Compute threads the run used.
    case threads
    /// Forward of one sequence: multiply-accumulates, matmul FLOPs (2 per MAC) and nonlinearities.
    case macsForward = "macs_forward"
    case flopsForward = "flops_forward"
    case nonlinearForward = "nonlinear_forward"
    /// One training step (forward, loss, backward) on a whole batch.
    case macsTrainStep = "macs_train_step"
    case flopsTrainStep = "flops_train_step"
    case nonlinearTrainStep = "nonlinear_train_step"
    /// Peak resident memory of the process while the run trained and was measured, MiB.
    case peakRSSMB = "peak_rss_mb"
    /// Parameters, gradients and Adam's two moments as float32.
    case parameterBytes = "param_bytes"
    /// Activations one training step keeps for backward (analytic).
    case activationBytesTrainStep = "activation_bytes_train_step"
    /// This machine's sgemm rate through seqbench's GEMM, measured beside the run.
    case sgemmGFLOPs = "sgemm_gflops"
    /// 1 when the run trained, 0 when it did not (stayed at chance, loss did not fall or exploded).
    case trained
    /// Accuracy of always predicting the most frequent validation class.
    case chanceAccuracy = "chance_accuracy"

    public static func < (a: Metric, b: Metric) -> Bool { a.rawValue < b.rawValue }
}

/// A timed mode: inference of a batch, or one full training step at the training batch size.
public enum LatencyMode: Hashable, Sendable, Comparable, CustomStringConvertible {
    case infer(batch: Int)
    case train(batch: Int)

    /// Sequences one timed call processes.
    public var batch: Int {
        switch self { case .infer(let b), .train(let b): return b }
    }

    public var isTraining: Bool { if case .train = self { return true } else { return false } }

    /// The stored name: `infer_b32`, `train_b32`.
    public var name: String { (isTraining ? "train_b" : "infer_b") + String(batch) }
    public var description: String { name }

    /// Reads a stored name; nil for anything else.
    public init?(name: String) {
        for (prefix, make) in [("infer_b", LatencyMode.infer), ("train_b", LatencyMode.train)] where name.hasPrefix(prefix) {
            guard let b = Int(name.dropFirst(prefix.count)), b > 0, String(b) == name.dropFirst(prefix.count) else { return nil }
            self = make(b)
            return
        }
        return nil
    }

    /// Inference modes first, by batch, then training modes.
    public static func < (a: LatencyMode, b: LatencyMode) -> Bool {
        a.isTraining != b.isTraining ? !a.isTraining : a.batch < b.batch
    }
}

/// A figure summarising one mode's latency samples; stored as `<name>_<mode>`, e.g. `latency_p50_ms_infer_b1`.
public enum LatencyMetric: String, CaseIterable, Sendable {
    case p50Milliseconds = "latency_p50_ms"
    case p99Milliseconds = "latency_p99_ms"
    /// Interquartile range over median.
    case spread = "latency_spread"
    case sequencesPerSecond = "sequences_per_second"
    /// Counted matmul FLOPs over the median time.
    case gflops

    public func column(_ mode: LatencyMode) -> String { rawValue + "_" + mode.name }
}

/// A run's figures, keyed by their declared names.
public struct RunMetrics: Equatable, Sendable {
    private var values: [Metric: Double] = [:]
    private var latencyValues: [LatencyMode: [LatencyMetric: Double]] = [:]

    public init() {}

    public subscript(_ metric: Metric) -> Double? {
        get { values[metric] }
        set { values[metric] = newValue }
    }

    public subscript(_ metric: LatencyMetric, _ mode: LatencyMode) -> Double? {
        get { latencyValues[mode]?[metric] }
        set { latencyValues[mode, default: [:]][metric] = newValue }
    }

    /// Every recorded figure as (column name, value), in column-name order.
    public var columns: [(name: String, value: Double)] {
        let plain = values.map { ($0.key.rawValue, $0.value) }
        let latency = latencyValues.flatMap { mode, figures in figures.map { ($0.key.column(mode), $0.value) } }
        return (plain + latency).sorted { $0.0 < $1.0 }
    }

    /// Reads a stored column; names that are not declared are ignored (a newer seqbench's figures).
    mutating func set(column name: String, _ value: Double) {
        if let metric = Metric(rawValue: name) { values[metric] = value; return }
        for figure in LatencyMetric.allCases where name.hasPrefix(figure.rawValue + "_") {
            if let mode = LatencyMode(name: String(name.dropFirst(figure.rawValue.count + 1))) {
                latencyValues[mode, default: [:]][figure] = value
                return
            }
        }
    }
}

/// What produced a run's measurements: stored with every run.
public struct MachineRecord: Equatable, Sendable {
    public var cpu: String
    public var cores: Int
    public var threads: Int
    public var seqbenchVersion: String
    /// `release` or `debug`.
    public var build: String

    public init(cpu: String, cores: Int, threads: Int, seqbenchVersion: String, build: String) {
        self.cpu = cpu; self.cores = cores; self.threads = threads; self.seqbenchVersion = seqbenchVersion; self.build = build
    }
}
