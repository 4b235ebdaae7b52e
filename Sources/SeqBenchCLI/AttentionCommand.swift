import ArgumentParser
import Foundation
import SeqHarness

/// `seqbench attention CHECKPOINT (--text TEXT … | --text-file FILE | --test-split) [--svg OUT.svg]`
struct AttentionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attention",
        abstract: "Show where an attention model looks: per token, or over its test split.",
        discussion: """
            With --text or --text-file: each input's tokens with their attention weights (they sum to 1 over \
            the tokens the vocabulary knows), and with --svg a heatmap, one row per input and one cell per token. \
            With --test-split: per class, the normalised entropy of the weights (entropy / ln(length): 0 = all \
            on one token, 1 = evenly spread) and the relative position of the largest weight (0 = first token, \
            1 = last), as a table and a one-line summary, and with --svg their distributions. For attention \
            models only (e.g. bilstm_attention).

            Examples:
              CKPT=Results/langid/runs/bilstm_attention.seed=1/best.h5
              seqbench attention $CKPT --text mañana --text house --svg words.svg
              seqbench attention $CKPT --test-split --svg test-split.svg
            """)

    @Argument(help: "A checkpoint of an attention model, written by seqbench.") var checkpoint: String
    @OptionGroup var text: TextInputOptions
    @Flag(help: "Summarise attention over the checkpoint's test split (regenerated from its stored task config).")
    var testSplit = false
    @Option(help: ArgumentHelp("Write an SVG picture (atomically): the heatmap, or with --test-split the distributions.", valueName: "out.svg"))
    var svg: String?
    @Flag(help: "Replace an existing SVG file (a regular file; never the checkpoint or an input).") var force = false

    func run() throws {
        try text.requireOneSource(among: [("--test-split", testSplit)])
        if let svg, !svg.lowercased().hasSuffix(".svg") { throw UsageError("--svg \(svg): the file name must end in .svg") }
        try Containment.runContained("attention", files: [checkpoint])   // libhdf5 may crash on a damaged file
        Containment.willRead(checkpoint)
        let loaded = try LoadedCheckpoint(checkpoint)
        if let svg {
            let read = [("checkpoint", checkpoint)] + [text.textFile].compactMap { $0 }.map { ("input", $0) }
            try OutputTarget.check(svg, force: force, protecting: read)
        }
        Containment.doneReading()
        let picture: String
        if testSplit {
            let probe = try AttentionProbe(loaded)
            print(probe.statistics.table())
            if probe.statistics.singleTokenSequences > 0 {
                print("\(probe.statistics.singleTokenSequences) one-token sequences left out (their weight is 1 on that token)")
            }
            print(probe.statistics.summary())
            picture = SVGPlot.attentionStatistics(probe.statistics, title: "Attention over the test split: \(loaded.config.model)")
        } else {
            let inputs = try TextInputs.encode(try text.read(), with: loaded)
            let predictions = Predictions(model: loaded.model, sequences: TextInputs.batch(inputs), batchSize: loaded.config.train.batchSize)
            guard predictions.attention != nil else { throw AttentionProbe.noAttention(loaded) }
            let set = PredictionSet(predictions: predictions, inputs: inputs, loaded: loaded)
            var rows: [AttentionHeatmapRow] = []
            for (n, input) in inputs.enumerated() {
                let row = AttentionHeatmapRow(set, sequence: n, label: input.text, tokens: input.tokens)!
                let dropped = input.unknown > 0 && loaded.checkpoint.vocabulary?.unknownID == nil
                    ? " (\(input.unknown) unknown token\(input.unknown == 1 ? "" : "s") left out)" : ""
                print("\(row.label) \(row.detail)\(dropped)")
                print("  " + zip(row.tokens, row.weights).map { "\($0) \(NumberFormat.fixed($1, 3))" }.joined(separator: "  "))
                rows.append(row)
            }
            picture = SVGPlot.attentionHeatmap(rows, title: "Attention per token: \(loaded.config.model)")
        }
        if let svg {
            try writeAtomically(picture, to: svg)
            print("wrote \(svg)")
        }
    }
}
