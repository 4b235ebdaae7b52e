import SeqHDF5
import Foundation
import SeqModels
import SeqTrain

/// The outcome of one run (one model entry × sweep point × seed), stored as `run.h5` in the run's folder
/// and merged into the experiment's `metrics.h5`. Format "seqbench.run", format_version 2:
///
///     /            attrs format, format_version, seqbench_version, created_utc, run_id, model, seed, status
///                        (trained | completed | failed), reason, config_json
///     /metrics/    attrs: one float64 per figure (`Metric`, `LatencyMetric` names: test_accuracy, params, …)
///     /settings/   attrs (strings): model_entry; the run's swept values and its entry's model.* overrides by
///                  dotted key, e.g. task.length = "128"; cpu, cores, threads, seqbench_version, build
///                        training_note (why the run did not train; empty when it did)
///     /history/    as in checkpoints
///     /latency/<mode>  int64 raw samples in nanoseconds, attribute rounds: samples per interleaved round
///     /test_predictions, /test_labels  int32 [N]: predicted and true class of every test example
///
/// Version 1 marked a trained run whose latency was still to be measured with a `latency_pending` setting
/// and status `completed`; it reads as status `trained`.
public struct RunResult: Equatable, Sendable {
    public enum Status: String, Sendable {
        /// Trained and its cost counted; the latency phase has not measured it yet (`--resume` does).
        case trained
        case completed, failed
    }

    public var runID: String
    /// Registry name of the model.
    public var model: String
    /// The experiment's label of the model entry: `lstm`, or `lstm-hidden=256` with overrides.
    public var entry: String
    public var seed: UInt64
    public var status: Status
    /// Why a failed run failed (empty otherwise).
    public var reason: String
    /// The run's configuration: fitted to its data once it trained, as planned when it failed before.
    public var config: RunConfig
    /// The run's swept values and its entry's `model.*` overrides, by dotted key (`task.length` → "128").
    public var settings: [String: String]
    /// The machine that measured it (nil for a failed run).
    public var machine: MachineRecord?
    public var metrics: RunMetrics
    public var history: [EpochRecord]
    /// Raw latency samples in nanoseconds.
    public var latency: [LatencyMode: [Int64]]
    /// How many of each mode's samples every interleaved round took, in order (empty when unknown).
    public var latencyRounds: [LatencyMode: [Int]] = [:]
    /// Why the run did not train, with a hint; empty when it trained (or was not judged).
    public var trainingNote = ""
    /// The best weights' predicted class of every test example, and the true class, in test-set order.
    public var testPredictions: [Int32] = []
    public var testLabels: [Int32] = []

    /// Whether the run trained: not failed, and not flagged (a run from before the check counts as trained).
    public var trained: Bool { status != .failed && metrics[.trained] != 0 }

    public init(runID: String, model: String, entry: String? = nil, seed: UInt64, status: Status, reason: String = "",
                config: RunConfig, settings: [String: String] = [:], machine: MachineRecord? = nil,
                metrics: RunMetrics = RunMetrics(), history: [EpochRecord] = [], latency: [LatencyMode: [Int64]] = [:]) {
        self.runID = runID; self.model = model; self.entry = entry ?? model; self.seed = seed; self.status = status
        self.reason = reason; self.config = config; self.settings = settings; self.machine = machine
        self.metrics = metrics; self.history = history; self.latency = latency
    }

    /// Padded length and batch size of the trained model (nil before it trained).
    public var shape: RunShape? {
        guard status != .failed, let length = metrics[.length] else { return nil }
        return RunShape(model: model, config: config.modelConfig, length: Int(length), batchSize: config.train.batchSize)
    }

    public func write(to path: String) throws {
        try HDF5File.writeAtomically(to: path) { file in
            try FileFormat.run.stamp(file.root)
            try write(into: file.root)
        }
    }

    /// The string columns of /settings, typed fields included.
    var settingColumns: [String: String] {
        var s = settings
        s[SettingColumn.entry] = entry
        if let m = machine {
            s[SettingColumn.cpu] = m.cpu; s[SettingColumn.cores] = String(m.cores); s[SettingColumn.threads] = String(m.threads)
            s[SettingColumn.version] = m.seqbenchVersion; s[SettingColumn.build] = m.build
        }
        return s
    }

    /// Writes this run below `group` (the root of run.h5, or /runs/<id> of metrics.h5).
    func write(into group: HDF5Group) throws {
        try group.setAttribute("run_id", runID)
        try group.setAttribute("model", model)
        try group.setAttribute("seed", Int(bitPattern: UInt(seed)))
        try group.setAttribute("status", status.rawValue)
        try group.setAttribute("reason", reason)
        try group.setAttribute("config_json", try config.json())
        try group.setAttribute("training_note", trainingNote)
        let m = try group.createGroup("metrics")
        for (k, v) in metrics.columns { try m.setAttribute(k, v) }
        let s = try group.createGroup("settings")
        for (k, v) in settingColumns.sorted(by: { $0.key < $1.key }) { try s.setAttribute(k, v) }
        try HistoryColumns(history).write(into: group.createGroup("history"))
        let l = try group.createGroup("latency")
        for (mode, samples) in latency.sorted(by: { $0.key < $1.key }) {
            let d = try l.write(mode.name, values: samples, shape: [samples.count])
            try d.setAttribute("unit", "ns")
            if let rounds = latencyRounds[mode] { try d.setAttribute("rounds", rounds) }
        }
        if !testPredictions.isEmpty {
            try group.write("test_predictions", values: testPredictions, shape: [testPredictions.count])
            try group.write("test_labels", values: testLabels, shape: [testLabels.count])
        }
    }

    public static func read(from path: String) throws -> RunResult {
        let file = try FileFormat.run.open(path)
        defer { try? file.close() }
        do { return try read(file.root, file: path) } catch let e as HDF5Error {
            throw StoreError(file: path, object: e.object, "\(e.operation) failed: \(e.reason)")
        }
    }

    static func read(_ g: HDF5Group, file: String) throws -> RunResult {
        let m = try g.group("metrics"), s = try g.group("settings"), l = try g.group("latency")
        var metrics = RunMetrics(), settings: [String: String] = [:], latency: [LatencyMode: [Int64]] = [:]
        var rounds: [LatencyMode: [Int]] = [:]
        for k in try m.attributeNames() { metrics.set(column: k, try m.doubleAttribute(k)) }
        for k in try s.attributeNames() { settings[k] = try s.stringAttribute(k) }
        for k in try l.childNames() {
            guard let mode = LatencyMode(name: k) else { continue }
            latency[mode] = try l.read(k, as: Int64.self).values
            let d = try l.dataset(k)
            if d.hasAttribute("rounds"), case .ints(let counts) = try d.attributeValue("rounds"),
               counts.reduce(0, +) == latency[mode]!.count {
                rounds[mode] = counts
            }
        }
        var status = Status(rawValue: try g.stringAttribute("status")) ?? .failed
        if settings.removeValue(forKey: SettingColumn.latencyPendingV1) != nil, status == .completed { status = .trained }
        let model = try g.stringAttribute("model")
        let entry = settings.removeValue(forKey: SettingColumn.entry) ?? model
        var machine: MachineRecord?
        if let cpu = settings[SettingColumn.cpu], let cores = settings[SettingColumn.cores].flatMap({ Int($0) }),
           let threads = settings[SettingColumn.threads].flatMap({ Int($0) }),
           let version = settings[SettingColumn.version], let build = settings[SettingColumn.build] {
            machine = MachineRecord(cpu: cpu, cores: cores, threads: threads, seqbenchVersion: version, build: build)
            for k in [SettingColumn.cpu, SettingColumn.cores, SettingColumn.threads, SettingColumn.version, SettingColumn.build] {
                settings[k] = nil
            }
        }
        let runID = try g.stringAttribute("run_id")
        var result = RunResult(
            runID: runID, model: model, entry: entry,
            seed: UInt64(UInt(bitPattern: try g.intAttribute("seed"))), status: status,
            reason: try g.stringAttribute("reason"),
            config: try RunConfig.decode(json: try g.stringAttribute("config_json"), file: file),
            settings: settings, machine: machine, metrics: metrics,
            history: try HistoryColumns.read(g.group("history")).records, latency: latency)
        result.latencyRounds = rounds
        if g.hasAttribute("training_note") { result.trainingNote = try g.stringAttribute("training_note") }
        if g.exists("test_predictions") {
            result.testPredictions = try g.read("test_predictions", as: Int32.self).values
            result.testLabels = try g.read("test_labels", as: Int32.self, expectedShape: [result.testPredictions.count]).values
        }
        return result
    }
}

/// The names of the string columns a run stores besides its settings.
enum SettingColumn {
    static let entry = "model_entry"
    static let cpu = "cpu", cores = "cores", threads = "threads", version = "seqbench_version", build = "build"
    /// Format version 1's marker of a trained run awaiting its latency phase.
    static let latencyPendingV1 = "latency_pending"
}

/// What a run's cost depends on: the model, its architecture, the padded length and the batch size.
/// Runs that differ only in seed share a shape and so their cost.
public struct RunShape: Hashable, Sendable {
    public var model: String
    public var config: ModelConfig
    public var length: Int
    public var batchSize: Int

    public init(model: String, config: ModelConfig, length: Int, batchSize: Int) {
        self.model = model; self.config = config; self.length = length; self.batchSize = batchSize
    }
}

/// The experiment's `metrics.h5`, format "seqbench.metrics", format_version 2 (1 reads too), rebuilt from
/// per-run files:
///
///     /            attrs format, format_version, seqbench_version, created_utc, experiment, config_json
///     /summary/    one 1-D dataset per column, one row per run: run_id, model, status, reason (strings),
///                  seed (int64), every setting (strings), every metric (float64, NaN where a run lacks it)
///     /runs/<run_id>/  the run's own record (metrics, settings, history, latency samples), as in run.h5
public enum MetricsFile {
    /// Writes the runs with the experiment's resolved configuration (stored as `config_json`).
    public static func write(to path: String, experiment: String, config: some Encodable, runs: [RunResult]) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let configJSON = String(decoding: try encoder.encode(config), as: UTF8.self)
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
            try summary.writeStrings("training_note", runs.map(\.trainingNote))
            let settings = runs.map(\.settingColumns)
            for key in Set(settings.flatMap(\.keys)).sorted() {
                try summary.writeStrings(key, settings.map { $0[key] ?? "" })
            }
            let metrics = runs.map { Dictionary(uniqueKeysWithValues: $0.metrics.columns.map { ($0.name, $0.value) }) }
            for key in Set(metrics.flatMap(\.keys)).sorted() {
                try summary.write(key, values: metrics.map { $0[key] ?? .nan }, shape: [n])
            }
            let group = try root.createGroup("runs")
            for run in runs { try run.write(into: group.createGroup(run.runID)) }
        }
    }

    /// The runs stored in a metrics file, and its experiment configuration decoded as `C` (nil when the
    /// stored one does not decode as `C`).
    public static func readRuns<C: Decodable>(from path: String, config: C.Type)
        throws -> (experiment: String, config: C?, runs: [RunResult]) {
        let file = try FileFormat.metrics.open(path)
        defer { try? file.close() }
        do {
            let runs = try file.root.group("runs")
            let ids = try file.root.group("summary").readStrings("run_id")
            let json = try file.root.stringAttribute("config_json")
            return (try file.root.stringAttribute("experiment"), try? JSONDecoder().decode(C.self, from: Data(json.utf8)),
                    try ids.map { try RunResult.read(runs.group($0), file: path) })
        } catch let e as HDF5Error {
            throw StoreError(file: path, object: e.object, "\(e.operation) failed: \(e.reason)")
        }
    }
}
