import Foundation
import SeqModels
import SeqStore

/// Renders aggregated results as a terminal table, a Markdown report and a CSV summary.
///
/// Every rendering sorts rows by sweep point (numerically where the values are numbers), then by model in the
/// registry's reading order (`ModelDescriptor.order`; models of equal order, and models the registry does not
/// know, alphabetically).
public enum Report {
    /// The results table, then the paired comparisons and the footnotes, as aligned plain text
    /// (numbers right-aligned; no trailing newline).
    public static func terminalTable(_ rows: [ReportRow], comparisons: ComparisonSet) -> String {
        let notes = Footnotes(rows)
        var parts = [resultsTable(rows, notes: notes).plain()]
        if rows.contains(where: { $0.cost != nil }) { parts.append(costHeading + "\n" + costTable(rows).plain()) }
        if !comparisons.isEmpty { parts.append(ComparisonReport.section(comparisons, markdown: false)) }
        if !notes.texts.isEmpty { parts.append(notes.lines.joined(separator: "\n")) }
        return parts.joined(separator: "\n\n")
    }

    /// `report.md`: the results table, the paired comparisons, further `sections` (Markdown, each with its own
    /// heading: a search's, attention's), image links to `plots` (paths relative to the report), and footnotes
    /// explaining the columns and any warnings.
    public static func markdown(title: String, rows: [ReportRow], comparisons: ComparisonSet, plots: [String],
                                sections: [String] = []) -> String {
        let notes = Footnotes(rows)
        var md = ["# \(title)", "## Results", resultsTable(rows, notes: notes).markdown()]
        if rows.contains(where: { $0.cost != nil }) { md += ["## " + costHeading, costTable(rows).markdown()] }
        if !comparisons.isEmpty { md.append(ComparisonReport.section(comparisons, markdown: true)) }
        md += sections
        if !plots.isEmpty {
            md.append("## Plots")
            md += plots.map { path in
                let name = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
                let alt = name.replacingOccurrences(of: "[", with: "(").replacingOccurrences(of: "]", with: ")")
                return "![\(alt)](\(path.contains(" ") ? "<\(path)>" : path))"
            }
        }
        var notesSection = [
            "- Accuracy: test accuracy of the best validation epoch, mean ± sample standard deviation over the completed seeds (runs that did not train included; the paired comparisons show both views).",
            "- FLOPs fwd/seq: one forward pass of one sequence; train FLOPs/step: one training step (forward + backward) of a whole batch.",
            "- Latency: inference wall time in ms, median (p50) and 99th percentile (p99), at batch 1 and at the batch size.",
            "- Memory: peak resident memory of the run (MiB); parameter and activation sizes are analytic (float32).",
            "- Efficiency: achieved matmul GFLOP/s of a training step at its median time, next to the machine's sgemm rate through the same GEMM function.",
        ]
        notesSection += notes.lines.map { "- " + $0 }
        md += ["## Notes", notesSection.joined(separator: "\n")]
        return md.joined(separator: "\n\n") + "\n"
    }

    /// `summary.csv`: a header row, then one row per report row with unrounded numbers. Each sweep setting is a
    /// column named by its full key; missing values and NaN are empty cells; warnings are joined by `"; "`.
    /// Fields are quoted as RFC 4180 asks (commas, quotes, line breaks); lines end in `\n`.
    public static func csv(_ rows: [ReportRow]) -> String {
        let keys = Set(rows.flatMap(\.point.keys)).sorted()
        // A column that aggregates a run's figure carries that figure's declared name (as in metrics.h5);
        // batched-inference columns name the mode generically, the batch size being a column of its own.
        let b1 = LatencyMode.infer(batch: 1)
        let header = ["model"] + keys + ["seeds", "failures", "accuracy_mean", "accuracy_std", Metric.parameters.rawValue,
                                         Metric.flopsForward.rawValue, Metric.flopsTrainStep.rawValue,
                                         LatencyMetric.p50Milliseconds.column(b1), LatencyMetric.p99Milliseconds.column(b1),
                                         LatencyMetric.p50Milliseconds.rawValue + "_infer_batch",
                                         LatencyMetric.p99Milliseconds.rawValue + "_infer_batch", Metric.batchSize.rawValue,
                                         Metric.peakRSSMB.rawValue, Metric.parameterBytes.rawValue,
                                         Metric.activationBytesTrainStep.rawValue, "train_sequences_per_second",
                                         "infer_sequences_per_second", "train_gflops", Metric.sgemmGFLOPs.rawValue,
                                         Metric.threads.rawValue, "warnings"]
        func number(_ x: Double?) -> String { x.map { $0.isFinite ? "\($0)" : "" } ?? "" }
        let lines = [header] + ReportOrder.sorted(rows).map { r in
            [r.model] + keys.map { r.point[$0] ?? "" }
                + ["\(r.seeds)", "\(r.failures)", number(r.accuracyMean), number(r.accuracyStd), "\(r.parameters)",
                   number(r.flopsForward), number(r.flopsTrainStep), number(r.latencyP50B1), number(r.latencyP99B1),
                   number(r.latencyP50Batch), number(r.latencyP99Batch), "\(r.batchSize)",
                   number(r.cost?.peakRSSMB), number(r.cost?.parameterBytes), number(r.cost?.activationBytes),
                   number(r.cost?.trainSequencesPerSecond), number(r.cost?.inferSequencesPerSecond),
                   number(r.cost?.trainGFLOPs), number(r.cost?.sgemmGFLOPs), r.cost?.threads.map(String.init) ?? "",
                   r.warnings.joined(separator: "; ")]
        }
        return lines.map { $0.map(csvField).joined(separator: ",") + "\n" }.joined()
    }

    static func csvField(_ s: String) -> String {
        s.contains(where: { ",\"\n\r".contains($0) }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }

    // MARK: - Tables

    /// model, [point], accuracy, [seeds], params, FLOPs, latencies, [batch], [failed].
    static func resultsTable(_ rows: [ReportRow], notes: Footnotes) -> TextTable<ReportRow> {
        let rows = ReportOrder.sorted(rows)
        let hasPoint = rows.contains { !$0.point.isEmpty }
        let seedCounts = Set(rows.map(\.seeds)), batchSizes = Set(rows.map(\.batchSize))
        let batch = batchSizes.count == 1 ? "b\(batchSizes.first!)" : "batch"
        var table = TextTable(rows)
        table.column("model", left: true) { r in r.model + notes.marks(for: r) }
        if hasPoint { table.column("point", left: true) { ReportOrder.label($0.point) } }
        let seedsNote = seedCounts.count == 1 && seedCounts.first! > 1 ? " (\(seedCounts.first!) seeds)" : ""
        table.column("test acc %" + seedsNote) { NumberFormat.percent($0.accuracyMean, std: $0.seeds > 1 ? $0.accuracyStd : nil) }
        if seedCounts.count > 1 { table.column("seeds") { "\($0.seeds)" } }
        table.column("params") { "\($0.parameters)" }
        table.column("FLOPs fwd/seq") { NumberFormat.engineering($0.flopsForward) }
        table.column("train FLOPs/step") { NumberFormat.engineering($0.flopsTrainStep) }
        table.column("p50 b1 ms") { NumberFormat.significant($0.latencyP50B1) }
        table.column("p99 b1 ms") { NumberFormat.significant($0.latencyP99B1) }
        table.column("p50 \(batch) ms") { NumberFormat.significant($0.latencyP50Batch) }
        table.column("p99 \(batch) ms") { NumberFormat.significant($0.latencyP99Batch) }
        if batchSizes.count > 1 { table.column("batch") { "\($0.batchSize)" } }
        if rows.contains(where: { $0.failures > 0 }) { table.column("failed") { "\($0.failures)" } }
        if rows.contains(where: { $0.untrained > 0 }) { table.column("did not train") { "\($0.untrained)" } }
        return table
    }

    private static let costHeading = "Memory and efficiency"

    /// model, [point], peak RSS, parameter and activation bytes, throughput, achieved vs sgemm GFLOP/s.
    static func costTable(_ rows: [ReportRow]) -> TextTable<ReportRow> {
        let rows = ReportOrder.sorted(rows)
        var table = TextTable(rows)
        table.column("model", left: true) { $0.model }
        if rows.contains(where: { !$0.point.isEmpty }) { table.column("point", left: true) { ReportOrder.label($0.point) } }
        table.column("peak RSS MiB") { NumberFormat.significant($0.cost?.peakRSSMB) }
        table.column("params B") { NumberFormat.engineering($0.cost?.parameterBytes ?? .nan) }
        table.column("activations B/step") { NumberFormat.engineering($0.cost?.activationBytes ?? .nan) }
        table.column("train seq/s") { NumberFormat.engineering($0.cost?.trainSequencesPerSecond ?? .nan) }
        table.column("infer seq/s") { NumberFormat.engineering($0.cost?.inferSequencesPerSecond ?? .nan) }
        table.column("train GFLOP/s") { NumberFormat.significant($0.cost?.trainGFLOPs) }
        table.column("sgemm GFLOP/s") { NumberFormat.significant($0.cost?.sgemmGFLOPs) }
        table.column("threads") { $0.cost?.threads.map(String.init) ?? "-" }
        return table
    }

}

/// Warnings numbered in order of first appearance; rows with the same warning share its number.
struct Footnotes {
    let texts: [String]

    init(_ rows: [ReportRow]) {
        var texts: [String] = []
        for row in ReportOrder.sorted(rows) { for w in row.warnings where !texts.contains(w) { texts.append(w) } }
        self.texts = texts
    }

    /// ` [1][3]` for a row with warnings 1 and 3, empty for a row without.
    func marks(for row: ReportRow) -> String {
        let numbers = Set(row.warnings.compactMap { texts.firstIndex(of: $0) }).sorted()
        return numbers.isEmpty ? "" : " " + numbers.map { "[\($0 + 1)]" }.joined()
    }

    var lines: [String] { texts.enumerated().map { "[\($0.offset + 1)] \($0.element)" } }
}

/// A table of `items`, built column by column, rendered as aligned text or as Markdown.
public struct TextTable<Item> {
    private var columns: [(title: String, left: Bool, cell: (Item) -> String)] = []
    private let items: [Item]

    public init(_ items: [Item]) { self.items = items }

    /// Adds a column; text columns are `left`-aligned, number columns right-aligned.
    public mutating func column(_ title: String, left: Bool = false, _ cell: @escaping (Item) -> String) {
        columns.append((title, left, cell))
    }

    private var grid: [[String]] { [columns.map(\.title)] + items.map { item in columns.map { $0.cell(item) } } }

    /// Columns two spaces apart, the header over a rule of dashes.
    public func plain() -> String {
        var lines = grid
        let widths = columns.indices.map { c in lines.map { $0[c].count }.max() ?? 0 }
        lines.insert(widths.map { String(repeating: "-", count: $0) }, at: 1)
        return lines.map { row in
            var line = row.indices.map { c in
                let pad = String(repeating: " ", count: widths[c] - row[c].count)
                return columns[c].left ? row[c] + pad : pad + row[c]
            }.joined(separator: "  ")
            while line.hasSuffix(" ") { line.removeLast() }
            return line
        }.joined(separator: "\n")
    }

    /// A GitHub-flavoured pipe table; `|` inside cells is escaped.
    public func markdown() -> String {
        var lines = grid.map { row in "| " + row.map { $0.replacingOccurrences(of: "|", with: "\\|") }.joined(separator: " | ") + " |" }
        lines.insert("|" + columns.map { $0.left ? ":---|" : "---:|" }.joined(), at: 1)
        return lines.joined(separator: "\n")
    }
}
