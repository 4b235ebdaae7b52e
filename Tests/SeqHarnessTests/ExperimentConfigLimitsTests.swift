import Foundation
import SeqData
import SeqHarness
import SeqModels
import XCTest

/// Limits before work: every size has a range, task checks run while planning, huge plans are
/// counted before they are expanded, and the plan's cost is estimated.
extension ExperimentConfigTests {
    static let small = """
        name: small
        task: {name: contains, length: 12, min_length: 3, train_size: 64, val_size: 16, test_size: 16}
        model: {hidden: 16, embed_dim: 8, attention_dim: 8}
        models: [lstm]
        train: {epochs: 2}
        seeds: [1]
        """

    private func limitPlan(_ yaml: String = small, _ overrides: [String] = []) throws -> ExperimentPlan {
        var c = try ExperimentConfig.parse(yaml: yaml, source: "x.yaml")
        for o in overrides { try c.apply(override: o) }
        return try c.plan()
    }

    /// The one-line error of a config that must fail at parsing or planning.
    private func limitFailure(_ yaml: String = small, _ overrides: [String] = []) -> String {
        do { _ = try limitPlan(yaml, overrides); return "no error" } catch { return "\(error)" }
    }

    func testEverySizeHasAMaximum() {
        let cases: [(String, String)] = [
            ("batch_size=9223372036854775807", "'train.batch_size' must be an integer in 1…65536, got 9223372036854775807"),
            ("lr=1e308", "'train.lr' must be a number in (0, 1000]"),
            ("lr=1.0e+308", "'train.lr' must be a number in (0, 1000], got 1e+308"),
            ("hidden=9223372036854775807", "'model.hidden' must be an integer in 1…65536"),
            ("hidden=100000000", "'model.hidden' must be an integer in 1…65536, got 100000000"),
            ("embed_dim=65537", "'model.embed_dim' must be an integer in 1…65536"),
            ("attention_dim=70000", "'model.attention_dim' must be an integer in 1…65536"),
            ("layers=65", "'model.layers' must be an integer in 1…64"),
            ("epochs=100001", "'train.epochs' must be an integer in 1…100000"),
            ("clip=1e7", "'train.clip' must be a number in [0, 1e6]"),
            ("clip=.inf", "'train.clip' must be a number in [0, 1e6]"),
            ("momentum=1", "'train.momentum' must be a number in [0, 1)"),
            ("patience=100001", "'train.patience' must be an integer in 0…100000"),
            ("warmup=1000000000", "'measure.latency.warmup' must be an integer in 0…1000000"),
            ("samples=10000001", "'measure.latency.samples' must be an integer in 1…10000000"),
            ("max_seconds=3601", "'measure.latency.max_seconds' must be a number in (0, 3600]"),
            ("threads=4097", "'threads' must be an integer in 1…4096"),
            ("batch_sizes=[1, 65537]", "'measure.latency.batch_sizes' must be a list of integers in 1…65536"),
            ("seeds=[9007199254740993]", "'seeds' must be a list of integers in 0…2^53"),
            ("sweep.hidden=[8, 65537]", "'model.hidden' must be an integer in 1…65536, got 65537"),
        ]
        for (o, fragment) in cases {
            let message = limitFailure(Self.small, [o])
            XCTAssertTrue(message.contains(fragment), "\(o): \(message)")
            XCTAssertFalse(message.contains("\n"), "\(o): one line")
        }
        let seeds = "seeds=[" + (0...10_000).map(String.init).joined(separator: ",") + "]"
        XCTAssertTrue(limitFailure(Self.small, [seeds]).contains("'seeds' must be a list of 1…10000 integers"))
        let entry = Self.small.replacingOccurrences(of: "models: [lstm]", with: "models: [{name: lstm, hidden: 70000}]")
        XCTAssertTrue(limitFailure(entry).contains("'model.hidden' must be an integer in 1…65536"), limitFailure(entry))
    }

    func testTaskRangesAndChecksFailWhilePlanning() throws {
        let cases: [([String], String)] = [
            (["task.length=0"], "--set task.length=0: task contains: 'length' must be in 1…1000000, got 0"),
            (["task.length=-5"], "'length' must be in 1…1000000, got -5"),
            (["task.length=9223372036854775807"], "'length' must be in 1…1000000"),
            (["task.train_size=100000000000"], "'train_size' must be in 1…100000000"),
            (["task.min_length=13"], "task contains: 'min_length' must be in 1...length (12), got 13"),
            (["task.name=recall", "task.length=10", "task.pairs=8"], "task recall: 'length' must be at least 2 * pairs + 2 = 18"),
            (["task.name=recall", "task.keys=1000000000"], "task recall: 'keys' must be in 1…1000000"),
            (["sweep.task.length=[12, 2]"], "task contains: 'min_length' must be in 1...length (2), got 3"),
        ]
        for (o, fragment) in cases {
            let message = limitFailure(Self.small, o)
            XCTAssertTrue(message.contains(fragment), "\(o): \(message)")
        }
        // A data file that is not HDF5 fails while planning, naming the file.
        let dir = NSTemporaryDirectory() + "seqbench-limits-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "not hdf5".write(toFile: dir + "/data.h5", atomically: true, encoding: .utf8)
        XCTAssertTrue(limitFailure("models: [lstm]", ["task.name=listops", "task.max_depth=1000"])
            .contains("task listops: 'max_depth' must be in 1…32"))
        let message = limitFailure("models: [lstm]", ["task.name=hdf5", "task.path=\(dir)/data.h5"])
        XCTAssertTrue(message.hasPrefix("--set task.path=\(dir)/data.h5: task hdf5:"), message)
        XCTAssertFalse(message.contains("\n"), message)
    }

    func testHugeSweepIsCountedBeforeItIsExpanded() {
        let values = "[" + (1...1000).map(String.init).joined(separator: ", ") + "]"
        let yaml = Self.small + "\nsweep:\n  model.hidden: \(values)\n  model.embed_dim: \(values)\n  model.attention_dim: \(values)\n"
        let start = Date()
        XCTAssertEqual(limitFailure(yaml), "x.yaml: the plan has 1000000000 runs (models × sweep points × seeds); at most 100000")
        XCTAssertLessThan(Date().timeIntervalSince(start), 10, "refused without expanding")
    }

    func testEmptyModelsAndMappingsForValuesAreErrors() {
        XCTAssertEqual(limitFailure(Self.small.replacingOccurrences(of: "models: [lstm]", with: "models: []")),
                       "x.yaml:4: 'models' must list at least one model")
        XCTAssertEqual(limitFailure(Self.small, ["models=[]"]), "--set models=[]: 'models' must list at least one model")
        XCTAssertEqual(limitFailure(Self.small.replacingOccurrences(of: "train: {epochs: 2}", with: "train: {epochs: 2, batch_size: {}}")),
                       "x.yaml:5: 'train.batch_size' must be a single value, not a mapping")
        XCTAssertEqual(limitFailure(Self.small + "\nbatch_size: {}\n"), "x.yaml:7: 'batch_size' must be a single value, not a mapping")
        XCTAssertEqual(limitFailure(Self.small + "\nthreads: {a: 1}\n"), "x.yaml:7: 'threads' must be a single value, not a mapping")
        XCTAssertTrue(limitFailure(Self.small, ["batch_size={a: 1}"]).contains("must be a single value"))
    }

    func testEstimateFollowsTheDocumentedFormulaAndTheBudget() throws {
        let plan = try limitPlan()
        let e = try plan.estimate()
        // T = 12, I = 8, H = 16, L = 1, A = 8: W = 8·16·(8+16+1) = 3200, W_a = 3·8·32 + 8 = 776.
        let perStep = 6.0 * (3200 + 776) + 4 * 12 * 8
        XCTAssertEqual(e.flops, 2 * 64 * 12 * perStep, accuracy: 1)
        let parameters = 3200.0 + 776 + 12 * 8
        let bytes = 16 * parameters + 4 * 96 * 12 + 8 * 96 + 4 * 32 * 12 * 1 * 2 * 6 * 16 + 4 * 32 * 144
        XCTAssertEqual(e.peakBytes, bytes, accuracy: 1)
        XCTAssertEqual(e.runs, 1)
        XCTAssertFalse(e.exceedsBudget)
        XCTAssertNoThrow(try e.checkBudget())

        let big = try limitPlan(Self.small, ["hidden=65536", "task.train_size=100000000", "epochs=1000"]).estimate()
        XCTAssertTrue(big.exceedsBudget)
        XCTAssertThrowsError(try big.checkBudget()) { error in
            let line = "\(error)"
            XCTAssertTrue(line.contains("training FLOPs") && line.contains("GiB") && line.contains("--yes"), line)
            XCTAssertFalse(line.contains("\n"), line)
        }
        // Memory alone: a hundred million sequences of 100000 steps.
        let memory = try limitPlan(Self.small, ["task.length=100000", "task.train_size=100000000"]).estimate()
        XCTAssertGreaterThan(memory.peakBytes, PlanEstimate.maxBytes)
        // Runs alone.
        let lrs = "sweep.lr=[" + (1...5001).map { "0.00\($0)" }.joined(separator: ",") + "]"
        let many = try limitPlan(Self.small, [lrs, "seeds=[1,2]"])
        XCTAssertEqual(try many.estimate().runs, 10_002)
        XCTAssertTrue(try many.estimate().exceedsBudget)
    }
}

extension ExperimentConfigTests {
    /// The shipped experiments run without --yes.
    func testShippedExperimentsAreWithinTheBudget() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Experiments").standardized.path
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".yaml") }
        XCTAssertFalse(files.isEmpty)
        for f in files {
            let estimate = try ExperimentConfig.load(folder + "/" + f).plan().estimate()
            XCTAssertFalse(estimate.exceedsBudget, "\(f): \(estimate.summary)")
        }
    }
}
