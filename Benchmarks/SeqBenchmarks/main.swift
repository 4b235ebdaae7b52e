// Model benchmarks: median wall time of inference (batch 1 and 32) and of a full training step
// (forward + cross-entropy + backward + clip + Adam, batch 32) for every registered model.
// Canonical case: tokens (vocab 32, embedding 32), H 128, A 128, 10 classes, 1 layer, T 64, full length.
//
//   .build/release/SeqBenchmarks [--hidden 128] [--length 64] [--threads N] [--min-time 1]

import SeqModels
import SeqTensor
import SeqTrain

struct Options {
    var hidden = 128, length = 64, threads: Int? = nil, minTime = 1.0, minIterations = 30, warmup = 10
    init(_ args: [String]) {
        var it = args.dropFirst().makeIterator()
        while let flag = it.next() {
            guard let value = it.next() else { fatalError("\(flag) needs a value") }
            switch flag {
            case "--hidden": hidden = Int(value)!
            case "--length": length = Int(value)!
            case "--threads": threads = Int(value)!
            case "--min-time": minTime = Double(value)!
            default: fatalError("unknown option \(flag); expected --hidden, --length, --threads, --min-time")
            }
        }
    }
}

let options = Options(CommandLine.arguments)
ComputeThreads.set(options.threads)
let clock = ContinuousClock()

func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18 }

/// Warm-up, then samples until both the count and the time budget are reached; milliseconds.
func sample(_ body: () -> Void) -> [Double] {
    for _ in 0..<options.warmup { body() }
    var samples: [Double] = []
    let start = clock.now
    while samples.count < options.minIterations || seconds(clock.now - start) < options.minTime {
        samples.append(seconds(clock.measure(body)) * 1e3)
        if samples.count >= 5000 { break }
    }
    return samples.sorted()
}

func batch(_ size: Int, vocab: Int, length: Int) -> SequenceBatch {
    var rng = SeededRNG(seed: 1, stream: "bench")
    return SequenceBatch(tokens: (0..<(size * length)).map { _ in Int32(1 + rng.int(below: vocab - 1)) },
                         lengths: [Int](repeating: length, count: size), length: length)
}

let config = ModelConfig(input: .tokens, vocab: 32, embedDim: 32, hidden: options.hidden, layers: 1,
                         attentionDim: options.hidden, classes: 10)
print("threads \(ComputeThreads.current), H \(options.hidden), T \(options.length), tokens (vocab 32, embedding 32), A = H, 10 classes")
print("model             mode        median ms    p90 ms    min ms  iters")
for d in ModelRegistry.all {
    for mode in ["infer_b1", "infer_b32", "train_b32"] {
        let model = try ModelRegistry.make(d.name, config: config, seed: 1)
        let size = mode == "infer_b1" ? 1 : 32
        let input = batch(size, vocab: 32, length: options.length)
        let samples: [Double]
        if mode == "train_b32" {
            let trainer = Trainer(model: model, config: TrainConfig(batchSize: 32, learningRate: 1e-3, clip: 0), seed: 1)
            let labels = (0..<size).map { $0 % 10 }
            samples = sample { trainer.step(input, labels: labels) }
        } else {
            samples = sample { _ = model.forward(input) }
        }
        let median = samples[samples.count / 2], p90 = samples[min(samples.count - 1, samples.count * 9 / 10)]
        func f(_ x: Double) -> String { let s = String(Int((x * 1000).rounded())); let p = String(repeating: " ", count: max(0, 4 - s.count)) + s; return String(p.dropLast(3)) + "." + String(p.suffix(3)) }
        print(d.name.padding(17) + mode.padding(10) + f(median).leftPadding(11) + f(p90).leftPadding(10)
              + f(samples[0]).leftPadding(10) + String(samples.count).leftPadding(7))
    }
}

extension String {
    func padding(_ n: Int) -> String { self + String(repeating: " ", count: max(0, n - count)) }
    func leftPadding(_ n: Int) -> String { String(repeating: " ", count: max(0, n - count)) + self }
}
