import ArgumentParser
import Foundation
import SeqHarness
import SeqModels
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
            the same GEMM function. A spread (IQR/median) above 10 % is flagged.
            """)

    @OptionGroup var shape: ShapeOptions
    @Option(help: "Untimed iterations first.") var warmup = 10
    @Option(help: "Timed iterations (at most).") var samples = 200
    @Option(help: "Time budget per mode, seconds.") var maxSeconds = 3.0
    @Option(help: "Compute threads (default: one per core this process may use).") var threads: Int?
    @Flag(help: "Print JSON (with the raw samples).") var json = false

    func run() throws {
        ComputeThreads.set(threads)
        let (config, T, B) = try shape.resolved()
        let machine = MachineInfo.current
        let measure = MeasureConfig(batchSizes: B == 1 ? [1] : [1, B], warmup: warmup, samples: samples, maxSeconds: maxSeconds)
        let train = TrainConfig(batchSize: B, learningRate: 1e-3, clip: 1)
        let latency = try RunMeasurements.latency(model: shape.model, config: config, train: train, length: T, measure: measure)
        let (forward, step) = try RunMeasurements.flops(model: shape.model, config: config, length: T, batchSize: B)
        let sgemm = measureSgemmRate()
        var rows: [[String]] = [], entries: [[String: Any]] = []
        var noisy: [String] = []
        for mode in measure.batchSizes.map({ "infer_b\($0)" }) + ["train_b\(B)"] {
            let raw = latency[mode]!
            let s = LatencyStats(nanoseconds: raw)
            let batch = mode.hasPrefix("train") ? B : Int(mode.dropFirst("infer_b".count))!
            let flops = mode.hasPrefix("train") ? Double(step.matmulFlops) : Double(forward.matmulFlops * batch)
            let gflops = flops / s.p50
            let perSecond = Double(batch) / (s.p50 / 1e9)
            if s.isNoisy { noisy.append(mode) }
            rows.append([mode, ms(s.p50), ms(s.p90), ms(s.p99), ms(s.min), ms(s.mean), ms(s.standardDeviation),
                         fmt(100 * s.spread, 1) + (s.isNoisy ? " !" : ""), eng(perSecond), fmt(gflops, 1), "\(s.count)"])
            entries.append(["mode": mode, "p50_ms": s.p50 / 1e6, "p90_ms": s.p90 / 1e6, "p99_ms": s.p99 / 1e6,
                            "min_ms": s.min / 1e6, "mean_ms": s.mean / 1e6, "std_ms": s.standardDeviation / 1e6,
                            "spread": s.spread, "sequences_per_second": perSecond, "gflops": gflops, "samples_ns": raw])
        }
        if json {
            let object: [String: Any] = [
                "model": shape.model, "length": T, "batch_size": B, "hidden": config.hidden, "threads": machine.threads,
                "cpu": machine.cpuModel, "cores": machine.cores, "seqbench_version": machine.seqbenchVersion,
                "build": machine.build, "sgemm_gflops": sgemm, "modes": entries]
            say(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self))
            return
        }
        if machine.build == "debug" { say(MachineInfo.debugWarning) }
        say("\(shape.model): T \(T), batch \(B), H \(config.hidden), A \(config.attentionDim), \(config.layers) layer(s), "
            + "\(config.input == .tokens ? "tokens (embedding \(config.embedDim))" : "\(config.features) dense features")")
        say("\(machine.cpuModel), \(machine.cores) cores, \(machine.threads) threads, seqbench \(machine.seqbenchVersion) (\(machine.build))\n")
        say(table(header: ["mode", "p50 ms", "p90 ms", "p99 ms", "min ms", "mean ms", "std ms", "spread %", "seq/s", "GFLOP/s", "n"], rows: rows))
        say("\nsgemm through the same GEMM function (512³): \(fmt(sgemm, 1)) GFLOP/s on this machine now")
        if !noisy.isEmpty {
            say("! large spread (IQR/median > 10 %) in \(noisy.joined(separator: ", ")): the machine is noisy; medians are less trustworthy")
        }
        if machine.build == "debug" { say(MachineInfo.debugWarning) }
    }

    private func ms(_ ns: Double) -> String { fmt(ns / 1e6, 3) }
}
