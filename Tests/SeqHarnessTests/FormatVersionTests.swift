import Foundation
import SeqHDF5
import SeqHarness
import SeqStore
import SeqTrain
import XCTest

/// Files written by seqbench before the typed pipeline (format_version 1, made with commit a800982 from the
/// tiny experiment in Resources/format-v1/experiment.json) still load, evaluate and report.
final class FormatVersionTests: XCTestCase {
    static let v1 = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Resources/format-v1").path
    static let run = v1 + "/runs/bilstm_attention.seed=1"

    func testVersion1CheckpointLoadsAndReproducesItsStoredAccuracy() throws {
        for file in ["best.h5", "last.h5"] {
            let loaded = try LoadedCheckpoint(Self.run + "/" + file)
            XCTAssertEqual(loaded.config.model, "bilstm_attention")
            XCTAssertEqual(loaded.config.modelConfig.hidden, 6)
            XCTAssertEqual(loaded.config.task.name, "contains")
            // Written before weight decay, schedules, monitors and dropout: every one of them reads as its default.
            let (train, defaults) = (loaded.config.train, TrainConfig())
            XCTAssertEqual(train.weightDecay, defaults.weightDecay)
            XCTAssertEqual(train.schedule, .none)
            XCTAssertEqual(train.learningRateSchedule, .constant)
            XCTAssertEqual(train.monitor, .validationAccuracy)
            XCTAssertEqual(train.mode, .auto)
            XCTAssertEqual(train.minDelta, 0)
            XCTAssertFalse(loaded.config.modelConfig.hasDropout)
            XCTAssertNil(loaded.checkpoint.trainer.schedule)
            XCTAssertNil(loaded.checkpoint.trainer.dropoutState)
            let stored = try XCTUnwrap(loaded.checkpoint.metrics[.testAccuracy], file)
            XCTAssertEqual(try loaded.evaluateTest().accuracy, stored, file)
        }
    }

    func testVersion1RunFileReadsTyped() throws {
        let run = try RunResult.read(from: Self.run + "/run.h5")
        XCTAssertEqual(run.status, .completed)
        XCTAssertEqual(run.entry, "bilstm_attention")
        XCTAssertEqual(run.machine?.build, "release")
        XCTAssertEqual(run.config.train.batchSize, 16)
        XCTAssertEqual(Set(run.latency.keys), [.infer(batch: 1), .infer(batch: 4), .train(batch: 16)])
        XCTAssertNotNil(run.metrics[.p50Milliseconds, .train(batch: 16)])
        XCTAssertEqual(run.shape?.length, 8)
        XCTAssertTrue(run.settings.isEmpty, "typed columns leave no settings behind: \(run.settings)")
    }

    func testVersion1MetricsFileAndManifestRebuildTheReport() throws {
        let (experiment, resolved, runs) = try MetricsFile.readRuns(from: Self.v1 + "/metrics.h5")
        XCTAssertEqual(experiment, "v1fixture")
        XCTAssertEqual(resolved?.models, ["lstm", "bilstm_attention"])
        XCTAssertEqual(runs.map(\.runID), ["lstm.seed=1", "bilstm_attention.seed=1"])
        let plan = try ExperimentManifest.read(folder: Self.v1).plan()
        XCTAssertEqual(plan.runs.map(\.id), runs.map(\.runID), "a version-1 manifest's plan is rebuilt from its YAML")
        let rows = ExperimentReport.rows(runs, sweepKeys: [])
        XCTAssertEqual(rows.map(\.model), ["lstm", "bilstm_attention"])
        XCTAssertTrue(rows.allSatisfy { $0.latencyP50B1 != nil && $0.flopsForward > 0 })
    }

    /// A version-1 run that trained but was not yet measured (`latency_pending`) reads as `trained`, so
    /// `--resume` measures it.
    func testVersion1PendingRunReadsAsTrained() throws {
        let dir = NSTemporaryDirectory() + "seqbench-v1-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let copy = dir + "/run.h5"
        try FileManager.default.copyItem(atPath: Self.run + "/run.h5", toPath: copy)
        let file = try HDF5File.open(copy, writable: true)
        try file.root.group("settings").setAttribute("latency_pending", "yes")
        try file.close()
        XCTAssertEqual(try RunResult.read(from: copy).status, .trained)
    }
}
