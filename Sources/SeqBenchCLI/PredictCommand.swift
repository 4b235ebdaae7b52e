import ArgumentParser
import SeqHarness

/// `seqbench predict CHECKPOINT --input IN.h5 --output OUT.h5`
struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Run a checkpoint on your own sequences.",
        discussion: """
            IN holds `tokens` [N, T] int32 (token models) or `features` [N, T, F] float32 (dense models), and \
            `lengths` [N] with each length in 1...T. OUT receives `logits` and `probabilities` [N, C] float32, \
            `predictions` [N] int32 and, for attention models, `attention` [N, T] (0 on padding).
            """)

    @Argument(help: "A checkpoint written by seqbench.") var checkpoint: String
    @Option(help: "Input HDF5 file.") var input: String
    @Option(help: "Output HDF5 file (written atomically).") var output: String

    func run() throws {
        try Containment.runContained("predict", files: [checkpoint, input])   // libhdf5 may crash on a damaged file
        Containment.willRead(checkpoint)
        let loaded = try LoadedCheckpoint(checkpoint)
        Containment.willRead(input)
        Containment.walk(input)
        Containment.doneReading()
        try Prediction.run(loaded, input: input, output: output)
        print("wrote \(output)")
    }
}
