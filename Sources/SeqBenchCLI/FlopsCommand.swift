import ArgumentParser
import Foundation
import SeqHarness
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
        let shape = try self.shape.plan().runs[0].shape()
        let (config, T, B) = (shape.config, shape.length, shape.batchSize)
        let model = try ModelRegistry.make(shape.model, config: config, seed: 0)
        let perSequence = model.flops(lengths: [T], maxLength: T)
        let step = model.flops(lengths: [Int](repeating: T, count: B), maxLength: T) + [crossEntropyFlops(batch: B, classes: config.classes)]
        // Count a real training step too.
        let counted = try RunMeasurements.cost(of: shape).trainStep
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
            + "\(config.input == .tokens ? "embedding \(config.embedDim), vocabulary \(config.vocab)" : "\(config.features) features"), "
            + "A \(config.attentionDim), \(config.layers) layer(s), \(config.classes) classes")
        say("\nTraining step (batch \(B)), per layer:")
        let t = step.total
        let rows = step.map { ($0.name, $0.flops) } + [("total", t)]
        var table = TextTable(rows)
        table.column("layer", left: true) { $0.0 }
        table.column("fwd MACs") { eng($0.1.forward.macs) }
        table.column("fwd FLOPs") { eng($0.1.forward.matmulFlops) }
        table.column("σ") { eng($0.1.forward.sigmoid) }
        table.column("tanh") { eng($0.1.forward.tanh) }
        table.column("exp") { eng($0.1.forward.exp) }
        table.column("bwd MACs") { eng($0.1.backward.macs) }
        table.column("bwd FLOPs") { eng($0.1.backward.matmulFlops) }
        say(table.plain())
        let f = perSequence.total.forward
        say("\nforward, one sequence:  \(eng(f.macs)) MACs = \(eng(f.matmulFlops)) FLOPs, \(eng(f.nonlinearities)) nonlinearities")
        say("training step:          \(eng(t.forward.macs + t.backward.macs)) MACs = \(eng((t.forward + t.backward).matmulFlops)) FLOPs "
            + "(backward/forward \(NumberFormat.fixed(Double(t.backward.macs) / Double(max(t.forward.macs, 1)), 2))×)")
        say("counted in a real step: \(eng(counted.macs)) MACs, \(eng(counted.nonlinearities)) nonlinearities"
            + (counted == t.forward + t.backward ? " (equal to the analytic total)" : " — DIFFERS from the analytic total"))
    }
}

/// Engineering notation: 1234567 → "1.23 M".
func eng(_ n: Int) -> String { NumberFormat.engineering(Double(n)) }
