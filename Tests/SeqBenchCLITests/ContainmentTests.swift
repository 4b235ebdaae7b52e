import CLITestSupport
import Foundation
import SeqData
import SeqHDF5
import SeqHarness
import SeqModels
import SeqProcess
import SeqStore
import SeqTrain
import XCTest

/// `eval`, `predict` and `inspect` read the user's files in a contained child of themselves: a crash or hang
/// there (libhdf5 on a malformed file; injected here with SEQBENCH_CONTAIN_FAULT) is one error line naming
/// the file, exit 1; otherwise the child's output and exit status pass through unchanged.
final class ContainmentTests: XCTestCase {
    static let dir = NSTemporaryDirectory() + "seqbench-contain-\(UUID().uuidString)"
    static var checkpoint: String { dir + "/run/best.h5" }

    override class func setUp() {
        try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let task = try! TaskRegistry.resolve("contains", settings: ["train_size": .int(48), "val_size": .int(16),
                                                                    "test_size": .int(16), "length": .int(8)])
        let config = RunConfig(model: "bilstm_attention", modelConfig: ModelConfig(embedDim: 4, hidden: 4, attentionDim: 4),
                               task: task, train: TrainConfig(epochs: 1, batchSize: 16), seed: 3)
        let folder = RunFolder(dir + "/run")
        try! TrainingRun.execute(PlannedRun(id: "r", config: config, model: ModelEntry(name: config.model)), folder: folder,
                                 resume: false).write(to: folder.result)
    }

    override class func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    private func seqbench(_ arguments: [String], _ environment: [String: String] = [:]) throws -> (Subprocess.Result, Double) {
        let start = Date()
        let r = try Subprocess.run(CLI.executable, arguments,
                                   environment: ProcessInfo.processInfo.environment.merging(environment) { $1 })
        return (r, Date().timeIntervalSince(start))
    }

    private func assertOneLine(_ r: Subprocess.Result, naming file: String, _ fragment: String, line: UInt = #line) {
        XCTAssertEqual(r.status, 1, "exit status", line: line)
        let lines = r.stderr.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 1, "one line on stderr, got: \(r.stderr)", line: line)
        XCTAssertTrue(lines.first?.contains(file) == true, "names \(file): \(r.stderr)", line: line)
        XCTAssertTrue(lines.first?.contains(fragment) == true, "says '\(fragment)': \(r.stderr)", line: line)
        XCTAssertEqual(r.stdout, "", "no output", line: line)
    }

    func testCrashWhileReadingIsOneLine() throws {
        for (fault, signal) in [("segv", "signal 11, SIGSEGV"), ("abort", "signal 6, SIGABRT"), ("trap", "signal ")] {
            let (r, _) = try seqbench(["eval", Self.checkpoint], ["SEQBENCH_CONTAIN_FAULT": fault])
            assertOneLine(r, naming: Self.checkpoint, "reading this file crashed (" + signal)
        }
        let (r, _) = try seqbench(["inspect", Self.checkpoint, "--json"], ["SEQBENCH_CONTAIN_FAULT": "segv"])
        assertOneLine(r, naming: Self.checkpoint, "crashed")
    }

    func testHangWhileReadingIsOneLineWithinTheLimit() throws {
        for fault in ["spin", "sleep"] {
            let (r, seconds) = try seqbench(["inspect", Self.checkpoint],
                                            ["SEQBENCH_CONTAIN_FAULT": fault, "SEQBENCH_READ_TIMEOUT_S": "1"])
            assertOneLine(r, naming: Self.checkpoint, "did not finish within 1 s")
            XCTAssertLessThan(seconds, 10, "killed at the limit")
        }
    }

    func testPredictNamesTheFileBeingRead() throws {
        let input = Self.dir + "/in.h5", output = Self.dir + "/out.h5"
        try HDF5File.writeAtomically(to: input) { file in
            _ = try file.root.write("tokens", values: [Int32](repeating: 1, count: 2 * 8), shape: [2, 8])
            _ = try file.root.write("lengths", values: [Int64(8), 5], shape: [2])
        }
        let arguments = ["predict", Self.checkpoint, "--input", input, "--output", output]
        let (r, _) = try seqbench(arguments, ["SEQBENCH_CONTAIN_FAULT": "segv:in.h5"])
        assertOneLine(r, naming: input, "reading this file crashed (signal 11")
        XCTAssertFalse(FileManager.default.fileExists(atPath: output))
        let (ok, _) = try seqbench(arguments)
        XCTAssertEqual(ok.status, 0, ok.stderr)
        XCTAssertEqual(ok.stdout, "wrote \(output)\n")
        let file = try HDF5File.open(output)
        defer { try? file.close() }
        XCTAssertEqual(try file.root.stringAttribute("checkpoint"), Self.checkpoint)
    }

    func testContainedRunsPrintWhatInProcessRunsPrint() throws {
        for arguments in [["eval", Self.checkpoint], ["eval", Self.checkpoint, "--json"], ["inspect", Self.checkpoint],
                          ["eval", Self.dir + "/missing.h5"], ["inspect", Self.dir]] {
            let (contained, _) = try seqbench(arguments)
            let (inProcess, _) = try seqbench(arguments, ["SEQBENCH_CONTAIN": "0"])
            XCTAssertEqual(contained.status, inProcess.status, "\(arguments)")
            XCTAssertEqual(contained.stderr, inProcess.stderr, "\(arguments)")
            XCTAssertEqual(contained.stdout, inProcess.stdout, "\(arguments)")
        }
    }

    func testContainedSubcommandIsHidden() throws {
        let (r, _) = try seqbench(["--help"])
        XCTAssertEqual(r.status, 0)
        XCTAssertFalse(r.stdout.contains("_contained"), r.stdout)
    }
}
