import ArgumentParser
import SeqHarness

/// `seqbench predict CHECKPOINT (--input IN.h5 | --text TEXT … | --text-file FILE) [--output OUT]`
struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Run a checkpoint on your own sequences or text.",
        discussion: """
            Inputs come from one source. `--text` (repeatable) and `--text-file` (one input per line) are \
            tokenized with the checkpoint's vocabulary (checkpoints of data with one: langid, an hdf5 task \
            file with /vocabulary, `seqbench import`); tokens outside it map to the unknown id, or are left out \
            when there is none, and are counted. A table shows each input's prediction by class name, its \
            probability and the three most probable classes. `--input IN.h5` holds `tokens` [N, T] int32 \
            (token models) or `features` [N, T, F] float32 (dense models), and `lengths` [N] with each length \
            in 1...T; it needs `--output`.

            OUT's extension picks its format. HDF5 (.h5, .hdf5, or none): `logits` and `probabilities` [N, C] float32, \
            `predictions` [N] int32, `class_names` [C] (when the checkpoint has names), for attention models `attention` [N, T] (0 on padding) \
            and, for text inputs, `inputs`, `lengths` and `unknown` [N]. CSV (.csv): one row per input with \
            the prediction's name and index, its probability and p_<class> columns. JSON (.json): an array with \
            one object per input (tokens, prediction, probabilities, top 3, attention).

            Examples:
              CKPT=Results/langid/runs/lstm.seed=1/best.h5
              seqbench predict $CKPT --text mañana --text house --output out.csv
              seqbench predict $CKPT --text-file words.txt --output out.json
            """)

    @Argument(help: "A checkpoint written by seqbench.") var checkpoint: String
    @Option(help: "Input HDF5 file (tokens or features, and lengths).") var input: String?
    @OptionGroup var text: TextInputOptions
    @Option(help: "Output file, HDF5, CSV or JSON by its extension (written atomically). Never the checkpoint or an input; an existing file only with --force.")
    var output: String?
    @Flag(help: "Replace an existing OUTPUT (a regular file; never the checkpoint or an input).") var force = false

    func run() throws {
        try text.requireOneSource(among: [("--input", input != nil)])
        if input != nil && output == nil { throw UsageError("--input needs --output (the file the predictions go to)") }
        if let output { _ = try PredictionFormat(path: output) }            // an unknown extension fails before any work
        try Containment.runContained("predict", files: [checkpoint] + (input.map { [$0] } ?? []))   // libhdf5 may crash on a damaged file
        Containment.willRead(checkpoint)
        let loaded = try LoadedCheckpoint(checkpoint)
        // Output safety: a new regular file, or an existing one with --force; never what is read.
        if let output {
            let read = [("checkpoint", checkpoint)] + [input, text.textFile].compactMap { $0 }.map { ("input", $0) }
            try OutputTarget.check(output, force: force, protecting: read)
        }
        if let input {
            Containment.willRead(input)
            Containment.walk(input)
            Containment.doneReading()
            try Prediction.run(loaded, input: input, output: output!)
            print("wrote \(output!)")
            return
        }
        Containment.doneReading()
        let inputs = try TextInputs.encode(try text.read(), with: loaded)
        let predictions = Predictions(model: loaded.model, sequences: TextInputs.batch(inputs), batchSize: loaded.config.train.batchSize)
        let set = PredictionSet(predictions: predictions, inputs: inputs, loaded: loaded)
        print(PredictionTable.render(set))
        let unknown = inputs.reduce(0) { $0 + $1.unknown }
        if unknown > 0 {
            let fate = loaded.checkpoint.vocabulary?.unknownID == nil ? "left out (the vocabulary has no unknown id)" : "mapped to the unknown id"
            print("\(unknown) token\(unknown == 1 ? "" : "s") not in the checkpoint's vocabulary: \(fate)")
        }
        if let output {
            try PredictionOutput.write(set, to: output)
            print("wrote \(output)")
        }
    }
}
