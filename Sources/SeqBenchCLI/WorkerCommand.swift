import ArgumentParser
import Foundation
import SeqHarness
import SeqStore

#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// `seqbench _worker FOLDER --run ID --threads T --parent PID` (hidden): trains one run of the experiment frozen
/// in FOLDER/experiment.json with T compute threads, for a parent `seqbench run --jobs N` (`TrainingWorkers`).
/// It trains and counts cost, writes the run's files (run.h5 with status trained or failed), and never measures
/// latency (the parent does, for every run at once) nor takes the experiment's lock (the parent holds it).
/// Exits 0 when the run trained, 1 when it failed; it ends itself when its parent dies.
struct WorkerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "_worker",
        abstract: "Internal: train one run of an experiment for `seqbench run --jobs`.",
        shouldDisplay: false)

    @Argument var folder: String
    @Option(name: .customLong("run")) var runID: String
    @Option var threads: Int
    @Option var parent: Int32
    @Option var index: Int = 1
    @Option var total: Int = 1
    @Flag var resume = false
    @Flag var quiet = false

    func validate() throws {
        if threads < 1 || threads > 4096 { throw ValidationError("--threads must be in 1…4096") }
    }

    func run() throws {
        Self.watch(parent: parent)
        do { try train() } catch let exit as ExitCode { throw exit } catch {
            // Not a failed run (that is recorded in its run.h5 and exits 1): an error of its own, said here.
            FileHandle.standardError.write(Data("seqbench: \(runID): \(error)\n".utf8))
            throw ExitCode(3)
        }
    }

    private func train() throws {
        let frozen = try ExperimentManifest.read(folder: folder).plan()
        // A search's re-run is not among the frozen runs (it is planned from the trials' results) but derives from one.
        guard let run = frozen.plannedRun(id: runID) else {
            throw ValidationError("\(folder) plans no run '\(runID)'")
        }
        let plan = frozen.with(runs: [run])
        var runner = ExperimentRunner(plan: plan, out: folder)
        runner.only = [runID]
        runner.trainOnly = true
        runner.trainingThreads = threads
        runner.resume = resume
        runner.progress = ProgressPrinter(quiet: quiet, worker: (index, total)).handle
        let results = try runner.run()
        if results.contains(where: { $0.status == .failed }) { throw ExitCode(1) }
    }

    /// Ends this process (as `kill -9` would) as soon as `parent` is no longer its parent: a killed sweep
    /// leaves no worker behind, and `--resume` continues from the runs' last.h5.
    static func watch(parent: Int32) {
        if getppid() != parent { kill(getpid(), SIGKILL) }
        Thread.detachNewThread {
            while true {
                usleep(100_000)
                if getppid() != parent { kill(getpid(), SIGKILL) }
            }
        }
    }
}
