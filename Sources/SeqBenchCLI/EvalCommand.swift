import ArgumentParser
import Foundation
import SeqHarness

/// `seqbench eval CHECKPOINT`
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Re-evaluate a checkpoint on its task's test split.",
        discussion: "Rebuilds the model and the task's data from the checkpoint's stored config and seed. Exits with status 1 when the accuracy differs from the stored test_accuracy.")

    @Argument(help: "A checkpoint written by seqbench (best.h5 or last.h5).") var checkpoint: String
    @Flag(help: "Print JSON instead of text.") var json = false

    func run() throws {
        try Containment.runContained("eval", files: [checkpoint])   // libhdf5 may crash on a damaged file
        Containment.willRead(checkpoint)
        let loaded = try LoadedCheckpoint(checkpoint)
        Containment.doneReading()
        let result = try loaded.evaluateTest()
        let stored = loaded.checkpoint.metrics[.testAccuracy]
        let matches = stored.map { $0 == result.accuracy }
        if json {
            var object: [String: Any] = ["checkpoint": checkpoint, "model": loaded.config.model,
                                         "test_accuracy": result.accuracy, "test_loss": result.loss]
            if let stored { object["stored_test_accuracy"] = stored; object["matches"] = matches! }
            print(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self))
        } else {
            let correct = Int((result.accuracy * Double(result.predictions.count)).rounded())
            print("\(checkpoint): \(loaded.config.model), epoch \(loaded.checkpoint.epoch), task \(loaded.config.task.name), seed \(loaded.config.seed)")
            print("test accuracy \(result.accuracy) (\(correct)/\(result.predictions.count)), test loss \(NumberFormat.fixed(result.loss, 6))")
            if let stored {
                print(matches! ? "matches the stored test_accuracy \(stored)" : "DIFFERS from the stored test_accuracy \(stored)")
            } else {
                print("no stored test_accuracy (training had not finished when this checkpoint was written)")
            }
        }
        if matches == false { throw ExitCode(1) }
    }
}
