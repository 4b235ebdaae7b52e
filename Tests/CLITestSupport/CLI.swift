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
}
