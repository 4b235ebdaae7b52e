import ArgumentParser
import SeqStore

/// `seqbench`: train, measure and compare sequence classifiers.
///
/// The public entry point of the command-line tool. A package that adds its own models or tasks
/// registers them (`ModelRegistry.register`, `TaskRegistry.register`) and then calls
/// `SeqBench.main()`: every subcommand sees the additions.
public struct SeqBench: ParsableCommand {
    public init() {}

    static let version = SeqbenchVersion.current

    public static let configuration = CommandConfiguration(
        commandName: "seqbench",
        abstract: "Train, measure and compare sequence classifiers (RNN, LSTM, BiLSTM, BiLSTM + attention).",
        version: version,
        subcommands: [RunCommand.self, CollectCommand.self, SlurmCommand.self, ReportCommand.self, CompareCommand.self, TrainCommand.self, EvalCommand.self, PredictCommand.self, AttentionCommand.self, InspectCommand.self, ImportCommand.self, FlopsCommand.self, BenchCommand.self, ListCommand.self, ContainedCommand.self, WorkerCommand.self],
        defaultSubcommand: nil
    )
}
