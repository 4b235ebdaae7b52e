import Foundation
@testable import SeqHarness
import SeqModels
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
    // MARK: attention deltas

    func testAttentionDeltaArithmetic() {
        let rows = [
            ReportSamples.row("bilstm", point: ["task.length": "64"], accuracy: 0.90, flops: 2e6, b1: 2, batch: 10),
            ReportSamples.row("bilstm_attention", point: ["task.length": "64"], accuracy: 0.935, flops: 2.5e6, b1: 3, batch: 12),
            ReportSamples.row("lstm", point: ["task.length": "64"]),
        ]
        let deltas = Report.attentionDeltas(rows)
        XCTAssertEqual(deltas.count, 1)
        let d = try! XCTUnwrap(deltas.first)
        XCTAssertEqual(d.point, ["task.length": "64"])
        XCTAssertEqual(d.flopsRatio, 1.25, accuracy: 1e-12)
        XCTAssertEqual(d.latencyRatioB1!, 1.5, accuracy: 1e-12)
        XCTAssertEqual(d.latencyRatioBatch!, 1.2, accuracy: 1e-12)
        XCTAssertEqual(d.accuracyDelta, 3.5, accuracy: 1e-9, "percentage points")
    }

    func testDeltasOnlyWhereBothModelsExistInSweepOrder() {
        let rows = [
            ReportSamples.row("bilstm", point: ["len": "256"], accuracy: 0.8),
            ReportSamples.row("bilstm_attention", point: ["len": "256"], accuracy: 0.75),
            ReportSamples.row("bilstm", point: ["len": "32"]),              // no attention row here
            ReportSamples.row("bilstm_attention", point: ["len": "64"]),    // no plain row here
            ReportSamples.row("bilstm", point: ["len": "128"], b1: nil),
            ReportSamples.row("bilstm_attention", point: ["len": "128"]),
        ]
        let deltas = Report.attentionDeltas(rows)
        XCTAssertEqual(deltas.map { $0.point["len"] }, ["128", "256"], "numeric order, only complete points")
        XCTAssertNil(deltas[0].latencyRatioB1, "no ratio without both latencies")
        XCTAssertNotNil(deltas[0].latencyRatioBatch)
        XCTAssertEqual(deltas[1].accuracyDelta, -5, accuracy: 1e-9)
        XCTAssertTrue(Report.attentionDeltas([ReportSamples.row("bilstm"), ReportSamples.row("lstm")]).isEmpty)
        XCTAssertEqual(Report.attentionDeltas([ReportSamples.row("bilstm"), ReportSamples.row("bilstm_attention")]).count, 1,
                       "without a sweep the empty point pairs them")
    }

    func testPluginModelDeclaringACounterpartGetsItsDeltaRow() {
        RegistryTestModels.register()
        let rows = [
            ReportSamples.row("test_attn", point: ["task.length": "64"], accuracy: 0.95, flops: 3e6, b1: 4, batch: 16),
            ReportSamples.row("lstm", point: ["task.length": "64"], accuracy: 0.90, flops: 2e6, b1: 2, batch: 8),
            ReportSamples.row("test_attn", point: ["task.length": "32"]),   // no lstm row at 32
            ReportSamples.row("bilstm", point: ["task.length": "32"], accuracy: 0.9),
            ReportSamples.row("bilstm_attention", point: ["task.length": "32"], accuracy: 0.92),
            ReportSamples.row("bilstm", point: ["task.length": "64"], accuracy: 0.9),
            ReportSamples.row("bilstm_attention", point: ["task.length": "64"], accuracy: 0.91),
        ]
        let deltas = Report.attentionDeltas(rows)
        XCTAssertEqual(deltas.map { "\($0.model) vs \($0.counterpart) \($0.point["task.length"]!)" },
                       ["bilstm_attention vs bilstm 32", "bilstm_attention vs bilstm 64", "test_attn vs lstm 64"],
                       "grouped by model in report order, points in sweep order")
        let plugin = deltas[2]
        XCTAssertEqual(plugin.flopsRatio, 1.5, accuracy: 1e-12)
        XCTAssertEqual(plugin.latencyRatioB1!, 2, accuracy: 1e-12)
        XCTAssertEqual(plugin.latencyRatioBatch!, 2, accuracy: 1e-12)
        XCTAssertEqual(plugin.accuracyDelta, 5, accuracy: 1e-9)

        let table = Report.terminalTable(rows, deltas: deltas)
        let lines = table.split(separator: "\n").map(String.init)
        let start = try! XCTUnwrap(lines.firstIndex { $0.hasPrefix("Attention delta") })
        XCTAssertEqual(lines[start], "Attention delta (each model vs its no-attention counterpart)")
        XCTAssertEqual(lines[start + 1].split(separator: " ").joined(separator: " "),
                       "model vs point × FLOPs fwd × p50 b1 × p50 batch Δ acc pp")
        XCTAssertEqual(lines[start + 5].split(separator: " ").map(String.init),
                       ["test_attn", "lstm", "length=64", "1.50×", "2.00×", "2.00×", "+5.0"])
        XCTAssertTrue(lines.contains { $0.hasPrefix("bilstm_attention vs bilstm: attention costs 1.00× forward FLOPs") }, table)
        XCTAssertTrue(lines.contains { $0.hasPrefix("test_attn vs lstm: attention costs 1.50× forward FLOPs") }, table)

        let md = Report.markdown(title: "t", rows: rows, deltas: deltas, plots: [])
        XCTAssertTrue(md.contains("| model | vs | point | × FLOPs fwd | × p50 b1 | × p50 batch | Δ acc pp |"), md)
        XCTAssertTrue(md.contains("| test_attn | lstm | length=64 | 1.50× | 2.00× | 2.00× | +5.0 |"), md)
        XCTAssertTrue(md.contains("\n- test_attn vs lstm: attention costs 1.50× forward FLOPs"), md)
    }

    func testDeltaPairsRowsWithTheSameOverrides() {
        RegistryTestModels.register()
        let rows = [
            ReportSamples.row("bilstm_attention-hidden=256", accuracy: 0.95),
            ReportSamples.row("bilstm-hidden=256", accuracy: 0.9),
            ReportSamples.row("bilstm_attention-hidden=64"),                  // no bilstm-hidden=64
            ReportSamples.row("bilstm_attention-attention_dim=8"),           // bilstm has no such entry
            ReportSamples.row("bilstm"),
            ReportSamples.row("test_attn-hidden=8-layers=2"),
            ReportSamples.row("lstm-hidden=8-layers=2"),
            ReportSamples.row("lstm-hidden=8"),
            ReportSamples.row("unknown_attention-hidden=8"),                 // not registered: renders, no delta
        ]
        let pairs = Report.attentionDeltas(rows).map { "\($0.model) vs \($0.counterpart)" }
        XCTAssertEqual(pairs, ["bilstm_attention-hidden=256 vs bilstm-hidden=256", "test_attn-hidden=8-layers=2 vs lstm-hidden=8-layers=2"])
        XCTAssertEqual(ReportOrder.split("bilstm_attention-hidden=256").name, "bilstm_attention", "the longest registry name")
        XCTAssertEqual(ReportOrder.split("bilstm_attention-hidden=256").overrides, "-hidden=256")
        XCTAssertEqual(ReportOrder.split("unknown_attention-hidden=8").name, "unknown_attention-hidden=8")
        let table = Report.terminalTable(rows, deltas: Report.attentionDeltas(rows))
        XCTAssertTrue(table.contains("unknown_attention-hidden=8"))
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
        let table = Report.terminalTable([row], deltas: [])
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
        let table = Report.terminalTable(rows, deltas: [])
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
        let table = Report.terminalTable(rows, deltas: [])
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

    func testDeltaTableAndFootnotes() {
        let rows = ReportSamples.rows()
        let table = Report.terminalTable(rows, deltas: Report.attentionDeltas(rows))
        XCTAssertTrue(table.contains("Attention delta (bilstm_attention vs bilstm)"))
        let lines = table.split(separator: "\n").map(String.init)
        let start = lines.firstIndex { $0.hasPrefix("Attention delta") }!
        XCTAssertEqual(lines[start + 1].split(separator: " ").joined(separator: " "), "point × FLOPs fwd × p50 b1 × p50 batch Δ acc pp")
        // length=32: FLOPs (114688·32+2000)/(98304·32+2000), latency 6.3/5.1, accuracy 97 − 93 = +4.0 pp.
        XCTAssertEqual(lines[start + 3].split(separator: " ").map(String.init), ["length=32", "1.17×", "1.24×", "1.24×", "+4.0"])
        XCTAssertTrue(table.contains("Attention costs 1.17× forward FLOPs"), table)
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
        let md = Report.markdown(title: "Attention | cost", rows: rows, deltas: Report.attentionDeltas(rows),
                                 plots: ["accuracy-vs-flops.svg", "plots/cost vs length.svg"])
        XCTAssertTrue(md.hasPrefix("# Attention | cost\n"))
        XCTAssertTrue(md.contains("| model | point | test acc % (3 seeds) | params |"), md)
        XCTAssertTrue(md.contains("|:---|:---|---:|"))
        XCTAssertTrue(md.contains("| bilstm_attention | length=128 |"))
        XCTAssertTrue(md.contains("| rnn [1] | length=512 |"))
        XCTAssertTrue(md.contains("| point | × FLOPs fwd | × p50 b1 | × p50 batch | Δ acc pp |"))
        XCTAssertTrue(md.contains("| length=32 | 1.17× | 1.24× | 1.24× | +4.0 |"))
        XCTAssertTrue(md.contains("![accuracy-vs-flops](accuracy-vs-flops.svg)"))
        XCTAssertTrue(md.contains("![cost vs length](<plots/cost vs length.svg>)"))
        XCTAssertTrue(md.contains("- [1] spread 23 % (IQR/median)"))
        XCTAssertEqual(md.split(separator: "\n").filter { $0.hasPrefix("|") }.count, (2 + rows.count) + (2 + 3),
                       "header, rule and rows of both tables")
        XCTAssertFalse(md.lowercased().contains("nan"))
    }

    func testPipesInCellsAreEscapedInMarkdown() {
        let md = Report.markdown(title: "t", rows: [ReportSamples.row("a|b")], deltas: [], plots: [])
        XCTAssertTrue(md.contains("| a\\|b |"), md)
        XCTAssertFalse(md.contains("Attention delta"))
    }
}
