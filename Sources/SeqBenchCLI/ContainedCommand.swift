import ArgumentParser

/// `seqbench _contained --notify-fd FD -- SUBCOMMAND ARGS…` (hidden): runs a subcommand as the contained
/// child of `Containment` — under the reading phase's limits, announcing its untrusted reads on FD.
struct ContainedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "_contained",
        abstract: "Internal: run a subcommand as seqbench's contained reader of untrusted files.",
        shouldDisplay: false)

    @Option(name: .customLong("notify-fd")) var notifyFD: Int32
    @Argument(parsing: .captureForPassthrough) var arguments: [String] = []

    func run() throws {
        Containment.enterChild(notifyFD: notifyFD)
        let rest = arguments.first == "--" ? Array(arguments.dropFirst()) : arguments
        var command = try SeqBench.parseAsRoot(rest)
        try command.run()
    }
}
