import Foundation

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
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read both pipes to the end before waiting, so a chatty process cannot block on a full pipe.
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self))
    }
}
