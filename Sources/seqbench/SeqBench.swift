import ArgumentParser
import SeqStore

/// `seqbench`: train, measure and compare sequence classifiers.
@main
struct SeqBench: ParsableCommand {
    static let version = SeqbenchVersion.current

    static let configuration = CommandConfiguration(
        commandName: "seqbench",
        abstract: "Train, measure and compare sequence classifiers (RNN, LSTM, BiLSTM, BiLSTM + attention).",
        version: version,
        subcommands: [TrainCommand.self, EvalCommand.self, PredictCommand.self, InspectCommand.self, ListCommand.self],
        defaultSubcommand: nil
    )
}
