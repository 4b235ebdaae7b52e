import ArgumentParser

/// `seqbench`: train, measure and compare sequence classifiers.
@main
struct SeqBench: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "seqbench",
        abstract: "Train, measure and compare sequence classifiers (RNN, LSTM, BiLSTM, BiLSTM + attention).",
        version: version,
        subcommands: [TrainCommand.self, ListCommand.self],
        defaultSubcommand: nil
    )
}
