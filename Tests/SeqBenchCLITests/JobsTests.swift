import CLITestSupport
import Foundation
import SeqHarness
import SeqHDF5
import SeqStore
import XCTest

/// `run --jobs N` / `jobs:`: runs trained at once in worker processes, jobs × threads per run within `threads`,
/// results bit-identical to one run at a time at the same per-run thread count.
final class JobsTests: XCTestCase {
    var dir = ""
    let fm = FileManager.default

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "seqbench-jobs-\(UUID().uuidString)"
        try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let yaml = """
            name: tiny
            task: {name: contains, length: 8, min_length: 3, train_size: 48, val_size: 16, test_size: 16}
            model: {hidden: 6, embed_dim: 4, attention_dim: 4}
            models: [rnn, lstm, bilstm_attention]
            train: {epochs: 2, batch_size: 8, patience: 0}
            seeds: [1, 2]
            measure:
              latency: {batch_sizes: [1], warmup: 0, samples: 3, max_seconds: 0.05}
            """
        try yaml.write(toFile: dir + "/tiny.yaml", atomically: true, encoding: .utf8)
    }

    override func tearDownWithError() throws { try? fm.removeItem(atPath: dir) }

    private func assertSameResults(_ a: String, _ b: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let (_, _, x) = try MetricsFile.readRuns(from: "\(dir)/\(a)/metrics.h5")
        let (_, _, y) = try MetricsFile.readRuns(from: "\(dir)/\(b)/metrics.h5")
        XCTAssertEqual(x.map(\.runID), y.map(\.runID), file: file, line: line)
        XCTAssertEqual(x.count, 6, file: file, line: line)
        for (r, s) in zip(x, y) {
            XCTAssertEqual(r.status, .completed, r.runID, file: file, line: line)
            XCTAssertEqual(ShardingTests.timingFree(r), ShardingTests.timingFree(s), r.runID, file: file, line: line)
            XCTAssertEqual(r.history.map(\.trainLoss), s.history.map(\.trainLoss), r.runID, file: file, line: line)
            let p = try Checkpoint.read(from: "\(dir)/\(a)/runs/\(r.runID)/best.h5").parameters
            let q = try Checkpoint.read(from: "\(dir)/\(b)/runs/\(s.runID)/best.h5").parameters
            XCTAssertEqual(p, q, "\(r.runID): bit-identical weights", file: file, line: line)
        }
    }

    func testTwoJobsEqualOneJobAtOneThread() throws {
        let two = try CLI.run(["run", "tiny.yaml", "--out", "two", "--jobs", "2", "--set", "threads=2"], in: dir)
        XCTAssertEqual(two.status, 0, two.stderr)
        XCTAssertTrue(two.stdout.contains("2 jobs × 1 thread → "), two.stdout)
        // Every run's progress, prefixed by its id, from the workers.
        for id in ["rnn.seed=1", "lstm.seed=2", "bilstm_attention.seed=2"] {
            XCTAssertTrue(two.stdout.contains("] \(id)  epoch 2/2"), id + "\n" + two.stdout)
        }
        XCTAssertTrue(two.stdout.contains("measuring latency of 3 model shape(s) for 6 run(s), interleaved"), two.stdout)
        let one = try CLI.run(["run", "tiny.yaml", "--out", "one", "--jobs", "1", "--set", "threads=1", "--quiet"], in: dir)
        XCTAssertEqual(one.status, 0, one.stderr)
        try assertSameResults("two", "one")
        let (_, _, runs) = try MetricsFile.readRuns(from: dir + "/two/metrics.h5")
        XCTAssertEqual(Set(runs.map { $0.metrics[.threads] }), [1], "each job trains with its share of the threads")
    }

    func testJobsTimesThreadsStayWithinThreads() throws {
        let capped = try CLI.run(["run", "tiny.yaml", "--out", "capped", "--jobs", "8", "--set", "threads=2"], in: dir)
        XCTAssertEqual(capped.status, 0, capped.stderr)
        XCTAssertTrue(capped.stdout.contains("2 jobs × 1 thread → "), capped.stdout)
        XCTAssertTrue(capped.stdout.contains("jobs 8 capped to 2: jobs × threads per run stays within threads = 2"), capped.stdout)
        // `jobs:` in the config means the same; one thread: one job.
        let single = try CLI.run(["run", "tiny.yaml", "--out", "single", "--set", "jobs=3", "--set", "threads=1", "--quiet"], in: dir)
        XCTAssertEqual(single.status, 0, single.stderr)
        let frozen = try ExperimentManifest.read(folder: dir + "/single").plan()
        XCTAssertEqual(frozen.jobs, 3)
        XCTAssertEqual(JobPlan.choose(requested: frozen.jobs, threads: frozen.threads, runs: frozen.runs).description,
                       "1 job × 1 thread")
        for (arguments, message) in [
            (["--jobs", "0"], "--jobs must be an integer in 1…4096 or auto, got 0"),
            (["--jobs", "many"], "--jobs must be an integer in 1…4096 or auto, got many"),
            (["--set", "jobs=many"], "'jobs' must be an integer in 1…4096 or auto, got many"),
        ] {
            let r = try CLI.run(["run", "tiny.yaml", "--out", "bad"] + arguments, in: dir)
            XCTAssertNotEqual(r.status, 0)
            XCTAssertTrue(r.stderr.contains(message), r.stderr)
            XCTAssertFalse(fm.fileExists(atPath: dir + "/bad"))
        }
    }

    /// `auto`: many small runs, many jobs of one thread; a few large runs, fewer jobs of more threads.
    func testAutoChoosesByTheRunsSize() throws {
        func plan(_ settings: [String]) throws -> ExperimentPlan {
            var config = ExperimentConfig(source: "test")
            for s in ["task.name=contains", "train.epochs=1"] + settings { try config.apply(override: s) }
            return try config.plan()
        }
        let small = try plan(["models=[rnn, lstm]", "seeds=[1, 2, 3, 4]", "hidden=8", "length=10", "threads=8"])
        XCTAssertEqual(JobPlan.choose(requested: nil, threads: 8, runs: small.runs), JobPlan(jobs: 8, threadsPerRun: 1))
        // Fewer runs than threads: one job per run, the threads shared.
        let few = try plan(["models=[rnn, lstm]", "hidden=8", "length=10", "threads=8"])
        XCTAssertEqual(JobPlan.choose(requested: nil, threads: 8, runs: few.runs), JobPlan(jobs: 2, threadsPerRun: 4))
        // Training steps of several GFLOPs: a few threads each.
        let large = try plan(["models=[lstm]", "seeds=[1, 2, 3, 4]", "hidden=512", "length=128", "batch_size=64", "threads=8"])
        let chosen = JobPlan.choose(requested: nil, threads: 8, runs: large.runs)
        XCTAssertLessThan(chosen.jobs, 8)
        XCTAssertGreaterThan(chosen.threadsPerRun, 1)
        XCTAssertLessThanOrEqual(chosen.jobs * chosen.threadsPerRun, 8)
        for threads in 1...12 {
            for requested in [nil, 1, 2, 3, 5, 16] as [Int?] {
                let j = JobPlan.choose(requested: requested, threads: threads, runs: small.runs)
                XCTAssertLessThanOrEqual(j.jobs * j.threadsPerRun, threads)
                XCTAssertGreaterThanOrEqual(j.jobs, 1)
            }
        }
    }

    func testKilledJobsSweepResumesToTheUninterruptedResult() throws {
        let whole = try CLI.run(["run", "tiny.yaml", "--out", "whole", "--jobs", "2", "--set", "threads=2", "--quiet"], in: dir)
        XCTAssertEqual(whole.status, 0, whole.stderr)

        XCTAssertTrue(try CLI.killAfterFinishedRuns(["run", "tiny.yaml", "--out", "killed", "--jobs", "2", "--set", "threads=2", "--quiet"],
                                                    in: dir, runsFolder: dir + "/killed/runs", finishedRuns: 2),
                      "the sweep must still be running when it is killed")
        // Its workers end with it.
        let folder = URL(fileURLWithPath: dir + "/killed").resolvingSymlinksInPath().path
        var workers: [String] = []
        for _ in 0..<50 {
            workers = ((try? fm.contentsOfDirectory(atPath: "/proc")) ?? []).filter { pid in
                guard Int(pid) != nil, let data = fm.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
                let line = String(decoding: data, as: UTF8.self)
                return line.contains("_worker") && line.contains(folder)
            }
            if workers.isEmpty { break }
            usleep(100_000)
        }
        XCTAssertEqual(workers, [], "no worker outlives a killed sweep")
        XCTAssertFalse(fm.fileExists(atPath: dir + "/killed/metrics.h5"))

        let resumed = try CLI.run(["run", "tiny.yaml", "--out", "killed", "--jobs", "2", "--set", "threads=2", "--resume"], in: dir)
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertTrue(resumed.stdout.contains("complete, skipped"), resumed.stdout)
        try assertSameResults("whole", "killed")
    }

    /// With `--shard`, jobs apply within the shard; the frozen plan takes another `--jobs`; a Slurm task plans
    /// its jobs within its CPUs.
    func testJobsWithinShardsAndSlurmTasks() throws {
        let one = try CLI.run(["run", "tiny.yaml", "--out", "one", "--jobs", "1", "--set", "threads=1", "--quiet"], in: dir)
        XCTAssertEqual(one.status, 0, one.stderr)
        let first = try CLI.run(["run", "tiny.yaml", "--out", "sharded", "--shard", "0/2", "--jobs", "2", "--set", "threads=2"], in: dir)
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertTrue(first.stdout.contains("2 jobs × 1 thread → "), first.stdout)
        XCTAssertTrue(first.stdout.contains("measuring latency of 3 model shape(s) for 3 run(s)"), first.stdout)
        // The other shard runs the frozen plan (its folder), with jobs of its own.
        let second = try CLI.run(["run", dir + "/sharded", "--shard", "1/2", "--jobs", "auto"], in: dir)
        XCTAssertEqual(second.status, 0, second.stderr)
        XCTAssertTrue(second.stdout.contains("2 jobs × 1 thread → "), second.stdout)
        let collect = try CLI.run(["collect", dir + "/sharded"], in: dir)
        XCTAssertEqual(collect.status, 0, collect.stderr + collect.stdout)
        try assertSameResults("sharded", "one")

        let slurm = try CLI.run(["slurm", "tiny.yaml", "--out", "cluster", "--shards", "2", "--cpus-per-task", "3"], in: dir)
        XCTAssertEqual(slurm.status, 0, slurm.stderr)
        XCTAssertTrue(slurm.stdout.contains("in 2 array tasks (3 CPUs each, 3 jobs × 1 thread)"), slurm.stdout)
        let frozen = try ExperimentManifest.read(folder: dir + "/cluster").plan()
        XCTAssertEqual(frozen.threads, 3)
    }

    /// A failed run is recorded by its worker; `--fail-fast` stops the jobs still running and starts no more.
    func testFailedRunsWithJobs() throws {
        func write(_ name: String, labels: [Int32]) throws { try RunCommandTests.writeData(dir + "/" + name, labels: labels) }
        try write("bad.h5", labels: [0, 1, 0, -1, 0, 1, 0, 1])
        try write("good.h5", labels: [0, 1, 0, 1, 0, 1, 0, 1])
        let yaml = """
            name: mixed
            task: {name: hdf5, val_fraction: 0.25, test_fraction: 0.25}
            model: {hidden: 6, embed_dim: 4, attention_dim: 4}
            models: [rnn, lstm]
            train: {epochs: 2, batch_size: 4, patience: 0}
            seeds: [1, 2, 3]
            threads: 2
            measure:
              latency: {batch_sizes: [1], warmup: 0, samples: 3, max_seconds: 0.05}
            sweep:
              task.path: [good.h5, bad.h5]
            """
        try yaml.write(toFile: dir + "/mixed.yaml", atomically: true, encoding: .utf8)
        let r = try CLI.run(["run", "mixed.yaml", "--out", "all", "--jobs", "2"], in: dir)
        XCTAssertEqual(r.status, 1, r.stderr)
        let (_, _, runs) = try MetricsFile.readRuns(from: dir + "/all/metrics.h5")
        XCTAssertEqual(runs.count, 12, "every run is recorded")
        XCTAssertEqual(runs.filter { $0.status == .failed }.count, 6, r.stdout)
        XCTAssertTrue(runs.filter { $0.status == .failed }.allSatisfy { $0.reason.contains("/labels") })
        XCTAssertEqual(runs.filter { $0.status == .completed }.count, 6, "the sweep went on")

        let fast = try CLI.run(["run", "mixed.yaml", "--out", "fast", "--jobs", "2", "--fail-fast"], in: dir)
        XCTAssertNotEqual(fast.status, 0)
        XCTAssertTrue(fast.stderr.contains("failed: "), fast.stderr)
        let (_, _, fastRuns) = try MetricsFile.readRuns(from: dir + "/fast/metrics.h5")
        XCTAssertLessThanOrEqual(fastRuns.count, 6 + 2, "no run starts after the first failure")
        XCTAssertGreaterThanOrEqual(fastRuns.filter { $0.status == .failed }.count, 1)
    }
}
