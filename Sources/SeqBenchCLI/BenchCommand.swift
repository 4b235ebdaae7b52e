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
            the same GEMM function. A spread (IQR/median) above 10 % is flagged. Sampling and threads are the \
            experiment settings measure.latency.* and threads, e.g. --set measure.latency.samples=200 --set threads=1.
            """)

    @OptionGroup var shape: ShapeOptions
    @Flag(help: "Print JSON (with the raw samples).") var json = false

    func run() throws {
        let plan = try shape.plan()
        ComputeThreads.set(plan.threads)
        let run = plan.runs[0]
        let shape = try run.shape()
        let (config, T, B) = (shape.config, shape.length, shape.batchSize)
        let machine = MachineInfo.current
        let latency = try RunMeasurements.latency(of: shape, train: run.config.train, measure: plan.measure)
        var metrics = RunMetrics()
        try RunMeasurements.cost(of: shape).record(into: &metrics)
        let sgemm = measureSgemmRate()
        var rows: [(LatencyMode, LatencyStats)] = [], entries: [[String: Any]] = []
        var noisy: [String] = []
        for (mode, raw) in latency.sorted(by: { $0.key < $1.key }) {
            let s = LatencyStats(nanoseconds: raw)
            s.record(mode, into: &metrics)
            if s.isNoisy { noisy.append(mode.name) }
            rows.append((mode, s))
            let figures: [String: Double] = [
                "p50_ms": s.p50 / 1e6, "p90_ms": s.p90 / 1e6, "p99_ms": s.p99 / 1e6, "min_ms": s.min / 1e6,
                "mean_ms": s.mean / 1e6, "std_ms": s.standardDeviation / 1e6, "spread": s.spread,
                "sequences_per_second": metrics[.sequencesPerSecond, mode] ?? .nan, "gflops": metrics[.gflops, mode] ?? .nan]
            var entry: [String: Any] = figures
            entry["mode"] = mode.name
            entry["samples_ns"] = raw
            entries.append(entry)
        }
        if json {
            let object: [String: Any] = [
                "model": shape.model, "length": T, "batch_size": B, "hidden": config.hidden, "threads": machine.threads,
                "cpu": machine.cpu, "cores": machine.cores, "seqbench_version": machine.seqbenchVersion,
                "build": machine.build, "sgemm_gflops": sgemm, "modes": entries]
            say(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self))
            return
        }
        if machine.build == "debug" { say(MachineInfo.debugWarning) }
        say("\(shape.model): T \(T), batch \(B), H \(config.hidden), A \(config.attentionDim), \(config.layers) layer(s), "
            + "\(config.input == .tokens ? "tokens (embedding \(config.embedDim))" : "\(config.features) dense features")")
        say("\(machine.cpu), \(machine.cores) cores, \(machine.threads) threads, seqbench \(machine.seqbenchVersion) (\(machine.build))\n")
        var table = TextTable(rows)
        table.column("mode", left: true) { $0.0.name }
        table.column("p50 ms") { ms($0.1.p50) }
        table.column("p90 ms") { ms($0.1.p90) }
        table.column("p99 ms") { ms($0.1.p99) }
        table.column("min ms") { ms($0.1.min) }
        table.column("mean ms") { ms($0.1.mean) }
        table.column("std ms") { ms($0.1.standardDeviation) }
        table.column("spread %") { NumberFormat.fixed(100 * $0.1.spread, 1) + ($0.1.isNoisy ? " !" : "") }
        table.column("seq/s") { NumberFormat.engineering(metrics[.sequencesPerSecond, $0.0]) }
        table.column("GFLOP/s") { NumberFormat.fixed(metrics[.gflops, $0.0] ?? .nan, 1) }
        table.column("n") { "\($0.1.count)" }
        say(table.plain())
        say("\nsgemm through the same GEMM function (512³): \(NumberFormat.fixed(sgemm, 1)) GFLOP/s on this machine now")
        if !noisy.isEmpty {
            say("! large spread (IQR/median > 10 %) in \(noisy.joined(separator: ", ")): the machine is noisy; medians are less trustworthy")
        }
        if machine.build == "debug" { say(MachineInfo.debugWarning) }
    }

    private func ms(_ ns: Double) -> String { NumberFormat.fixed(ns / 1e6, 3) }
}
