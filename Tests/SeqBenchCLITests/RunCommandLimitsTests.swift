import CLITestSupport
import Foundation
import XCTest

/// Limits before work, from the command line: one stderr line, a non-zero exit, nothing written.
extension RunCommandTests {
    private func limitsConfig() throws -> String {
        let yaml = """
            name: limits
            task: {name: contains, length: 10, min_length: 3, train_size: 96, val_size: 32, test_size: 32}
            model: {hidden: 8, embed_dim: 8, attention_dim: 8}
            models: [lstm]
            train: {epochs: 1, batch_size: 16, patience: 0}
            seeds: [1]
            threads: 2
            """
        try yaml.write(toFile: dir + "/limits.yaml", atomically: true, encoding: .utf8)
        return "limits.yaml"
    }

    private func assertOneLine(_ args: [String], _ fragment: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let r = try CLI.run(args, in: dir)
        XCTAssertNotEqual(r.status, 0, "\(args)", file: file, line: line)
        let lines = r.stderr.split(separator: "\n").filter { !$0.hasPrefix("Usage") && !$0.hasPrefix("  See") && !$0.isEmpty }
        XCTAssertEqual(lines.count, 1, "\(args): one line: \(r.stderr)", file: file, line: line)
        XCTAssertTrue(r.stderr.contains(fragment), "\(args): \(r.stderr)", file: file, line: line)
    }

    func testLimitsStopBeforeAnythingIsWritten() throws {
        let c = try limitsConfig()
        try "not an HDF5 file".write(toFile: dir + "/text.h5", atomically: true, encoding: .utf8)
        try "task: {name: hdf5, path: text.h5}\nmodels: [lstm]\n".write(toFile: dir + "/hdf5.yaml", atomically: true, encoding: .utf8)
        let cases: [([String], String)] = [
            (["run", c, "--set", "batch_size=9223372036854775807"], "'train.batch_size' must be an integer in 1…65536"),
            (["run", c, "--set", "lr=1.0e+308"], "'train.lr' must be a number in (0, 1000]"),
            (["run", c, "--set", "hidden=100000000"], "'model.hidden' must be an integer in 1…65536"),
            (["run", c, "--set", "warmup=1000000000"], "'measure.latency.warmup' must be an integer in 0…1000000"),
            (["run", c, "--set", "task.train_size=100000000000"], "'train_size' must be in 1…100000000"),
            (["run", c, "--set", "task.length=0"], "task contains: 'length' must be in 1…1000000, got 0"),
            (["run", c, "--set", "task.length=-5"], "task contains: 'length' must be in 1…1000000, got -5"),
            (["run", c, "--set", "task.min_length=11"], "'min_length' must be in 1...length (10), got 11"),
            (["run", c, "--set", "task.name=recall", "--set", "task.length=10"], "task recall: 'length' must be at least 2 * pairs + 2"),
            (["run", "hdf5.yaml"], "hdf5.yaml:1: task hdf5:"),
            (["run", c, "--set", "models=[]"], "'models' must list at least one model"),
            (["run", c, "--set", "batch_size={}"], "'train.batch_size' must be a single value"),
            (["run", c, "--set", "hidden=65536", "--set", "task.train_size=100000000", "--set", "epochs=1000"],
             "pass --yes to run it anyway"),
            (["flops", "lstm", "--set", "hidden=65536", "--set", "layers=64"], "--set: the model would have about"),
            (["bench", "lstm", "--set", "hidden=65536", "--set", "layers=64"], "parameters; at most 2^29"),
            (["train", "--set", "hidden=65536", "--set", "task.train_size=100000000", "--set", "epochs=1000"],
             "pass --yes to run it anyway"),
            (["slurm", c, "--set", "hidden=65536", "--set", "task.train_size=100000000", "--set", "epochs=1000"],
             "pass --yes to run it anyway"),
        ]
        for (args, fragment) in cases { try assertOneLine(args, fragment) }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/Results"), "nothing written")

        // --yes passes the budget: the next check (a folder that is not an experiment) is what stops it.
        try FileManager.default.createDirectory(atPath: dir + "/notes", withIntermediateDirectories: true)
        try "keep".write(toFile: dir + "/notes/a.txt", atomically: true, encoding: .utf8)
        try assertOneLine(["run", c, "--set", "hidden=65536", "--set", "task.train_size=100000000", "--set", "epochs=1000",
                           "--yes", "--out", "notes"], "is not empty and holds no seqbench experiment")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/Results"), "nothing written")
    }

    func testListShowsTheRanges() throws {
        let keys = try CLI.run(["list", "keys"], in: dir)
        XCTAssertEqual(keys.status, 0, keys.stderr)
        XCTAssertTrue(keys.stdout.contains("integer in 1…65536"), keys.stdout)
        let tasks = try CLI.run(["list", "tasks"], in: dir)
        XCTAssertEqual(tasks.status, 0, tasks.stderr)
        XCTAssertTrue(tasks.stdout.contains("train_size = 2000 (1…100000000)"), tasks.stdout)
        XCTAssertTrue(tasks.stdout.contains("length = 20 (1…1000000)"), tasks.stdout)
    }
}
