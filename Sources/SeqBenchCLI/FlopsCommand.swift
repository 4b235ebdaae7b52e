import ArgumentParser
import Foundation
import SeqModels
import SeqTensor

/// `seqbench flops MODEL [--set …]`
struct FlopsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flops",
        abstract: "Per-layer FLOPs of a model: forward per sequence and a whole training step.",
        discussion: """
            Convention: 1 multiply-accumulate (MAC) = 2 FLOPs; σ, tanh and exp are counted separately and never \
            folded into FLOPs; bias additions and elementwise products are not counted. Work is counted over \
            valid (non-padding) steps. The analytic figures are checked against the counted ones in the test suite; \
            this command also counts a real pass and prints both totals.
            """)

    @OptionGroup var shape: ShapeOptions
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        let (config, T, B) = try shape.resolved()
        let model = try ModelRegistry.make(shape.model, config: config, seed: 0)
        let perSequence = model.flops(lengths: [T], maxLength: T)
        let step = model.flops(lengths: [Int](repeating: T, count: B), maxLength: T) + [crossEntropyFlops(batch: B, classes: config.classes)]
        // Count a real training step too.
        let (counted, _) = try countedStep(model, config, T, B)
        if json {
            func obj(_ f: FlopCount) -> [String: Int] {
                ["macs": f.macs, "flops": f.matmulFlops, "sigmoid": f.sigmoid, "tanh": f.tanh, "exp": f.exp]
            }
            let object: [String: Any] = [
                "model": shape.model, "length": T, "batch_size": B, "parameters": model.parameterCount,
                "forward_per_sequence": obj(perSequence.total.forward),
                "train_step": ["forward": obj(step.total.forward), "backward": obj(step.total.backward),
                               "total": obj(step.total.forward + step.total.backward)],
                "layers": step.map { ["name": $0.name, "forward": obj($0.flops.forward), "backward": obj($0.flops.backward)] as [String: Any] },
                "counted_train_step": obj(counted),
            ]
            say(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted]), as: UTF8.self))
            return
        }
        say("\(shape.model): \(model.parameterCount) parameters; T \(T), batch \(B), H \(config.hidden), "
            + "\(config.input == .tokens ? "embedding \(config.embedDim)" : "\(config.features) features"), "
            + "A \(config.attentionDim), \(config.layers) layer(s), \(config.classes) classes")
        say("\nTraining step (batch \(B)), per layer:")
        var rows = step.map { r in
            [r.name, eng(r.flops.forward.macs), eng(r.flops.forward.matmulFlops), eng(r.flops.forward.sigmoid),
             eng(r.flops.forward.tanh), eng(r.flops.forward.exp), eng(r.flops.backward.macs), eng(r.flops.backward.matmulFlops)]
        }
        let t = step.total
        rows.append(["total", eng(t.forward.macs), eng(t.forward.matmulFlops), eng(t.forward.sigmoid), eng(t.forward.tanh),
                     eng(t.forward.exp), eng(t.backward.macs), eng(t.backward.matmulFlops)])
        say(table(header: ["layer", "fwd MACs", "fwd FLOPs", "σ", "tanh", "exp", "bwd MACs", "bwd FLOPs"], rows: rows))
        let f = perSequence.total.forward
        say("\nforward, one sequence:  \(eng(f.macs)) MACs = \(eng(f.matmulFlops)) FLOPs, \(eng(f.nonlinearities)) nonlinearities")
        say("training step:          \(eng(t.forward.macs + t.backward.macs)) MACs = \(eng((t.forward + t.backward).matmulFlops)) FLOPs "
            + "(backward/forward \(fmt(Double(t.backward.macs) / Double(max(t.forward.macs, 1)), 2))×)")
        say("counted in a real step: \(eng(counted.macs)) MACs, \(eng(counted.nonlinearities)) nonlinearities"
            + (counted == t.forward + t.backward ? " (equal to the analytic total)" : " — DIFFERS from the analytic total"))
    }

    private func countedStep(_ model: any SequenceModel, _ config: ModelConfig, _ T: Int, _ B: Int) throws -> (FlopCount, Void) {
        var rng = SeededRNG(seed: 0)
        let lengths = [Int](repeating: T, count: B)
        let batch = config.input == .tokens
            ? SequenceBatch(tokens: (0..<(B * T)).map { _ in Int32(1 + rng.int(below: config.vocab - 1)) }, lengths: lengths, length: T)
            : SequenceBatch(features: (0..<(B * T * config.features)).map { _ in rng.normal() }, featureCount: config.features,
                            lengths: lengths, length: T)
        let labels = (0..<B).map { $0 % config.classes }
        let counted = FlopCounter.measure {
            let logits = model.forward(batch)
            var d: Tensor? = Tensor(zeros: [0])
            _ = CrossEntropy.lossAndGradient(logits: logits, labels: labels, dlogits: &d)
            model.backward(d!)
        }
        return (counted, ())
    }
}

/// Engineering notation: 1234567 → "1.23 M".
func eng(_ n: Int) -> String { eng(Double(n)) }
func eng(_ x: Double) -> String {
    guard x.isFinite else { return "-" }
    let units = ["", " k", " M", " G", " T", " P"]
    var v = x, i = 0
    while abs(v) >= 1000 && i < units.count - 1 { v /= 1000; i += 1 }
    if i == 0 { return String(Int(v.rounded())) }
    let digits = abs(v) >= 100 ? 0 : abs(v) >= 10 ? 1 : 2
    return fmt(v, digits) + units[i]
}
