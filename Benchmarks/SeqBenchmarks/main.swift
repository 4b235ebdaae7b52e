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
//                                [--threads N] [--min-time 1] [--tokens] [--out Results/bench/seqbench.json]

import Foundation
import SeqHarness
import SeqModels
import SeqTensor
import SeqTrain

struct Options {
    var hidden = [128, 512], length = [64, 256], models = ModelRegistry.names
    var modes = ["infer_b1", "infer_b32", "train_b32"]
    var threads: Int? = nil, minTime = 1.0, minIterations = 30, warmup = 10, tokens = false
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
            default: fail("unknown option \(args[i]); see the comment at the top of Benchmarks/SeqBenchmarks/main.swift")
            }
            i += 1
        }
        for m in models where !ModelRegistry.names.contains(m) { fail("unknown model \(m)") }
        for m in modes where !["infer_b1", "infer_b32", "train_b32"].contains(m) { fail("unknown mode \(m)") }
    }
}

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
print("seqbench \(machine.seqbenchVersion) (\(machine.build)), \(machine.cpuModel), \(machine.threads) threads; "
      + (options.tokens ? "tokens (embedding 32)" : "dense input of 32 features") + ", A = H, 10 classes, 1 layer")
print("model             mode       hidden  length  median ms    p90 ms    min ms  spread %  iters")

var results: [[String: Any]] = []
for hidden in options.hidden {
    for length in options.length {
        let config = ModelConfig(input: options.tokens ? .tokens : .dense, vocab: 32, embedDim: 32, features: 32,
                                 hidden: hidden, layers: 1, attentionDim: hidden, classes: 10)
        for model in options.models {
            let bench = try LatencyBench(model: model, config: config,
                                         train: TrainConfig(batchSize: 32, learningRate: 1e-3, clip: 0),
                                         length: length, batchSizes: [1, 32])
            for (mode, body) in bench.modes where options.modes.contains(mode) {
                // Until both the iteration count and the time budget are reached (at most 5000 iterations).
                var samples = sampleLatency(warmup: options.warmup, samples: options.minIterations, maxSeconds: 3600, body)
                let start = ContinuousClock.now
                while (ContinuousClock.now - start) < .milliseconds(Int64(options.minTime * 1000)) && samples.count < 5000 {
                    samples += sampleLatency(warmup: 0, samples: 10, maxSeconds: 3600, body)
                }
                let s = LatencyStats(nanoseconds: samples)
                func ms(_ ns: Double) -> String { String(format: "%10.3f", ns / 1e6) }
                print(model.padding(toLength: 18, withPad: " ", startingAt: 0) + mode.padding(toLength: 9, withPad: " ", startingAt: 0)
                      + String(format: "%8d%8d", hidden, length) + ms(s.p50) + ms(s.p90) + ms(s.min)
                      + String(format: "%10.1f%7d", 100 * s.spread, s.count) + (s.isNoisy ? "  noisy" : ""))
                results.append(["model": model, "mode": mode, "hidden": hidden, "length": length,
                                "median_ms": s.p50 / 1e6, "p90_ms": s.p90 / 1e6, "min_ms": s.min / 1e6,
                                "spread": s.spread, "iters": s.count])
            }
        }
    }
}
let meta: [String: Any] = ["seqbench_version": machine.seqbenchVersion, "build": machine.build, "cpu": machine.cpuModel,
                           "cores": machine.cores, "threads": machine.threads, "tokens": options.tokens]
let outURL = URL(fileURLWithPath: options.out)
try FileManager.default.createDirectory(at: outURL.deletingLastPathComponent(), withIntermediateDirectories: true)
let data = try JSONSerialization.data(withJSONObject: ["meta": meta, "results": results], options: [.prettyPrinted, .sortedKeys])
let temp = outURL.deletingLastPathComponent().appendingPathComponent("." + outURL.lastPathComponent + ".tmp")
try data.write(to: temp)
guard rename(temp.path, outURL.path) == 0 else { fail("cannot write \(options.out)") }
print("wrote \(options.out)")
