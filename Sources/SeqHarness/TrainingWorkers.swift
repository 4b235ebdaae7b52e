import Foundation

#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// Worker processes that train an experiment's runs, `jobs` at a time (`run --jobs`): one process per run,
/// started when a job is free, so fast and slow runs share the jobs evenly. Each is `executable` with
/// `arguments(run, index, total)`; it inherits stdout and stderr (its progress lines, prefixed by its run id,
/// go straight to the parent's output), trains with `threads` threads, writes the run's files and exits 0 (trained),
/// 1 (the run failed, recorded in its run.h5) or otherwise (an error it printed). A worker ends itself when its
/// parent dies (`seqbench _worker` watches it), so a killed sweep leaves nothing running: `--resume` goes on.
public struct TrainingWorkers: Sendable {
    public var jobs: Int
    public var threads: Int
    public var executable: String
    public var arguments: @Sendable (_ run: PlannedRun, _ index: Int, _ total: Int) -> [String]

    public init(jobs: Int, threads: Int, executable: String,
                arguments: @escaping @Sendable (_ run: PlannedRun, _ index: Int, _ total: Int) -> [String]) {
        self.jobs = jobs; self.threads = threads; self.executable = executable; self.arguments = arguments
    }

    /// How a worker ended.
    public enum Outcome: Equatable, CustomStringConvertible {
        case succeeded
        case runFailed
        case exited(Int32)
        case signalled(Int32)

        /// The worker wrote the run's run.h5 (trained or failed).
        public var wroteResult: Bool { self == .succeeded || self == .runFailed }

        public var description: String {
            switch self {
            case .succeeded: return "succeeded"
            case .runFailed: return "reported a failed run"
            case .exited(let s): return "exited with status \(s)"
            case .signalled(let s): return "was ended by signal \(s)"
            }
        }
    }

    /// Runs a worker for each of `runs` (run, index, total), at most `jobs` at once, calling `finished` in the
    /// order they end; when `finished` returns false the running workers are stopped (SIGTERM) and no more
    /// start.
    func run(_ runs: [(PlannedRun, Int, Int)], finished: (PlannedRun, Outcome) throws -> Bool) throws {
        var pending = runs[...]
        var active: [pid_t: PlannedRun] = [:]
        var stop = false
        defer {
            // Whatever ends this (an error, a stop), no worker outlives it.
            for pid in active.keys { kill(pid, SIGTERM) }
            for pid in active.keys { var status: Int32 = 0; _ = waitpid(pid, &status, 0) }
        }
        while !active.isEmpty || (!stop && !pending.isEmpty) {
            while !stop, active.count < jobs, let (run, index, total) = pending.first {
                pending = pending.dropFirst()
                active[try spawn(arguments(run, index, total))] = run
            }
            var status: Int32 = 0
            let pid = waitpid(-1, &status, 0)
            if pid < 0 {
                if errno == EINTR { continue }
                throw WorkerError(message: "waiting for training workers: \(String(cString: strerror(errno)))")
            }
            guard let run = active.removeValue(forKey: pid) else { continue }
            let outcome: Outcome
            if status & 0x7f == 0 {
                let code = (status >> 8) & 0xff
                outcome = code == 0 ? .succeeded : code == 1 ? .runFailed : .exited(code)
            } else {
                outcome = .signalled(status & 0x7f)
            }
            if try !finished(run, outcome), !stop {
                stop = true
                for pid in active.keys { kill(pid, SIGTERM) }
            }
        }
    }

    private func spawn(_ arguments: [String]) throws -> pid_t {
        let argv = ([CommandLine.arguments.first ?? executable] + arguments).map { strdup($0) } + [nil]
        let env = ProcessInfo.processInfo.environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { argv.forEach { free($0) }; env.forEach { free($0) } }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, executable, nil, nil, argv, env)
        guard status == 0 else {
            throw WorkerError(message: "could not start a training worker (\(executable)): \(String(cString: strerror(status)))")
        }
        return pid
    }
}

public struct WorkerError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
