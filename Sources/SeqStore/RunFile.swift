import SeqTrain

/// The outcome of one run (one model × sweep point × seed), stored as `run.h5` in the run's folder
/// and merged into the experiment's `metrics.h5`. Format "seqbench.run", format_version 1:
///
///     /            attrs format, format_version, seqbench_version, created_utc, run_id, model, seed, status,
///                        reason, config_json
///     /metrics/    attrs: one float64 per metric (test_accuracy, params, …)
///     /settings/   attrs: the swept and notable settings of this run (strings), e.g. task.length = "128"
///     /history/    as in checkpoints
///     /latency/<mode>  int64 raw samples in nanoseconds
public struct RunResult: Equatable, Sendable {
    public enum Status: String, Sendable { case completed, failed }

    public var runID: String
    public var model: String
    public var seed: UInt64
    public var status: Status
    /// Why a failed run failed (empty when completed).
    public var reason: String
    public var configJSON: String
    public var settings: [String: String]
    public var metrics: [String: Double]
    public var history: [EpochRecord]
    /// Raw latency samples in nanoseconds, by mode (e.g. `train_b32`).
    public var latency: [String: [Int64]]

    public init(runID: String, model: String, seed: UInt64, status: Status, reason: String = "", configJSON: String,
                settings: [String: String] = [:], metrics: [String: Double] = [:], history: [EpochRecord] = [],
                latency: [String: [Int64]] = [:]) {
        self.runID = runID; self.model = model; self.seed = seed; self.status = status; self.reason = reason
        self.configJSON = configJSON; self.settings = settings; self.metrics = metrics; self.history = history
        self.latency = latency
    }

    public func write(to path: String) throws {
        try HDF5File.writeAtomically(to: path) { file in
            try FileFormat.run.stamp(file.root)
            try write(into: file.root, isRoot: true)
        }
    }

    /// Writes this run below `group` (the root of run.h5, or /runs/<id> of metrics.h5).
    func write(into group: HDF5Group, isRoot: Bool) throws {
        try group.setAttribute("run_id", runID)
        try group.setAttribute("model", model)
        try group.setAttribute("seed", Int(bitPattern: UInt(seed)))
        try group.setAttribute("status", status.rawValue)
        try group.setAttribute("reason", reason)
        try group.setAttribute("config_json", configJSON)
        let m = try group.createGroup("metrics")
        for (k, v) in metrics.sorted(by: { $0.key < $1.key }) { try m.setAttribute(k, v) }
        let s = try group.createGroup("settings")
        for (k, v) in settings.sorted(by: { $0.key < $1.key }) { try s.setAttribute(k, v) }
        try HistoryColumns(history).write(into: group.createGroup("history"))
        let l = try group.createGroup("latency")
        for (mode, samples) in latency.sorted(by: { $0.key < $1.key }) {
            let d = try l.write(mode, values: samples, shape: [samples.count])
            try d.setAttribute("unit", "ns")
        }
    }

    public static func read(from path: String) throws -> RunResult {
        let file = try FileFormat.run.open(path)
        defer { try? file.close() }
        do { return try read(file.root) } catch let e as HDF5Error {
            throw StoreError(file: path, object: e.object, "\(e.operation) failed: \(e.reason)")
        }
    }

    static func read(_ g: HDF5Group) throws -> RunResult {
        let m = try g.group("metrics"), s = try g.group("settings"), l = try g.group("latency")
        var metrics: [String: Double] = [:], settings: [String: String] = [:], latency: [String: [Int64]] = [:]
        for k in try m.attributeNames() { metrics[k] = try m.doubleAttribute(k) }
        for k in try s.attributeNames() { settings[k] = try s.stringAttribute(k) }
        for k in try l.childNames() { latency[k] = try l.read(k, as: Int64.self).values }
        return RunResult(
            runID: try g.stringAttribute("run_id"), model: try g.stringAttribute("model"),
            seed: UInt64(UInt(bitPattern: try g.intAttribute("seed"))),
            status: Status(rawValue: try g.stringAttribute("status")) ?? .failed,
            reason: try g.stringAttribute("reason"), configJSON: try g.stringAttribute("config_json"),
            settings: settings, metrics: metrics, history: try HistoryColumns.read(g.group("history")).records,
            latency: latency)
    }
}

/// The experiment's `metrics.h5`, format "seqbench.metrics", format_version 1, rebuilt from per-run files:
///
///     /            attrs format, format_version, seqbench_version, created_utc, experiment, config_json
///     /summary/    one 1-D dataset per column, one row per run: run_id, model, status, reason (strings),
///                  seed (int64), every setting (strings), every metric (float64, NaN where a run lacks it)
///     /runs/<run_id>/  the run's own record (metrics, settings, history, latency samples)
public enum MetricsFile {
    public static func write(to path: String, experiment: String, configJSON: String, runs: [RunResult]) throws {
        try HDF5File.writeAtomically(to: path) { file in
            let root = file.root
            try FileFormat.metrics.stamp(root)
            try root.setAttribute("experiment", experiment)
            try root.setAttribute("config_json", configJSON)
            let summary = try root.createGroup("summary")
            let n = runs.count
            try summary.writeStrings("run_id", runs.map(\.runID))
            try summary.writeStrings("model", runs.map(\.model))
            try summary.writeStrings("status", runs.map(\.status.rawValue))
            try summary.writeStrings("reason", runs.map(\.reason))
            try summary.write("seed", values: runs.map { Int64(bitPattern: $0.seed) }, shape: [n])
            for key in Set(runs.flatMap(\.settings.keys)).sorted() {
                try summary.writeStrings(key, runs.map { $0.settings[key] ?? "" })
            }
            for key in Set(runs.flatMap(\.metrics.keys)).sorted() {
                try summary.write(key, values: runs.map { $0.metrics[key] ?? .nan }, shape: [n])
            }
            let group = try root.createGroup("runs")
            for run in runs { try run.write(into: group.createGroup(run.runID), isRoot: false) }
        }
    }

    /// The runs stored in a metrics file.
    public static func readRuns(from path: String) throws -> (experiment: String, configJSON: String, runs: [RunResult]) {
        let file = try FileFormat.metrics.open(path)
        defer { try? file.close() }
        do {
            let runs = try file.root.group("runs")
            let ids = try file.root.group("summary").readStrings("run_id")
            return (try file.root.stringAttribute("experiment"), try file.root.stringAttribute("config_json"),
                    try ids.map { try RunResult.read(runs.group($0)) })
        } catch let e as HDF5Error {
            throw StoreError(file: path, object: e.object, "\(e.operation) failed: \(e.reason)")
        }
    }
}
