import Foundation
import SeqData
@testable import SeqHarness
import SeqModels
import SeqStore
import SeqTrain
import XCTest

/// Made-up but plausible rows: four models at three lengths, three seeds each.
enum ReportSamples {
    static let models = ["rnn", "lstm", "bilstm", "bilstm_attention"]
    static let lengths = [32, 128, 512]

    static func rows(latency: Bool = true) -> [ReportRow] {
        var rows: [ReportRow] = []
        for (m, model) in models.enumerated() {
            for (l, length) in lengths.enumerated() {
                let perStep = [12_288.0, 49_152, 98_304, 114_688][m]
                let forward = perStep * Double(length) + 2_000
                let ms = 0.02 * Double(length) * [1, 2.6, 5.1, 6.3][m]
                rows.append(ReportRow(
                    model: model, point: ["task.length": "\(length)"], seeds: 3,
                    accuracyMean: [0.62, 0.88, 0.93, 0.97][m] - 0.04 * Double(l) * Double(3 - m) / 3,
                    accuracyStd: 0.004 + 0.01 * Double(l), parameters: [6914, 25730, 50946, 59266][m],
                    flopsForward: forward, flopsTrainStep: forward * 3 * 32,
                    latencyP50B1: latency ? ms : nil, latencyP99B1: latency ? ms * 1.4 : nil,
                    latencyP50Batch: latency ? ms * 9 : nil, latencyP99Batch: latency ? ms * 11 : nil,
                    batchSize: 32, warnings: model == "rnn" && length == 512 ? ["spread 23 % (IQR/median)"] : []))
            }
        }
        return rows.reversed()   // renderers must sort
    }

    static func row(_ model: String, point: [String: String] = [:], accuracy: Double = 0.9, std: Double = 0.01,
                    seeds: Int = 3, flops: Double = 1e6, b1: Double? = 1, batch: Double? = 8) -> ReportRow {
        ReportRow(model: model, point: point, seeds: seeds, accuracyMean: accuracy, accuracyStd: std, parameters: 1000,
                  flopsForward: flops, flopsTrainStep: flops * 96, latencyP50B1: b1, latencyP99B1: b1.map { $0 * 2 },
                  latencyP50Batch: batch, latencyP99Batch: batch.map { $0 * 2 }, batchSize: 32)
    }
}

/// Typed runs for comparison tests: one completed run of a model entry with the given accuracy, FLOPs and
/// latency rounds (three samples a round around each round's median, in ms), plus test predictions whose
/// correctness matches the accuracy on 100 examples.
enum ComparisonSamples {
    static func run(_ entry: String, seed: UInt64, accuracy: Double, point: [String: String] = [:], flops: Double = 1e6,
                    roundMs: [Double] = [1, 1, 1]) -> RunResult {
        let task = try! TaskRegistry.resolve("contains")
        let config = RunConfig(model: entry, modelConfig: ModelConfig(hidden: 8), task: task, train: TrainConfig(), seed: seed)
        var metrics = RunMetrics()
        metrics[.testAccuracy] = accuracy
        metrics[.flopsForward] = flops
        metrics[.trained] = 1
        var r = RunResult(runID: ([entry] + point.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" } + ["seed=\(seed)"])
                            .joined(separator: "."), model: entry, entry: entry, seed: seed, status: .completed,
                          config: config, settings: point, metrics: metrics)
        let samples = roundMs.flatMap { ms in [ms * 0.99, ms, ms * 1.01].map { Int64($0 * 1e6) } }
        r.latency = [.infer(batch: 1): samples]
        r.latencyRounds = [.infer(batch: 1): roundMs.map { _ in 3 }]
        let correct = Int((accuracy * 100).rounded())
        r.testLabels = (0..<100).map { Int32($0 % 2) }
        r.testPredictions = (0..<100).map { i in i < correct ? Int32(i % 2) : Int32(1 - i % 2) }
        return r
    }
}

/// Models registered by tests, each building a built-in model under a new name (so tests that iterate over
/// the registry still work): `test_attn` declares `lstm` as its no-attention counterpart; `test_styled` has its
/// own style and sorts before the built-ins; `test_unstyled` declares nothing.
enum RegistryTestModels {
    static func register() {
        ModelRegistry.register(ModelDescriptor(name: "test_attn", summary: "test: attention with lstm as twin",
                                               roles: ModelRoles(noAttentionCounterpart: "lstm"),
                                               make: BiLSTMAttentionModel.descriptor.make))
        ModelRegistry.register(ModelDescriptor(name: "test_styled", summary: "test: own style, first in order", order: -1,
                                               style: ModelStyle(color: "#123456", marker: .square),
                                               make: LSTMModel.descriptor.make))
        ModelRegistry.register(ModelDescriptor(name: "test_unstyled", summary: "test: no style, order or roles",
                                               make: RNNModel.descriptor.make))
    }
}

/// Splits RFC 4180 text into records of fields, honouring quotes (which may hold commas, quotes and newlines).
func parseCSV(_ text: String) -> [[String]] {
    var records: [[String]] = [], record: [String] = [], field = "", quoted = false
    var chars = Array(text)[...]
    while let c = chars.popFirst() {
        if quoted {
            if c == "\"" {
                if chars.first == "\"" { field.append("\""); chars.removeFirst() } else { quoted = false }
            } else { field.append(c) }
        } else if c == "\"" { quoted = true }
        else if c == "," { record.append(field); field = "" }
        else if c == "\n" { record.append(field); records.append(record); record = []; field = "" }
        else if c != "\r" { field.append(c) }
    }
    if !field.isEmpty || !record.isEmpty { record.append(field); records.append(record) }
    return records
}

final class ReportTests: XCTestCase {
    // MARK: paired comparisons

    func testComparisonArithmeticAndCostRatios() {
        // Seeds 1…4: attention 4, 6, 2, 8 pp better; FLOPs 2.5 M vs 2 M; latency rounds 3 ms vs 2 ms.
        let plain = [0.90, 0.85, 0.88, 0.80], attention = [0.94, 0.91, 0.90, 0.88]
        let runs = (0..<4).flatMap { i in
            [ComparisonSamples.run("bilstm", seed: UInt64(i + 1), accuracy: plain[i], flops: 2e6, roundMs: [2, 2, 2]),
             ComparisonSamples.run("bilstm_attention", seed: UInt64(i + 1), accuracy: attention[i], flops: 2.5e6, roundMs: [3, 3.3, 2.7])]
        }
        let pairs = ComparisonPair.declared(among: ["rnn", "bilstm", "bilstm_attention"])
        XCTAssertEqual(pairs, [ComparisonPair(a: "bilstm_attention", b: "bilstm")])
        let c = try! XCTUnwrap(Comparisons.within(runs, pairs: pairs, sweepKeys: []).first)
        XCTAssertEqual(c.seeds, [1, 2, 3, 4])
        XCTAssertEqual(c.differences[0], 4, accuracy: 1e-9, "percentage points, a − b")
        XCTAssertEqual(c.summary.mean!, 5, accuracy: 1e-9)
        XCTAssertEqual(c.summary.median!, 5, accuracy: 1e-9)
        XCTAssertEqual(c.summary.wins, 4)
        XCTAssertEqual(c.flopsRatio!, 1.25, accuracy: 1e-12)
        let latency = try! XCTUnwrap(c.latencyRatios.first { $0.mode == .infer(batch: 1) })
        XCTAssertEqual(latency.ratio, 1.5, accuracy: 1e-9)
        let interval = try! XCTUnwrap(latency.interval, "three interleaved rounds give an interval")
        XCTAssertTrue(interval.lower < 1.5 && 1.5 < interval.upper, "\(interval)")
        XCTAssertEqual(c.verdict.verdict, .better)
        XCTAssertTrue(c.verdict.text.contains("n = 4 seeds"), c.verdict.text)
        XCTAssertEqual(c.mcnemar.count, 4, "one exact McNemar test per seed")
    }

    func testComparisonsOnlyWhereBothEntriesHaveRunsInSweepOrder() {
        let runs = [
            ComparisonSamples.run("bilstm", seed: 1, accuracy: 0.8, point: ["len": "256"]),
            ComparisonSamples.run("bilstm_attention", seed: 1, accuracy: 0.75, point: ["len": "256"]),
            ComparisonSamples.run("bilstm", seed: 1, accuracy: 0.8, point: ["len": "32"]),            // no attention run here
            ComparisonSamples.run("bilstm_attention", seed: 1, accuracy: 0.8, point: ["len": "64"]),  // no plain run here
            ComparisonSamples.run("bilstm", seed: 1, accuracy: 0.8, point: ["len": "128"]),
            ComparisonSamples.run("bilstm_attention", seed: 1, accuracy: 0.9, point: ["len": "128"]),
        ]
        let c = Comparisons.within(runs, pairs: [ComparisonPair(a: "bilstm_attention", b: "bilstm")], sweepKeys: ["len"])
        XCTAssertEqual(c.map { $0.point["len"] }, ["128", "256"], "numeric order, only points with both")
        XCTAssertEqual(c[1].differences[0], -5, accuracy: 1e-9)
        if case .tooFewSeeds = c[1].verdict.verdict {} else { XCTFail("one seed gives no interval: \(c[1].verdict)") }
    }

    func testPluginModelDeclaringACounterpartGetsItsComparison() {
        RegistryTestModels.register()
        let pairs = ComparisonPair.declared(among: ["lstm", "bilstm", "bilstm_attention", "test_attn"])
        XCTAssertEqual(pairs.map(\.description), ["bilstm_attention vs bilstm", "test_attn vs lstm"])
        let runs = (1...3).flatMap { seed in
            [ComparisonSamples.run("lstm", seed: UInt64(seed), accuracy: 0.9),
             ComparisonSamples.run("test_attn", seed: UInt64(seed), accuracy: 0.9 + 0.01 * Double(seed))]
        }
        let set = ComparisonSet.of(runs, pairs: pairs, sweepKeys: [])
        XCTAssertEqual(set.allRuns.map { "\($0.a) vs \($0.b)" }, ["test_attn vs lstm"])
        let table = Report.terminalTable([ReportSamples.row("lstm"), ReportSamples.row("test_attn")], comparisons: set)
        XCTAssertTrue(table.contains("Paired comparisons over seeds"), table)
        XCTAssertTrue(table.split(separator: "\n").contains { $0.hasPrefix("test_attn") && $0.contains("lstm") && $0.contains("+2.0") }, table)
    }

    func testDeclaredPairsMatchEntriesWithTheSameOverrides() {
        RegistryTestModels.register()
        let entries = ["bilstm_attention-hidden=256", "bilstm-hidden=256", "bilstm_attention-hidden=64",
                       "bilstm_attention-attention_dim=8", "bilstm", "test_attn-hidden=8-layers=2", "lstm-hidden=8-layers=2",
                       "lstm-hidden=8", "unknown_attention-hidden=8"]
        XCTAssertEqual(ComparisonPair.declared(among: entries).map(\.description),
                       ["bilstm_attention-hidden=256 vs bilstm-hidden=256", "test_attn-hidden=8-layers=2 vs lstm-hidden=8-layers=2"])
        XCTAssertEqual(ReportOrder.split("bilstm_attention-hidden=256").name, "bilstm_attention", "the longest registry name")
        XCTAssertEqual(ReportOrder.split("bilstm_attention-hidden=256").overrides, "-hidden=256")
        XCTAssertEqual(ReportOrder.split("unknown_attention-hidden=8").name, "unknown_attention-hidden=8")
        XCTAssertEqual(ComparisonPair(parsing: "a vs b"), ComparisonPair(a: "a", b: "b"))
        XCTAssertNil(ComparisonPair(parsing: "a vs a"))
        XCTAssertNil(ComparisonPair(parsing: "a"))
    }

    /// Runs that did not train are counted in one view and left out of the other, and the report says so.
    func testRunsThatDidNotTrainShowInBothViews() {
        var runs = (1...4).flatMap { seed in
            [ComparisonSamples.run("bilstm", seed: UInt64(seed), accuracy: 0.80),
             ComparisonSamples.run("bilstm_attention", seed: UInt64(seed), accuracy: 0.90)]
        }
        runs[3].metrics[.testAccuracy] = 0.40          // bilstm_attention seed 2 stalled
        runs[3].metrics[.trained] = 0
        runs[3].trainingNote = "did not train: validation accuracy never left chance level"
        let set = ComparisonSet.of(runs, pairs: [ComparisonPair(a: "bilstm_attention", b: "bilstm")], sweepKeys: [])
        XCTAssertEqual(set.untrained, [runs[3].runID])
        XCTAssertEqual(set.allRuns[0].summary.n, 4)
        XCTAssertEqual(set.trainedOnly[0].summary.n, 3)
        XCTAssertEqual(set.trainedOnly[0].excludedRuns, [runs[2].runID, runs[3].runID], "the stalled run and its partner seed")
        let md = Report.markdown(title: "t", rows: ExperimentReport.rows(runs, sweepKeys: []), comparisons: set, plots: [])
        XCTAssertTrue(md.contains("1 run(s) did not train (\(runs[3].runID))"), md)
        XCTAssertTrue(md.contains("| did not train |"), md)
    }

    func testOrderComesFromTheRegistry() {
        RegistryTestModels.register()
        let rows = ["zeta", "test_unstyled", "bilstm", "lstm-hidden=8", "rnn", "lstm", "test_styled", "alpha"]
            .map { ReportSamples.row($0) }
        XCTAssertEqual(ReportOrder.sorted(rows).map(\.model),
                       ["test_styled", "rnn", "lstm", "lstm-hidden=8", "bilstm", "alpha", "test_unstyled", "zeta"],
                       "registry order; a model's entries with overrides follow it; same order (plugins, unknown models) alphabetically")
        let csvModels = parseCSV(Report.csv(rows)).dropFirst().map { $0[0] }
        XCTAssertEqual(csvModels.first, "test_styled")
    }

    // MARK: terminal table

    func testKnownRowRendersExpectedCells() {
        let row = ReportRow(model: "bilstm_attention", point: ["task.length": "128"], seeds: 3, accuracyMean: 0.97333,
                            accuracyStd: 0.0041, parameters: 59266, flopsForward: 1_234_567, flopsTrainStep: 4.56e9,
                            latencyP50B1: 0.41234, latencyP99B1: 1.0, latencyP50Batch: 12.345, latencyP99Batch: nil,
                            batchSize: 32)
        let table = Report.terminalTable([row], comparisons: ComparisonSet(allRuns: [], trainedOnly: [], untrained: []))
        let lines = table.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 3, table)
        let header = lines[0].components(separatedBy: "  ").filter { !$0.isEmpty }.map { $0.trimmingCharacters(in: .whitespaces) }
        XCTAssertEqual(header, ["model", "point", "test acc % (3 seeds)", "params", "FLOPs fwd/seq", "train FLOPs/step",
                                "p50 b1 ms", "p99 b1 ms", "p50 b32 ms", "p99 b32 ms"])
        XCTAssertTrue(lines[1].allSatisfy { $0 == "-" || $0 == " " })
        let cells = lines[2].components(separatedBy: "  ").filter { !$0.isEmpty }.map { $0.trimmingCharacters(in: .whitespaces) }
        XCTAssertEqual(cells, ["bilstm_attention", "length=128", "97.3 ± 0.4", "59266", "1.23 M", "4.56 G",
                               "0.412", "1.00", "12.3", "-"])
        XCTAssertFalse(table.lowercased().contains("nan"))
        // Columns line up: every line has the header's width or less, numbers end where their header ends.
        let end = lines[0].range(of: "params")!.upperBound.utf16Offset(in: lines[0])
        XCTAssertEqual(lines[2].range(of: "59266")!.upperBound.utf16Offset(in: lines[2]), end)
    }

    func testMissingValuesShowDashNeverNaN() {
        let rows = [
            ReportRow(model: "lstm", seeds: 0, failures: 3, accuracyMean: .nan, accuracyStd: .nan, parameters: 100,
                      flopsForward: .nan, flopsTrainStep: 1e3, batchSize: 16),
            ReportSamples.row("rnn", seeds: 1, b1: nil, batch: nil),
        ]
        let table = Report.terminalTable(rows, comparisons: ComparisonSet(allRuns: [], trainedOnly: [], untrained: []))
        XCTAssertFalse(table.lowercased().contains("nan"), table)
        let lines = table.split(separator: "\n").map(String.init)
        XCTAssertTrue(lines[0].hasSuffix("failed"), "a failures column appears when a run failed")
        XCTAssertTrue(lines[0].contains("seeds") && lines[0].contains("batch"), "seed counts and batch sizes differ")
        XCTAssertFalse(lines[0].contains("point"), "no point column without a sweep")
        let rnn = lines[2].split(separator: " ").map(String.init), lstm = lines[3].split(separator: " ").map(String.init)
        XCTAssertEqual(rnn.first, "rnn")
        XCTAssertEqual(rnn.filter { $0 == "-" }.count, 4, "four missing latencies: \(lines[2])")
        XCTAssertEqual(rnn[1], "90.0", "one seed: no ± spread")
        XCTAssertEqual(lstm, ["lstm", "-", "0", "100", "-", "1.00", "k", "-", "-", "-", "-", "16", "3"])
    }

    func testRowsSortByPointNumericallyThenModelOrder() {
        var rows = ReportSamples.rows()
        rows.append(ReportSamples.row("zeta", point: ["task.length": "32"]))
        rows.append(ReportSamples.row("alpha", point: ["task.length": "32"]))
        let table = Report.terminalTable(rows, comparisons: ComparisonSet(allRuns: [], trainedOnly: [], untrained: []))
        let body = table.split(separator: "\n").dropFirst(2).prefix(rows.count)
        let order = body.map { line in
            line.split(separator: " ").filter { !$0.hasPrefix("[") }.prefix(2).map(String.init).joined(separator: " ")
        }
        let expected = ["32", "128", "512"].flatMap { l in
            ["rnn", "lstm", "bilstm", "bilstm_attention"].map { "\($0) length=\(l)" }
                + (l == "32" ? ["alpha length=32", "zeta length=32"] : [])
        }
        XCTAssertEqual(order, expected)
    }

    func testTableAndFootnotes() {
        let rows = ReportSamples.rows()
        let table = Report.terminalTable(rows, comparisons: ComparisonSet(allRuns: [], trainedOnly: [], untrained: []))
        XCTAssertFalse(table.contains("Paired comparisons"), "no comparisons, no section")
        let lines = table.split(separator: "\n").map(String.init)
        XCTAssertTrue(lines.contains { $0.hasPrefix("rnn [1]") && $0.contains("length=512") }, "warning marker on its row")
        XCTAssertEqual(lines.last, "[1] spread 23 % (IQR/median)")
    }

    func testNumberFormats() {
        XCTAssertEqual(NumberFormat.engineering(1_234_567), "1.23 M")
        XCTAssertEqual(NumberFormat.engineering(4.56e9), "4.56 G")
        XCTAssertEqual(NumberFormat.engineering(999_999), "1.00 M", "rounding carries into the next prefix")
        XCTAssertEqual(NumberFormat.engineering(512), "512")
        XCTAssertEqual(NumberFormat.engineering(2e6, compact: true), "2 M")
        XCTAssertEqual(NumberFormat.engineering(.nan), "-")
        XCTAssertEqual(NumberFormat.significant(0.000123456), "0.000123")
        XCTAssertEqual(NumberFormat.significant(9.996), "10.0")
        XCTAssertEqual(NumberFormat.significant(1234.4), "1234")
        XCTAssertEqual(NumberFormat.significant(nil), "-")
        XCTAssertEqual(NumberFormat.signed(0.04, 1), "0.0")
        XCTAssertEqual(NumberFormat.signed(-0.04, 1), "0.0", "never -0.0")
        XCTAssertEqual(NumberFormat.signed(1.26, 1), "+1.3")
        XCTAssertEqual(NumberFormat.signed(-2.5, 1), "-2.5")
        XCTAssertEqual(NumberFormat.signed(4, 1), "+4.0")
        XCTAssertEqual(NumberFormat.percent(.nan, std: 0.1), "-")
    }

    // MARK: CSV

    func testCSVParsesBackToTheSameNumbers() {
        var rows = ReportSamples.rows()
        rows[0].model = "odd, \"quoted\"\nmodel"
        rows[1].warnings = ["a, b", "c"]
        rows[2].latencyP50B1 = nil
        rows[3].accuracyMean = .nan
        let records = parseCSV(Report.csv(rows))
        XCTAssertEqual(records.first, ["model", "task.length", "seeds", "failures", "accuracy_mean", "accuracy_std",
                                       "params", "flops_forward", "flops_train_step", "latency_p50_ms_infer_b1",
                                       "latency_p99_ms_infer_b1", "latency_p50_ms_infer_batch", "latency_p99_ms_infer_batch",
                                       "batch_size", "peak_rss_mb", "param_bytes", "activation_bytes_train_step",
                                       "train_sequences_per_second", "infer_sequences_per_second", "train_gflops",
                                       "sgemm_gflops", "threads", "warnings"])
        XCTAssertEqual(records.count, rows.count + 1)
        XCTAssertTrue(records.allSatisfy { $0.count == records[0].count })
        let column = Dictionary(uniqueKeysWithValues: records[0].enumerated().map { ($1, $0) })
        for row in rows {
            let match = records.dropFirst().filter { $0[0] == row.model && $0[1] == row.point["task.length"] }
            XCTAssertEqual(match.count, 1, row.model)
            let r = match[0]
            func value(_ name: String) -> Double? { Double(r[column[name]!]) }
            XCTAssertEqual(value("seeds"), Double(row.seeds))
            XCTAssertEqual(value("params"), Double(row.parameters))
            XCTAssertEqual(value("flops_forward"), row.flopsForward, "unrounded")
            XCTAssertEqual(value("flops_train_step"), row.flopsTrainStep)
            XCTAssertEqual(value("accuracy_std"), row.accuracyStd)
            XCTAssertEqual(value("latency_p50_ms_infer_b1"), row.latencyP50B1)
            XCTAssertEqual(value("latency_p99_ms_infer_batch"), row.latencyP99Batch)
            XCTAssertEqual(value("batch_size"), 32)
            if row.accuracyMean.isNaN { XCTAssertEqual(r[column["accuracy_mean"]!], "") }
            else { XCTAssertEqual(value("accuracy_mean"), row.accuracyMean) }
            XCTAssertEqual(r[column["warnings"]!], row.warnings.joined(separator: "; "))
        }
    }

    // MARK: Markdown

    func testMarkdownHasTablesImagesAndNotes() {
        let rows = ReportSamples.rows()
        let runs = (1...3).flatMap { seed in
            [ComparisonSamples.run("bilstm", seed: UInt64(seed), accuracy: 0.93, point: ["task.length": "32"]),
             ComparisonSamples.run("bilstm_attention", seed: UInt64(seed), accuracy: 0.97, point: ["task.length": "32"])]
        }
        let set = ComparisonSet.of(runs, pairs: [ComparisonPair(a: "bilstm_attention", b: "bilstm")], sweepKeys: ["task.length"])
        let md = Report.markdown(title: "Attention | cost", rows: rows, comparisons: set,
                                 plots: ["accuracy-vs-flops.svg", "plots/cost vs length.svg"])
        XCTAssertTrue(md.hasPrefix("# Attention | cost\n"))
        XCTAssertTrue(md.contains("| model | point | test acc % (3 seeds) | params |"), md)
        XCTAssertTrue(md.contains("|:---|:---|---:|"))
        XCTAssertTrue(md.contains("| bilstm_attention | length=128 |"))
        XCTAssertTrue(md.contains("| rnn [1] | length=512 |"))
        XCTAssertTrue(md.contains("| a | b | point | n | mean Δ pp | median Δ pp | 95 % CI |"), md)
        XCTAssertTrue(md.contains("| bilstm_attention | bilstm | length=32 | 3 | +4.0 | +4.0 | [+4.0, +4.0] |"), md)
        XCTAssertTrue(md.contains("- bilstm_attention is better than bilstm in test accuracy: +4.0 pp (95 % CI [+4.0, +4.0], n = 3 seeds)"), md)
        XCTAssertTrue(md.contains("![accuracy-vs-flops](accuracy-vs-flops.svg)"))
        XCTAssertTrue(md.contains("![cost vs length](<plots/cost vs length.svg>)"))
        XCTAssertTrue(md.contains("- [1] spread 23 % (IQR/median)"))
        XCTAssertEqual(md.split(separator: "\n").filter { $0.hasPrefix("|") }.count, (2 + rows.count) + (2 + 1) + (2 + 1),
                       "header, rule and rows of the results, difference and cost tables")
        XCTAssertFalse(md.lowercased().contains("nan"))
    }

    func testPipesInCellsAreEscapedInMarkdown() {
        let md = Report.markdown(title: "t", rows: [ReportSamples.row("a|b")],
                                 comparisons: ComparisonSet(allRuns: [], trainedOnly: [], untrained: []), plots: [])
        XCTAssertTrue(md.contains("| a\\|b |"), md)
        XCTAssertFalse(md.contains("Paired comparisons"))
    }
}
