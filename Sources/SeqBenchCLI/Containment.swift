import ArgumentParser
import Foundation
import SeqStore
#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// Containing libhdf5.
///
/// libhdf5 1.10.8 crashes (SIGSEGV, SIGABRT) or spins forever on some malformed files. A command that reads
/// a file the user handed it (`eval`, `predict`, `inspect`, `report`, `compare`) therefore runs as a child of itself:
/// `seqbench _contained --notify-fd 3 -- eval FILE …` (`/proc/self/exe`). The parent only supervises:
///
/// - the child announces each untrusted file on fd 3 (`R path`) before reading it, and `D` once every
///   untrusted read is over and the files are closed;
/// - until `D`, the child runs under RLIMIT_AS (4 GiB) and RLIMIT_CPU (the time limit), and the parent
///   kills it after the time limit of wall-clock time (20 s, `SEQBENCH_READ_TIMEOUT_S` overrides);
///   after `D` the child lifts its own soft limits and the command's real work (evaluation, prediction)
///   runs without a time limit;
/// - the child's stdout is the parent's; its stderr is collected and relayed when it exits normally, so
///   the user sees exactly what an in-process run prints, and the exit status is passed on;
/// - a child killed by a signal, or one that ran out of time, becomes one error line naming the file being
///   read (exit 1); libhdf5's and the C runtime's own messages (assertions, "malloc(): corrupted …") are
///   dropped, and the Swift backtracer is turned off in the child (`SWIFT_BACKTRACE=enable=no`).
///
/// Time of check vs time of use: there is none — the file is read once, by the contained child, which
/// then does the work itself; nothing is probed first and read again.
///
/// `SEQBENCH_CONTAIN=0` runs the command in-process (for measurements and debugging). Containment needs
/// Linux (`/proc/self/exe`); elsewhere commands run in-process.
enum Containment {
    /// Address-space limit of the reading phase.
    static let memoryLimit: rlim_t = 4 << 30
    /// Time limit of the reading phase, seconds (wall clock in the parent, CPU time in the child).
    static var timeLimit: Int {
        if let text = ProcessInfo.processInfo.environment["SEQBENCH_READ_TIMEOUT_S"], let s = Int(text), s > 0 { return s }
        return 20
    }

    /// Set in the child by `_contained`: where to announce reads.
    nonisolated(unsafe) static var notifyFD: Int32 = -1
    nonisolated(unsafe) private static var savedLimits: [(__rlimit_resource_t, rlimit)] = []

    /// At the top of a command's `run()`: in the parent, runs the command contained in a child and ends it
    /// with the child's outcome (throws `ExitCode` or a `StoreError`); returns normally where the command
    /// should run in this process (in the child, or where containment is off or unavailable).
    /// `command` is the subcommand's name; the arguments are taken from the process's command line.
    static func runContained(_ command: String, files: [String]) throws {
        #if os(Linux)
        guard notifyFD == -1 else { return }                                          // already the child
        guard ProcessInfo.processInfo.environment["SEQBENCH_CONTAIN"] != "0" else { return }
        let arguments = Array(CommandLine.arguments.dropFirst())
        guard arguments.first == command else { return }      // called in-process (a test, a plugin), not from the command line
        let outcome = try supervise(arguments: arguments)
        switch outcome {
        case .exited(let status, let stderr):
            FileHandle.standardError.write(stderr)
            throw ExitCode(status)
        case .signaled(let signal, let file, let done):
            if [SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT].contains(signal) {
                // Not the file's doing (`… | head`, Ctrl-C, kill): end the way the child ended.
                Glibc.signal(signal, SIG_DFL)
                raise(signal)
                throw ExitCode(128 + signal)
            }
            let name = file ?? files.first ?? "?"
            if done {
                throw StoreError(file: name, "seqbench crashed (\(describe(signal: signal))) after reading this file; it is likely damaged")
            }
            throw StoreError(file: name, "reading this file crashed (\(describe(signal: signal)), in libhdf5 or seqbench); it is not a valid seqbench file")
        case .timedOut(let file):
            throw StoreError(file: file ?? files.first ?? "?", "reading it did not finish within \(timeLimit) s; it is not a valid seqbench file")
        }
        #endif
    }

    /// In the child, before an untrusted file is opened.
    static func willRead(_ path: String) {
        guard notifyFD >= 0 else { return }
        announce("R " + path.replacingOccurrences(of: "\n", with: " ") + "\n")
        injectFault(reading: path)
    }

    /// Test hook: `SEQBENCH_CONTAIN_FAULT=KIND[:SUFFIX]` makes the contained child fail as libhdf5 might when
    /// it starts reading a file (ending in SUFFIX): `segv`, `abort`, `trap` (a Swift trap), `spin` (CPU-bound
    /// hang) or `sleep` (a hang using no CPU). The tests use it; it is never set otherwise.
    private static func injectFault(reading path: String) {
        guard let spec = ProcessInfo.processInfo.environment["SEQBENCH_CONTAIN_FAULT"] else { return }
        let parts = spec.split(separator: ":", maxSplits: 1).map(String.init)
        if parts.count == 2 && !path.hasSuffix(parts[1]) { return }
        switch parts.first {
        case "segv": raise(SIGSEGV)
        case "abort": abort()
        case "trap": fatalError("injected trap")
        case "spin": var x = UInt64(getpid()); while true { x = x &* 6364136223846793005 &+ 1442695040888963407; if x == 42 { print(x) } }
        case "sleep": while true { sleep(1000) }
        default: return
        }
    }

    /// In the child, once every untrusted read is over: lifts the reading phase's limits.
    static func doneReading() {
        guard notifyFD >= 0 else { return }
        for (resource, limit) in savedLimits { var l = limit; setrlimit(resource, &l) }
        savedLimits = []
        announce("D\n")
        close(notifyFD)
        notifyFD = -2   // still the child (never contain again), but nothing more to announce
    }

    /// In the child, at start: the reading phase's limits (soft limits only, so `doneReading` can lift them).
    static func enterChild(notifyFD fd: Int32) {
        notifyFD = fd
        let limits: [(__rlimit_resource_t, rlim_t)] = [(__rlimit_resource_t(RLIMIT_AS.rawValue), memoryLimit), (__rlimit_resource_t(RLIMIT_CPU.rawValue), rlim_t(timeLimit)),
                                                        (__rlimit_resource_t(RLIMIT_CORE.rawValue), 0)]
        for (resource, soft) in limits {
            var old = rlimit()
            guard getrlimit(resource, &old) == 0 else { continue }
            var new = old
            new.rlim_cur = old.rlim_max == rlim_t.max ? soft : min(soft, old.rlim_max)
            if resource != __rlimit_resource_t(RLIMIT_CORE.rawValue) { savedLimits.append((resource, old)) }
            setrlimit(resource, &new)
        }
    }

    private static func announce(_ line: String) {
        let bytes = Array(line.utf8)
        _ = bytes.withUnsafeBytes { write(notifyFD, $0.baseAddress, $0.count) }
    }

    enum Outcome {
        case exited(Int32, Data)
        case signaled(Int32, file: String?, done: Bool)
        case timedOut(file: String?)
    }

    static func describe(signal: Int32) -> String {
        let names: [Int32: String] = [SIGILL: "SIGILL", SIGTRAP: "SIGTRAP", SIGABRT: "SIGABRT", SIGBUS: "SIGBUS",
                                      SIGFPE: "SIGFPE", SIGKILL: "SIGKILL", SIGSEGV: "SIGSEGV", SIGXCPU: "SIGXCPU, CPU time limit"]
        return "signal \(signal)" + (names[signal].map { ", " + $0 } ?? "")
    }

    #if os(Linux)
    /// Spawns `/proc/self/exe _contained --notify-fd 3 -- ARGUMENTS` and waits for it under the time limit.
    private static func supervise(arguments: [String]) throws -> Outcome {
        func pipeAbove10() throws -> (read: Int32, write: Int32) {
            var fds: [Int32] = [0, 0]
            guard pipe(&fds) == 0 else { throw StoreError(file: "seqbench", "cannot create a pipe: \(String(cString: strerror(errno)))") }
            // Keep clear of 0…3, so the dup2s below never map a descriptor onto itself.
            let r = fcntl(fds[0], F_DUPFD_CLOEXEC, 10), w = fcntl(fds[1], F_DUPFD_CLOEXEC, 10)
            close(fds[0]); close(fds[1])
            return (r, w)
        }
        let notify = try pipeAbove10(), errors = try pipeAbove10()
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, errors.write, 2)
        posix_spawn_file_actions_adddup2(&actions, notify.write, 3)

        let executable = "/proc/self/exe"
        let argv0 = CommandLine.arguments.first ?? "seqbench"
        let childArguments = [argv0, "_contained", "--notify-fd", "3", "--"] + arguments
        var environment = ProcessInfo.processInfo.environment
        environment["SWIFT_BACKTRACE"] = "enable=no"
        let cArguments = childArguments.map { strdup($0) } + [nil]
        let cEnvironment = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { cArguments.forEach { free($0) }; cEnvironment.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, nil, cArguments, cEnvironment)
        close(notify.write); close(errors.write)
        guard spawned == 0 else {
            close(notify.read); close(errors.read)
            throw StoreError(file: executable, "cannot start the contained reader: \(String(cString: strerror(spawned)))")
        }

        var stderrData = Data(), notifyText = ""
        var file: String?, done = false, timedOut = false
        var open: [Int32] = [notify.read, errors.read]
        let deadline = Date().addingTimeInterval(Double(timeLimit))
        var buffer = [UInt8](repeating: 0, count: 65536)
        while !open.isEmpty {
            var fds = open.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            let wait = done ? -1 : Int32(max(0, deadline.timeIntervalSinceNow) * 1000)
            let ready = poll(&fds, nfds_t(fds.count), wait)
            if ready < 0 { if errno == EINTR { continue }; break }
            if ready == 0 {
                if !done { timedOut = true; kill(pid, SIGKILL); break }
                continue
            }
            for p in fds where p.revents != 0 {
                let n = read(p.fd, &buffer, buffer.count)
                if n <= 0 { close(p.fd); open.removeAll { $0 == p.fd }; continue }
                if p.fd == errors.read {
                    if stderrData.count < 1 << 20 { stderrData.append(contentsOf: buffer[0..<n]) }
                } else {
                    notifyText += String(decoding: buffer[0..<n], as: UTF8.self)
                    while let newline = notifyText.firstIndex(of: "\n") {
                        let line = String(notifyText[..<newline])
                        notifyText.removeSubrange(...newline)
                        if line.hasPrefix("R ") { file = String(line.dropFirst(2)) } else if line == "D" { done = true }
                    }
                }
            }
        }
        for fd in open { close(fd) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        if timedOut { return .timedOut(file: file) }
        // WIFEXITED / WEXITSTATUS / WTERMSIG are macros Swift does not import.
        let signal = status & 0x7f
        if signal == 0 { return .exited((status >> 8) & 0xff, stderrData) }
        if signal == SIGXCPU { return .timedOut(file: file) }
        return .signaled(signal, file: file, done: done)
    }
    #endif
}

import SeqHDF5

extension Containment {
    /// In the child only: reads every group, attribute and dataset of `path` (numbers as float64, and the
    /// datasets `predict` reads in the types it reads them), ignoring errors — so that a later read of the
    /// same file by code outside this module (with its own error messages) meets no libhdf5 code path the
    /// contained reading phase has not already survived.
    static func walk(_ path: String) {
        guard notifyFD >= 0, let file = try? HDF5File.open(path) else { return }
        defer { try? file.close() }
        func visit(_ group: HDF5Group) {
            _ = try? group.attributeNames().map { try? group.attributeValue($0) }
            for name in (try? group.childNames()) ?? [] {
                switch group.kind(of: name) {
                case .group: if let g = try? group.group(name) { visit(g) }
                case .dataset:
                    guard let d = try? group.dataset(name) else { continue }
                    _ = try? d.attributeNames().map { try? d.attributeValue($0) }
                    _ = try? d.info()
                    _ = try? d.read(as: Double.self)
                    _ = try? d.read(as: Float.self)
                    _ = try? d.read(as: Int32.self)
                    _ = try? d.read(as: Int64.self)
                    _ = try? d.readStrings()
                case .none: continue
                }
            }
        }
        visit(file.root)
    }
}
