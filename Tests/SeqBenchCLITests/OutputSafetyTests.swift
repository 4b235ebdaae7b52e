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

/// What seqbench writes, and where it refuses to, as a user meets it.
final class OutputSafetyTests: XCTestCase {
    private let fm = FileManager.default
    private var dir = ""
    private var mounts: [String] = []

    static let tiny = OnePipelineTests.tiny

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "seqbench-outputs-\(UUID().uuidString)"
        try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        for mount in mounts.reversed() { _ = try? Subprocess.run("/bin/umount", [mount]) }
        _ = try? Subprocess.run("/bin/chmod", ["-R", "u+w", dir])
        try? fm.removeItem(atPath: dir)
    }

    /// Mounts a tmpfs at `path` (root only); skips the test when that is not possible.
    private func mountTmpfs(_ path: String, options: String) throws {
        try fm.createDirectory(atPath: path, withIntermediateDirectories: true)
        guard getuid() == 0, let r = try? Subprocess.run("/bin/mount", ["-t", "tmpfs", "-o", options, "tmpfs", path]),
              r.status == 0 else { throw XCTSkip("cannot mount a tmpfs here (needs root)") }
        mounts.append(path)
    }

    /// seqbench's temporary files anywhere under `root`.
    private func temporaries(under root: String) -> [String] {
        (fm.enumerator(atPath: root)?.allObjects as? [String] ?? []).filter { $0.contains(".tmp") }
    }

    private func train(_ out: String, _ extra: [String] = []) throws -> CLI.Result {
        try CLI.run(["train", "--model", "lstm", "--out", out, "--quiet"] + Self.tiny + extra)
    }

    // MARK: 1. predict --output

    private func predictFixture() throws -> (checkpoint: String, input: String) {
        let out = dir + "/exp"
        let r = try train(out)
        XCTAssertEqual(r.status, 0, r.stderr)
        let input = dir + "/in.h5"
        let file = try HDF5File.create(input)
        try file.root.write("tokens", values: [1, 2, 3, 1, 2, 0] as [Int32], shape: [2, 3])
        try file.root.write("lengths", values: [3, 2] as [Int64], shape: [2])
        try file.close()
        return (out + "/runs/lstm.seed=1/best.h5", input)
    }

    func testPredictRefusesToOverwriteWithoutForceAndNeverItsOwnFiles() throws {
        let (checkpoint, input) = try predictFixture()
        let checkpointBytes = try Data(contentsOf: URL(fileURLWithPath: checkpoint))
        let inputBytes = try Data(contentsOf: URL(fileURLWithPath: input))
        func predict(_ output: String, force: Bool = false) throws -> CLI.Result {
            try CLI.run(["predict", checkpoint, "--input", input, "--output", output] + (force ? ["--force"] : []))
        }
        func assertRefused(_ output: String, force: Bool, _ fragment: String, line: UInt = #line) throws {
            let r = try predict(output, force: force)
            XCTAssertEqual(r.status, 1, r.stdout + r.stderr, line: line)
            XCTAssertEqual(r.stderrLines.count, 1, r.stderr, line: line)
            XCTAssertTrue(r.stderr.contains(fragment), r.stderr, line: line)
        }

        let output = dir + "/out.h5"
        XCTAssertEqual(try predict(output).status, 0)
        try assertRefused(output, force: false, "\(output): already exists; pass --force to replace it")
        let forced = try predict(output, force: true)
        XCTAssertEqual(forced.status, 0, forced.stderr)

        // Its own checkpoint and input: directly, through a symlink and through a hard link; --force or not.
        let link = dir + "/link.h5", hard = dir + "/hard.h5"
        try fm.createSymbolicLink(atPath: link, withDestinationPath: checkpoint)
        XCTAssertEqual(Foundation.link(input, hard), 0)
        for force in [false, true] {
            try assertRefused(checkpoint, force: force, "\(checkpoint): is the checkpoint \(checkpoint) (the same file)")
            try assertRefused(link, force: force, "is the checkpoint \(checkpoint) (the same file)")
            try assertRefused(input, force: force, "\(input): is the input \(input) (the same file)")
            try assertRefused(hard, force: force, "is the input \(input) (the same file)")
        }
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: checkpoint)), checkpointBytes, "the checkpoint is untouched")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: input)), inputBytes, "the input is untouched")

        // Only regular files: not a device, a directory, a FIFO, or a symlink to a device.
        let fifo = dir + "/fifo", devLink = dir + "/null.h5"
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        try fm.createSymbolicLink(atPath: devLink, withDestinationPath: "/dev/null")
        for force in [false, true] {
            try assertRefused("/dev/null", force: force, "/dev/null: is a character device; the output must be a regular file")
            try assertRefused(dir, force: force, "is a directory; the output must be a regular file")
            try assertRefused(fifo, force: force, "is a FIFO; the output must be a regular file")
            try assertRefused(devLink, force: force, "is a character device (through a symbolic link)")
        }
        var info = stat()
        XCTAssertEqual(stat("/dev/null", &info), 0)
        XCTAssertEqual(info.st_mode & S_IFMT, S_IFCHR, "/dev/null is still a device")
        XCTAssertEqual(temporaries(under: dir), [], "no temporary file left")
    }

    // MARK: 2. divergence

    func testDivergedRunIsRecordedAsFailedWithItsReason() throws {
        let out = dir + "/diverge"
        let r = try train(out, ["--set", "train.lr=1000", "--set", "train.clip=0", "--set", "train.epochs=3", "--set", "train.patience=0"])
        XCTAssertEqual(r.status, 1, r.stdout + r.stderr)
        let result = try RunResult.read(from: out + "/runs/lstm.seed=1/run.h5")
        XCTAssertEqual(result.status, .failed)
        XCTAssertTrue(result.reason.hasPrefix("training diverged: loss "), result.reason)
        XCTAssertTrue(result.reason.hasSuffix("is above 693 (1000 × the loss of a uniform guess); try a lower train.lr or a train.clip"), result.reason)
        XCTAssertTrue(r.stdout.contains("1 run(s) failed: lstm.seed=1"), r.stdout)
    }

    // MARK: 3. disk full

    /// A full disk during a run: one error line naming the run and the first failure, exit 1, no crash, no
    /// temporary file left.
    private func assertDiskFullHandled(status: Int32, stdout: String, stderr: String, out: String, reason: String,
                                       file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(status, 1, "exit 1, not a crash: " + stdout + stderr, file: file, line: line)
        let lines = stderr.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 1, stderr, file: file, line: line)
        let message = lines.first ?? ""
        XCTAssertTrue(message.hasPrefix("Error: could not save: lstm.seed=1; first error: "), message, file: file, line: line)
        XCTAssertTrue(message.contains(reason), message, file: file, line: line)
        XCTAssertEqual(temporaries(under: out), [], "no temporary file left", file: file, line: line)
    }

    func testDiskFullOnATmpfs() throws {
        let mount = dir + "/small"
        try mountTmpfs(mount, options: "size=1m,nr_inodes=200")
        let out = mount + "/exp"
        // Fill the file system, then free a little: enough for experiment.json, not for a checkpoint.
        let filler = mount + "/filler"
        let fd = open(filler, O_WRONLY | O_CREAT, 0o644)
        XCTAssertGreaterThanOrEqual(fd, 0)
        let block = [UInt8](repeating: 1, count: 4096)
        while write(fd, block, block.count) == block.count {}
        XCTAssertEqual(ftruncate(fd, max(0, lseek(fd, 0, SEEK_END) - 16384)), 0)
        close(fd)
        let r = try train(out)
        assertDiskFullHandled(status: r.status, stdout: r.stdout, stderr: r.stderr, out: mount, reason: "no space left on device")
    }

    func testFileSizeLimitReportsTheFirstErrorAndLeavesNoTemporaries() throws {
        let out = dir + "/limited"
        // 8 blocks of 512 bytes: experiment.json fits, no HDF5 file does. SIGXFSZ ignored: write fails with EFBIG.
        let script = "trap '' XFSZ; ulimit -f 8; exec \"$0\" \"$@\""
        let raw = try Subprocess.run("/bin/sh", ["-c", script, CLI.executable, "train", "--model", "lstm", "--out", out, "--quiet"] + Self.tiny)
        assertDiskFullHandled(status: raw.status, stdout: raw.stdout, stderr: raw.stderr, out: out, reason: "file too large")
    }

    // MARK: 4. --resume removes stale temporaries

    func testResumeRemovesOnlySeqbenchTemporaries() throws {
        let out = dir + "/exp"
        XCTAssertEqual(try train(out).status, 0)
        let run = out + "/runs/lstm.seed=1"
        let stale = [run + "/.run.h5.tmp-4242-1f2e3d", run + "/.best.h5.tmp-4242-abcdef0123",
                     out + "/.report.md.tmp-4242-0B3C5C1A-2F7E-4E55-9D2E-7A3C0B6E9A11", out + "/.metrics.h5.tmp-17-ff"]
        let kept = [out + "/notes.tmp-1-x", out + "/.mine.tmp", run + "/.x.tmp-12-ab.c", out + "/keep.txt"]
        for path in stale + kept { XCTAssertTrue(fm.createFile(atPath: path, contents: Data("x".utf8))) }
        let r = try train(out, ["--resume"])
        XCTAssertEqual(r.status, 0, r.stderr)
        for path in stale { XCTAssertFalse(fm.fileExists(atPath: path), path) }
        for path in kept { XCTAssertTrue(fm.fileExists(atPath: path), path) }
    }

    // MARK: 5. read-only results

    func testReadOnlyRunsFolderNamesEveryUnsavedRunAndTheFirstError() throws {
        let out = dir + "/exp"
        let runs = out + "/runs"
        let seeds = ["--set", "seeds=[1, 2]"]
        XCTAssertEqual(try train(out, seeds).status, 0)
        if getuid() == 0 {
            try mountTmpfs(runs, options: "ro,size=64k")   // over the runs: an empty, read-only folder
        } else {
            try fm.removeItem(atPath: runs)
            try fm.createDirectory(atPath: runs, withIntermediateDirectories: true)
            try fm.setAttributes([.posixPermissions: 0o555], ofItemAtPath: runs)
        }
        let r = try train(out, seeds + ["--resume"])
        XCTAssertEqual(r.status, 1, r.stdout + r.stderr)
        XCTAssertEqual(r.stderrLines.count, 1, r.stderr)
        let message = r.stderrLines.first ?? ""
        XCTAssertTrue(message.hasPrefix("Error: could not save: lstm.seed=1, lstm.seed=2; first error: "), message)
        XCTAssertTrue(message.hasSuffix("first error: \(runs)/lstm.seed=1: cannot create folder: \(getuid() == 0 ? "Read-only file system" : "Permission denied")"), message)
        XCTAssertTrue(message.contains(getuid() == 0 ? "Read-only file system" : "Permission denied"), message)
    }

    // MARK: 6. the experiment lock

    func testLockKeepsASecondProcessOutButNotShardsAndNeverGoesStale() throws {
        let out = dir + "/exp"
        XCTAssertEqual(try train(out).status, 0)
        let folder = URL(fileURLWithPath: out).resolvingSymlinksInPath().path
        var host = [CChar](repeating: 0, count: 256)
        gethostname(&host, 255)

        // Another process (this test) holds it: refused, naming the holder.
        let held = try ExperimentLock.acquire(folder, mode: .exclusive)
        let r = try train(out, ["--resume"])
        XCTAssertEqual(r.status, 1, r.stdout + r.stderr)
        XCTAssertEqual(r.stderrLines, ["Error: another seqbench (pid \(getpid()) on \(String(cString: host))) is running this experiment (\(folder)); wait for it to finish, or use another --out"])
        let forced = try train(out, ["--force"])
        XCTAssertEqual(forced.status, 1, "--force deletes nothing while another process runs the experiment")
        XCTAssertTrue(fm.fileExists(atPath: out + "/runs/lstm.seed=1/run.h5"))
        // Shards and collect take no lock: they share the folder by design.
        let shard = try CLI.run(["run", out, "--shard", "0/1", "--resume", "--quiet"])
        XCTAssertEqual(shard.status, 0, shard.stdout + shard.stderr)
        XCTAssertEqual(try CLI.run(["collect", out]).status, 0, "collect takes no lock")
        held.release()

        // A shared holder keeps an exclusive one out, and the reverse.
        let sibling = try ExperimentLock.acquire(folder, mode: .shared)
        XCTAssertTrue(try train(out, ["--resume"]).stderr.contains("is running this experiment"))
        XCTAssertThrowsError(try ExperimentLock.acquire(folder, mode: .exclusive))
        XCTAssertNoThrow(try ExperimentLock.acquire(folder, mode: .shared).release())
        sibling.release()

        // A lock file left by a killed process locks nothing.
        try "999999 gone-host\n".write(toFile: out + "/" + ExperimentLock.fileName, atomically: false, encoding: .utf8)
        let after = try train(out, ["--resume"])
        XCTAssertEqual(after.status, 0, after.stderr)
    }

    /// Two `--resume` of one experiment started together: one trains, the other is turned away.
    func testTwoConcurrentResumesDoNotBothTrain() throws {
        let out = dir + "/exp"
        let extra = ["--set", "train.epochs=3", "--set", "seeds=[1, 2]"]
        XCTAssertEqual(try train(out, extra).status, 0)
        try fm.removeItem(atPath: out + "/runs")   // every run to train again
        let args = ["train", "--model", "lstm", "--out", out, "--quiet", "--resume"] + Self.tiny + extra
        let first = Process(), second = Process()
        for p in [first, second] {
            p.executableURL = URL(fileURLWithPath: CLI.executable)
            p.arguments = args
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
        }
        try first.run()
        try second.run()
        first.waitUntilExit()
        second.waitUntilExit()
        let statuses = [first.terminationStatus, second.terminationStatus].sorted()
        XCTAssertEqual(statuses, [0, 1], "exactly one of them ran the experiment")
    }
}
