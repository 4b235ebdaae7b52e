// seqbench's model benchmarks (`make bench`): every registered model × {infer_b1, infer_b32, train_b32} ×
// hidden × length, timed one iteration at a time after a warm-up; median, p90, min and spread per case, a
// table on the terminal and JSON under Results/bench/. The cases mirror Benchmarks/torch_bench.py, so
// `make bench-compare` can put the two side by side.
//
// Canonical case: dense input of 32 features (or --tokens: an embedding of 32), attention dim = hidden,
// 10 classes, 1 layer, full-length sequences. A training step is forward + cross-entropy + backward + Adam
// (no clipping, as in the PyTorch reference).
//
//   .build/release/SeqBenchmarks [--hidden 128 512] [--length 64 256] [--models lstm …] [--modes train_b32 …]
//                                [--threads N] [--min-time 1] [--tokens] [--no-step-products]
//                                [--out Results/bench/seqbench.json]
//
// After the table, for train_b32: the recurrent step products (PanelGEMM) inside a training step against
// the same function alone on the same shape, each thread multiplying its own rows as in the step.

import Foundation
import SeqHarness
import SeqStore
import SeqModels
import SeqTensor
import SeqTrain

struct Options {
    var hidden = [128, 512], length = [64, 256], models = ModelRegistry.names
    var modes = ["infer_b1", "infer_b32", "train_b32"]
    var threads: Int? = nil, minTime = 1.0, minIterations = 30, warmup = 10, tokens = false, stepProducts = true
    var out = "Results/bench/seqbench.json"

    init(_ args: [String]) {
        var i = 1
        func values() -> [String] {
            var v: [String] = []
            while i + 1 < args.count && !args[i + 1].hasPrefix("--") { i += 1; v.append(args[i]) }
            guard !v.isEmpty else { fail("\(args[i]) needs a value") }
            return v
        }
        while i < args.count {
            switch args[i] {
            case "--hidden": hidden = values().map { number($0, "--hidden") }
            case "--length": length = values().map { number($0, "--length") }
            case "--models": models = values()
            case "--modes": modes = values()
            case "--threads": threads = number(values()[0], "--threads")
            case "--min-time": minTime = Double(number(values()[0], "--min-time", scale: 1000)) / 1000
            case "--out": out = values()[0]
            case "--tokens": tokens = true
            case "--no-step-products": stepProducts = false
            case "--help", "-h":
                print(usage)
                exit(0)
            default: fail("unknown option \(args[i]); see --help")
            }
            i += 1
        }
        for m in models where !ModelRegistry.names.contains(m) { fail("unknown model \(m)") }
        for m in modes where !["infer_b1", "infer_b32", "train_b32"].contains(m) { fail("unknown mode \(m)") }
    }
}

let usage = """
    USAGE: SeqBenchmarks [--hidden 128 512] [--length 64 256] [--models lstm …] [--modes infer_b1 infer_b32 train_b32]
                         [--threads N] [--min-time SECONDS] [--tokens] [--no-step-products] [--out FILE]

    Times every model × mode × hidden × length (median, p90, min, spread, GFLOP/s), then for train_b32 the
    recurrent step products inside a step against the same function alone; writes JSON to --out
    (default Results/bench/seqbench.json). `make bench` runs it; `make bench-compare` puts PyTorch beside it.
    """

/// A positive number given to `flag` (× `scale`, rounded), or exit with a message.
func number(_ text: String, _ flag: String, scale: Double = 1) -> Int {
    guard let v = Double(text), v > 0 else { fail("\(flag) takes positive numbers, got '\(text)'") }
    return Int((v * scale).rounded())
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("SeqBenchmarks: \(message)\n".utf8))
    exit(2)
}

let options = Options(CommandLine.arguments)
ComputeThreads.set(options.threads)
let machine = MachineInfo.current
if machine.build == "debug" { print(MachineInfo.debugWarning) }
print("seqbench \(machine.seqbenchVersion) (\(machine.build)), \(machine.cpu), \(machine.threads) threads; "
      + (options.tokens ? "tokens (embedding 32)" : "dense input of 32 features") + ", A = H, 10 classes, 1 layer")
print("model             mode       hidden  length  median ms    p90 ms    min ms  spread %  iters  GFLOP/s")

var results: [[String: Any]] = []
for hidden in options.hidden {
    for length in options.length {
        let config = ModelConfig(input: options.tokens ? .tokens : .dense, vocab: 32, embedDim: 32, features: 32,
                                 hidden: hidden, layers: 1, attentionDim: hidden, classes: 10)
        for model in options.models {
            let bench = try LatencyBench(shape: RunShape(model: model, config: config, length: length, batchSize: 32),
                                         train: TrainConfig(batchSize: 32, learningRate: 1e-3, clip: 0), batchSizes: [1, 32])
            for (latencyMode, body) in bench.modes where options.modes.contains(latencyMode.name) {
                let mode = latencyMode.name
                // Until both the iteration count and the time budget are reached (at most 5000 iterations).
                var samples = sampleLatency(warmup: options.warmup, samples: options.minIterations, maxSeconds: 3600, body)
                let start = ContinuousClock.now
                while (ContinuousClock.now - start) < .milliseconds(Int64(options.minTime * 1000)) && samples.count < 5000 {
                    samples += sampleLatency(warmup: 0, samples: 10, maxSeconds: 3600, body)
                }
                let s = LatencyStats(nanoseconds: samples)
                let gflops = Double(FlopCounter.measure(body).matmulFlops) / s.p50
                func ms(_ ns: Double) -> String { String(format: "%10.3f", ns / 1e6) }
                print(model.padding(toLength: 18, withPad: " ", startingAt: 0) + mode.padding(toLength: 9, withPad: " ", startingAt: 0)
                      + String(format: "%8d%8d", hidden, length) + ms(s.p50) + ms(s.p90) + ms(s.min)
                      + String(format: "%10.1f%7d%9.1f", 100 * s.spread, s.count, gflops) + (s.isNoisy ? "  noisy" : ""))
                results.append(["model": model, "mode": mode, "hidden": hidden, "length": length,
                                "median_ms": s.p50 / 1e6, "p90_ms": s.p90 / 1e6, "min_ms": s.min / 1e6,
                                "spread": s.spread, "iters": s.count, "gflops": gflops])
            }
        }
    }
}
// Recurrent step products: rate inside a training step vs the same function alone.
var stepProducts: [[String: Any]] = []
if options.stepProducts && options.modes.contains("train_b32") {
    let threads = ComputeThreads.current, rows = max(1, 32 / threads)
    print("\nRecurrent step products (PanelGEMM) inside train_b32 vs alone on the same shape: \(rows) rows per thread, "
          + "\(threads) threads at once; GFLOP/s per thread, medians of 5 rounds")
    print("model             hidden  length  product        in step   alone  in step/alone")
    let length = options.length[0]
    for hidden in options.hidden {
        let config = ModelConfig(input: options.tokens ? .tokens : .dense, vocab: 32, embedDim: 32, features: 32,
                                 hidden: hidden, layers: 1, attentionDim: hidden, classes: 10)
        for model in options.models {
            let bench = try LatencyBench(shape: RunShape(model: model, config: config, length: length, batchSize: 32),
                                         train: TrainConfig(batchSize: 32, learningRate: 1e-3, clip: 0), batchSizes: [])
            let step = bench.modes.first { $0.0 == .train(batch: 32) }!.1
            for _ in 0..<3 { step() }
            let inStep = medianRates(rounds: 5) { for _ in 0..<3 { step() } }
            for shape in inStep.keys.sorted(by: { ($0.n, $0.k) > ($1.n, $1.k) }) {
                let alone = medianRates(rounds: 5) { multiplyAlone(shape, rows: rows, threads: threads) }[shape]!
                let ratio = inStep[shape]! / alone
                print(model.padding(toLength: 18, withPad: " ", startingAt: 0) + String(format: "%6d%8d  ", hidden, length)
                      + "\(shape)".padding(toLength: 13, withPad: " ", startingAt: 0)
                      + String(format: "%9.1f%8.1f%14.2f", inStep[shape]!, alone, ratio))
                stepProducts.append(["model": model, "hidden": hidden, "length": length, "n": shape.n, "k": shape.k,
                                     "in_step_gflops_per_thread": inStep[shape]!, "alone_gflops_per_thread": alone,
                                     "ratio": ratio, "rows_per_thread": rows, "threads": threads])
            }
        }
    }
}

let meta: [String: Any] = ["seqbench_version": machine.seqbenchVersion, "build": machine.build, "cpu": machine.cpu,
                           "cores": machine.cores, "l2_bytes": CPUCaches.level2Bytes, "threads": machine.threads,
                           "tokens": options.tokens]
let outURL = URL(fileURLWithPath: options.out)
try FileManager.default.createDirectory(at: outURL.deletingLastPathComponent(), withIntermediateDirectories: true)
let data = try JSONSerialization.data(withJSONObject: ["meta": meta, "results": results, "step_products": stepProducts], options: [.prettyPrinted, .sortedKeys])
let temp = outURL.deletingLastPathComponent().appendingPathComponent("." + outURL.lastPathComponent + ".tmp")
try data.write(to: temp)
guard rename(temp.path, outURL.path) == 0 else { fail("cannot write \(options.out)") }
print("wrote \(options.out)")

/// Per-shape GFLOP/s per thread of the PanelGEMM products `body` makes, median over `rounds` runs.
func medianRates(rounds: Int, _ body: () -> Void) -> [PanelGEMM.Profile.Shape: Double] {
    var rates: [PanelGEMM.Profile.Shape: [Double]] = [:]
    for _ in 0..<rounds {
        for (shape, totals) in PanelGEMM.Profile.measure(body) { rates[shape, default: []].append(totals.gflopsPerThread) }
    }
    return rates.mapValues { $0.sorted()[$0.count / 2] }
}

/// The product of `shape` alone: a packed random B, and on each of `threads` threads at once its own
/// `rows` rows of A multiplied 20 times (as in a step, where each thread multiplies its own sequences).
func multiplyAlone(_ shape: PanelGEMM.Profile.Shape, rows: Int, threads: Int) {
    var rng = SeededRNG(seed: 1)
    let b = (0..<(shape.n * shape.k)).map { _ in rng.uniform(-0.1, 0.1) }
    let packed = PackedPanels()
    packed.pack(b, rows: shape.k, columns: shape.n, transposed: false)
    let a = (0..<(threads * rows * shape.k)).map { _ in rng.uniform(-1, 1) }
    let c = UnsafeMutablePointer<Float>.allocate(capacity: threads * rows * shape.n)
    defer { c.deallocate() }
    c.initialize(repeating: 0, count: threads * rows * shape.n)
    let shared = (c: UncheckedSendable(c), a: a)
    ComputeThreads.parallel(Array(0..<threads)) { t in
        shared.a.withUnsafeBufferPointer { a in
            for _ in 0..<20 {
                PanelGEMM.multiply(m: rows, a: a.baseAddress! + t * rows * shape.k, lda: shape.k, b: packed,
                                   c: shared.c.value + t * rows * shape.n, ldc: shape.n, accumulate: true)
            }
        }
    }
}
