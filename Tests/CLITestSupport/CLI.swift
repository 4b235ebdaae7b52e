import Foundation
import SeqProcess

/// Runs the `seqbench` executable built next to the test bundle and captures what a user would see.
public enum CLI {
    public struct Result {
        public let status: Int32
        public let stdout: String
        public let stderr: String
        /// stderr without trailing newlines, split into lines.
        public var stderrLines: [String] { stderr.split(separator: "\n").map(String.init) }
    }

    /// The built binary: `.build/<triple>/<config>/seqbench`, beside the test bundle.
    public static var executable: String {
        let bundleDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        return bundleDirectory.appendingPathComponent("seqbench").path
    }

    @discardableResult
    public static func run(_ arguments: [String], in directory: String? = nil) throws -> Result {
        let r = try Subprocess.run(executable, arguments, in: directory)
        return Result(status: r.status, stdout: r.stdout, stderr: r.stderr)
    }

    /// Starts a sweep in the background (output discarded), waits until `finishedRuns` of its runs have written
    /// run.h5 under `runsFolder`, then kills it with SIGKILL, as a crash or `kill -9` would. Returns whether it
    /// was still running when killed (a sweep that ended first proves nothing about resuming).
    public static func killAfterFinishedRuns(_ arguments: [String], in directory: String, runsFolder: String,
                                             finishedRuns: Int) throws -> Bool {
        let fm = FileManager.default
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline {
            let done = ((try? fm.contentsOfDirectory(atPath: runsFolder)) ?? [])
                .filter { fm.fileExists(atPath: "\(runsFolder)/\($0)/run.h5") }
            if done.count >= finishedRuns || !process.isRunning { break }
            usleep(1000)
        }
        let wasRunning = process.isRunning
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        return wasRunning
    }
}
