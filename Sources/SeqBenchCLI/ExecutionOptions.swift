import ArgumentParser

/// The options `run` and `train` share: how an experiment folder is reused, how many runs train at once, how
/// much is printed, and whether an over-budget plan may start.
struct ExecutionOptions: ParsableArguments {
    @Flag(help: "Skip runs that completed (verified from their files) and redo or continue the others.") var resume = false
    @Flag(help: "Delete the experiment in the output folder and start over.") var force = false
    @Option(help: ArgumentHelp("""
        Runs trained at once, each in a process of its own with threads / N threads (at most `threads` jobs); \
        auto picks by the runs' size. The same as --set jobs=N (README, "Using the whole machine").
        """, valueName: "N|auto")) var jobs: String?
    @Flag(help: "Print only the final table.") var quiet = false
    @Flag(help: "Start even when the plan's estimated work or memory is above the budget (README, \"Limits\").") var yes = false

    func validate() throws {
        if resume && force { throw ValidationError("--resume and --force exclude each other") }
        if let jobs, jobs != "auto", (Int(jobs) ?? 0) < 1 || (Int(jobs) ?? 0) > 4096 {
            throw ValidationError("--jobs must be an integer in 1…4096 or auto, got \(jobs)")
        }
    }
}
