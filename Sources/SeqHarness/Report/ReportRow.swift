import Foundation
import SeqModels

/// Memory and efficiency of one report row (means over its seeds).
public struct CostDetails: Sendable, Equatable {
    /// Peak resident memory of the run's process while it trained and measured, MiB.
    public var peakRSSMB: Double?
    /// Parameters, float32 bytes (training keeps 4 copies: values, gradients, Adam m and v).
    public var parameterBytes: Double?
    /// Activations one training step keeps for backward, bytes (analytic).
    public var activationBytes: Double?
    /// Sequences per second at the median: a training step, and batched inference.
    public var trainSequencesPerSecond: Double?
    public var inferSequencesPerSecond: Double?
    /// Achieved matmul GFLOP/s of a training step at the median, and this machine's sgemm rate through
    /// the same GEMM function, measured in the same run.
    public var trainGFLOPs: Double?
    public var sgemmGFLOPs: Double?
    public var threads: Int?

    public init(peakRSSMB: Double? = nil, parameterBytes: Double? = nil, activationBytes: Double? = nil,
                trainSequencesPerSecond: Double? = nil, inferSequencesPerSecond: Double? = nil,
                trainGFLOPs: Double? = nil, sgemmGFLOPs: Double? = nil, threads: Int? = nil) {
        self.peakRSSMB = peakRSSMB; self.parameterBytes = parameterBytes; self.activationBytes = activationBytes
        self.trainSequencesPerSecond = trainSequencesPerSecond; self.inferSequencesPerSecond = inferSequencesPerSecond
        self.trainGFLOPs = trainGFLOPs; self.sgemmGFLOPs = sgemmGFLOPs; self.threads = threads
    }
}

/// One row of a report: a model at one sweep point, aggregated over seeds.
public struct ReportRow: Sendable, Equatable {
    /// Registry name of the model, or its model-entry label (`name-key=value…`) when the entry overrides settings.
    public var model: String
    /// Sweep settings of this row, e.g. `["task.length": "128"]`; empty without a sweep.
    public var point: [String: String]
    /// Completed runs aggregated into this row.
    public var seeds: Int
    /// Failed runs at this point.
    public var failures: Int
    /// Completed runs that did not train (included in the accuracy; see `TrainingOutcome`).
    public var untrained = 0
    /// Mean test accuracy over the completed runs, as a fraction 0…1 (NaN when no run completed).
    public var accuracyMean: Double
    /// Sample standard deviation of the test accuracy over seeds, as a fraction (0 for one seed).
    public var accuracyStd: Double
    /// Trainable parameters.
    public var parameters: Int
    /// FLOPs of one forward pass, per sequence.
    public var flopsForward: Double
    /// FLOPs of one training step (forward + backward) for a whole batch of `batchSize`.
    public var flopsTrainStep: Double
    /// Median inference latency at batch 1, in milliseconds.
    public var latencyP50B1: Double?
    /// 99th-percentile inference latency at batch 1, in milliseconds.
    public var latencyP99B1: Double?
    /// Median inference latency at `batchSize`, in milliseconds.
    public var latencyP50Batch: Double?
    /// 99th-percentile inference latency at `batchSize`, in milliseconds.
    public var latencyP99Batch: Double?
    /// The configured batch size (of the training step and the batched latency).
    public var batchSize: Int
    /// Caveats about this row's numbers, e.g. `"spread 23 % (IQR/median)"`; reports show them as footnotes.
    public var warnings: [String]
    /// Memory and efficiency figures, when measured.
    public var cost: CostDetails?

    public init(model: String, point: [String: String] = [:], seeds: Int, failures: Int = 0,
                accuracyMean: Double, accuracyStd: Double = 0, parameters: Int,
                flopsForward: Double, flopsTrainStep: Double,
                latencyP50B1: Double? = nil, latencyP99B1: Double? = nil,
                latencyP50Batch: Double? = nil, latencyP99Batch: Double? = nil,
                batchSize: Int, warnings: [String] = [], cost: CostDetails? = nil, untrained: Int = 0) {
        self.model = model; self.point = point; self.seeds = seeds; self.failures = failures
        self.accuracyMean = accuracyMean; self.accuracyStd = accuracyStd; self.parameters = parameters
        self.flopsForward = flopsForward; self.flopsTrainStep = flopsTrainStep
        self.latencyP50B1 = latencyP50B1; self.latencyP99B1 = latencyP99B1
        self.latencyP50Batch = latencyP50Batch; self.latencyP99Batch = latencyP99Batch
        self.batchSize = batchSize; self.warnings = warnings; self.cost = cost; self.untrained = untrained
    }

    // NaN never equals itself; two rows that both lack an accuracy are still the same row.
    public static func == (a: ReportRow, b: ReportRow) -> Bool {
        a.model == b.model && a.point == b.point && a.seeds == b.seeds && a.failures == b.failures
            && sameNumber(a.accuracyMean, b.accuracyMean) && sameNumber(a.accuracyStd, b.accuracyStd)
            && a.parameters == b.parameters && a.flopsForward == b.flopsForward && a.flopsTrainStep == b.flopsTrainStep
            && a.latencyP50B1 == b.latencyP50B1 && a.latencyP99B1 == b.latencyP99B1
            && a.latencyP50Batch == b.latencyP50Batch && a.latencyP99Batch == b.latencyP99Batch
            && a.batchSize == b.batchSize && a.warnings == b.warnings && a.cost == b.cost && a.untrained == b.untrained
    }
}

private func sameNumber(_ a: Double, _ b: Double) -> Bool { a == b || (a.isNaN && b.isNaN) }

// MARK: - Ordering and labels shared by tables and plots

enum ReportOrder {
    /// A row's model split into its registry name and its overrides suffix: `("NAME", "-hidden=256")` for the
    /// label `NAME-hidden=256`, `(label, "")` for a registry name or a model the registry does not know.
    /// Of several registry names a label starts with (followed by `-`), the longest wins.
    static func split(_ model: String) -> (name: String, overrides: String) {
        if ModelRegistry.entry(named: model) != nil { return (model, "") }
        let names = ModelRegistry.names.filter { model.hasPrefix($0 + "-") }
        guard let name = names.max(by: { $0.count < $1.count }) else { return (model, "") }
        return (name, String(model.dropFirst(name.count)))
    }

    /// The registry's reading order for a row's model; models it does not know sort with the plugins.
    static func order(of model: String) -> (order: Int, name: String) {
        let name = split(model).name
        return (ModelRegistry.entry(named: name)?.order ?? ModelDescriptor.defaultOrder, name)
    }

    /// By the registry's `order`, then registry name, then label (a model's entries with overrides follow it).
    static func modelPrecedes(_ a: String, _ b: String) -> Bool {
        let (oa, ob) = (order(of: a), order(of: b))
        if oa.order != ob.order { return oa.order < ob.order }
        if oa.name != ob.name { return oa.name < ob.name }
        return a < b
    }

    /// Compares sweep points key by key (keys in sorted order), numerically where both values are numbers;
    /// a missing setting sorts first.
    static func pointPrecedes(_ a: [String: String], _ b: [String: String]) -> Bool {
        for key in Set(a.keys).union(b.keys).sorted() {
            switch (a[key], b[key]) {
            case let (x?, y?) where x != y:
                if let dx = Double(x), let dy = Double(y), dx != dy { return dx < dy }
                return x < y
            case (nil, _?): return true
            case (_?, nil): return false
            default: continue
            }
        }
        return false
    }

    /// Rows by sweep point, then model; ties keep their input order.
    static func sorted(_ rows: [ReportRow]) -> [ReportRow] {
        rows.enumerated().sorted { l, r in
            let (a, b) = (l.element, r.element)
            if pointPrecedes(a.point, b.point) { return true }
            if pointPrecedes(b.point, a.point) { return false }
            if a.model != b.model { return modelPrecedes(a.model, b.model) }
            return l.offset < r.offset
        }.map(\.element)
    }

    /// `length=128, hidden=64`: settings by key, each named by the last component of its dotted key
    /// (the whole key when two settings share that last component).
    static func label(_ point: [String: String]) -> String {
        let keys = point.keys.sorted()
        let short = keys.map(shortName)
        return keys.indices.map { i in
            let name = short.filter { $0 == short[i] }.count > 1 ? keys[i] : short[i]
            return "\(name)=\(point[keys[i]]!)"
        }.joined(separator: ", ")
    }

    /// `task.length` → `length`.
    static func shortName(_ key: String) -> String { key.split(separator: ".").last.map(String.init) ?? key }
}
