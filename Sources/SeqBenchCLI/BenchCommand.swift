import ArgumentParser
import Foundation
import SeqHarness
import SeqModels
import SeqStore
import SeqTensor
import SeqTrain

/// `seqbench bench MODEL [--set …]`
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Latency of a model: inference at batch 1 and at the batch size, and a full training step.",
        discussion: """
            Warm-up iterations are discarded, then samples are taken until --samples or --max-seconds. Percentiles \
            come from HdrHistogram (3 significant digits). Throughput is sequences per second at the median; \
            GFLOP/s is the counted matmul FLOPs over the median time, next to this machine's sgemm rate through \
            the same GEMM function. A spread (IQR/median) above 10 % is flagged. Sampling is set by the experiment \
            settings measure.latency.*, e.g. --set measure.latency.samples=200. --threads 1,2,4,8 measures each \
            count in turn and prints one column per count with the speed-up from the first to the last.
            """)

    @OptionGroup var shape: ShapeOptions
    @Option(help: ArgumentHelp(
        "Thread counts to measure, e.g. 1,2,4,8,16: one table with a column per count and the speed-up over the "
            + "first (default: the setting `threads`, one per core).", valueName: "list"))
    var threads: String?
    @Flag(help: "Print JSON (with the raw samples).") var json = false

    func validate() throws { _ = try threadCounts() }

    /// The `--threads` list: distinct counts in 1…4096, in the order given.
    private func threadCounts() throws -> [Int]? {
        guard let threads else { return nil }
        let items = threads.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        let counts = items.compactMap { Int($0) }
        guard counts.count == items.count, !counts.isEmpty, counts.allSatisfy({ (1...4096).contains($0) }) else {
            throw ValidationError("--threads must be a comma-separated list of integers in 1…4096, e.g. 1,2,4,8; got '\(threads)'")
        }
        guard Set(counts).count == counts.count else { throw ValidationError("--threads lists a count twice: '\(threads)'") }
        if settingsSetThreads { throw ValidationError("give the thread counts once: --threads or --set threads=N, not both") }
        return counts
    }

    private var settingsSetThreads: Bool {
        shape.settings.contains { $0.hasPrefix("threads=") || $0.hasPrefix("threads =") }
    }

    /// One thread count's measurements: each mode's statistics and raw samples, and the derived metrics.
    private struct Measured {
        var threads: Int
        var rows: [(mode: LatencyMode, stats: LatencyStats, raw: [Int64])]
        var metrics: RunMetrics
    }

    private func measure(_ run: PlannedRun, _ runShape: RunShape, measure config: MeasureConfig, threads: Int) throws -> Measured {
        ComputeThreads.set(threads)
        let latency = try RunMeasurements.latency(of: runShape, train: run.config.train, measure: config)
        var metrics = RunMetrics()
        try RunMeasurements.cost(of: runShape).record(into: &metrics)
        var rows: [(LatencyMode, LatencyStats, [Int64])] = []
        for (mode, raw) in latency.sorted(by: { $0.key < $1.key }) {
            let s = LatencyStats(nanoseconds: raw)
            s.record(mode, into: &metrics)
            rows.append((mode, s, raw))
        }
        return Measured(threads: ComputeThreads.current, rows: rows, metrics: metrics)
    }

    func run() throws {
        let plan = try shape.plan()
        let counts = try threadCounts() ?? [plan.threads]
        let run = plan.runs[0]
        let runShape = try run.shape()
        let (config, T, B) = (runShape.config, runShape.length, runShape.batchSize)
        let measured = try counts.map { try measure(run, runShape, measure: plan.measure, threads: $0) }
        let machine = MachineInfo.current
        let sgemm = measureSgemmRate()
        if json {
            let perCount: [[String: Any]] = measured.map { m in
                ["threads": m.threads, "modes": m.rows.map { row -> [String: Any] in
                    let s = row.stats
                    var entry: [String: Any] = [
                        "p50_ms": s.p50 / 1e6, "p90_ms": s.p90 / 1e6, "p99_ms": s.p99 / 1e6, "min_ms": s.min / 1e6,
                        "mean_ms": s.mean / 1e6, "std_ms": s.standardDeviation / 1e6, "spread": s.spread,
                        "sequences_per_second": m.metrics[.sequencesPerSecond, row.mode] ?? .nan,
                        "gflops": m.metrics[.gflops, row.mode] ?? .nan]
                    entry["mode"] = row.mode.name
                    entry["samples_ns"] = row.raw
                    return entry
                }]
            }
            var object: [String: Any] = [
                "model": runShape.model, "length": T, "batch_size": B, "hidden": config.hidden, "cpu": machine.cpu,
                "cores": machine.cores, "l2_bytes": CPUCaches.level2Bytes, "seqbench_version": machine.seqbenchVersion,
                "build": machine.build, "sgemm_gflops": sgemm]
            if threads == nil {
                object["threads"] = measured[0].threads
                object["modes"] = perCount[0]["modes"]
            } else {
                object["thread_counts"] = perCount
            }
            say(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self))
            return
        }
        if machine.build == "debug" { say(MachineInfo.debugWarning) }
        say("\(runShape.model): T \(T), batch \(B), H \(config.hidden), A \(config.attentionDim), \(config.layers) layer(s), "
            + "\(config.input == .tokens ? "tokens (embedding \(config.embedDim))" : "\(config.features) dense features")")
        say("\(machine.cpu), \(machine.cores) cores, L2 \(CPUCaches.level2Bytes >> 10) KiB per core, threads \(measured.map { String($0.threads) }.joined(separator: ", ")), "
            + "seqbench \(machine.seqbenchVersion) (\(machine.build))\n")
        if measured.count == 1 { say(detailTable(measured[0]).plain()) } else { say(scalingTable(measured).plain()) }
        say("\nsgemm through the same GEMM function (512³): \(NumberFormat.fixed(sgemm, 1)) GFLOP/s on this machine now")
        let noisy = measured.flatMap { m in m.rows.filter { $0.stats.isNoisy }.map { "\($0.mode.name) at \(m.threads) threads" } }
        if !noisy.isEmpty {
            say("! large spread (IQR/median > 10 %) in \(noisy.joined(separator: ", ")): the machine is noisy; medians are less trustworthy")
        }
        if machine.build == "debug" { say(MachineInfo.debugWarning) }
    }

    /// Every statistic of one thread count.
    private func detailTable(_ m: Measured) -> TextTable<(mode: LatencyMode, stats: LatencyStats, raw: [Int64])> {
        var table = TextTable(m.rows)
        table.column("mode", left: true) { $0.mode.name }
        table.column("p50 ms") { ms($0.stats.p50) }
        table.column("p90 ms") { ms($0.stats.p90) }
        table.column("p99 ms") { ms($0.stats.p99) }
        table.column("min ms") { ms($0.stats.min) }
        table.column("mean ms") { ms($0.stats.mean) }
        table.column("std ms") { ms($0.stats.standardDeviation) }
        table.column("spread %") { NumberFormat.fixed(100 * $0.stats.spread, 1) + ($0.stats.isNoisy ? " !" : "") }
        table.column("seq/s") { NumberFormat.engineering(m.metrics[.sequencesPerSecond, $0.mode]) }
        table.column("GFLOP/s") { NumberFormat.fixed(m.metrics[.gflops, $0.mode] ?? .nan, 1) }
        table.column("n") { "\($0.stats.count)" }
        return table
    }

    /// Median milliseconds per mode at each thread count, and the speed-up of the last count over the first.
    private func scalingTable(_ measured: [Measured]) -> TextTable<Int> {
        var table = TextTable(Array(measured[0].rows.indices))
        table.column("mode", left: true) { measured[0].rows[$0].mode.name }
        for m in measured { table.column("p50 ms @\(m.threads)") { ms(m.rows[$0].stats.p50) } }
        let (first, last) = (measured[0], measured[measured.count - 1])
        table.column("speed-up \(first.threads)→\(last.threads)") {
            NumberFormat.fixed(first.rows[$0].stats.p50 / last.rows[$0].stats.p50, 2) + "×"
        }
        return table
    }

    private func ms(_ ns: Double) -> String { NumberFormat.fixed(ns / 1e6, 3) }
}
