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
    @Option(help: "Output HDF5 file (written atomically). Never the checkpoint or the input; an existing file only with --force.")
    var output: String
    @Flag(help: "Replace an existing OUTPUT (a regular file; never the checkpoint or the input).") var force = false

    func run() throws {
        try Containment.runContained("predict", files: [checkpoint, input])   // libhdf5 may crash on a damaged file
        Containment.willRead(checkpoint)
        let loaded = try LoadedCheckpoint(checkpoint)
        // Output safety: a new regular file, or an existing one with --force; never what is read.
        try OutputTarget.check(output, force: force, protecting: [("checkpoint", checkpoint), ("input", input)])
        Containment.willRead(input)
        Containment.walk(input)
        Containment.doneReading()
        try Prediction.run(loaded, input: input, output: output)
        print("wrote \(output)")
    }
}
