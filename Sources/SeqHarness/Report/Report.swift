import Foundation
import SeqModels
import SeqStore

/// Renders aggregated results as a terminal table, a Markdown report and a CSV summary.
///
/// Every rendering sorts rows by sweep point (numerically where the values are numbers), then by model in the
/// registry's reading order (`ModelDescriptor.order`; models of equal order, and models the registry does not
/// know, alphabetically).
public enum Report {
    /// Every row whose model declares a no-attention counterpart (`ModelRoles.noAttentionCounterpart`) against
    /// the counterpart's row with the same overrides at the same sweep point, where there is one: grouped by
    /// model in report order, then in sweep-point order.
    public static func attentionDeltas(_ rows: [ReportRow]) -> [AttentionDelta] {
        let sorted = ReportOrder.sorted(rows)
        var deltas: [AttentionDelta] = []
        for attention in sorted {
            let (name, overrides) = ReportOrder.split(attention.model)
            guard let twin = ModelRegistry.entry(named: name)?.roles.noAttentionCounterpart,
                  twin + overrides != attention.model,
                  let plain = sorted.first(where: { $0.model == twin + overrides && $0.point == attention.point })
            else { continue }
            func ratio(_ a: Double?, _ b: Double?) -> Double? {
                guard let a, let b, a.isFinite, b.isFinite, b > 0 else { return nil }
                return a / b
            }
            deltas.append(AttentionDelta(model: attention.model, counterpart: plain.model, point: attention.point,
                                         flopsRatio: ratio(attention.flopsForward, plain.flopsForward) ?? .nan,
                                         latencyRatioB1: ratio(attention.latencyP50B1, plain.latencyP50B1),
                                         latencyRatioBatch: ratio(attention.latencyP50Batch, plain.latencyP50Batch),
                                         accuracyDelta: (attention.accuracyMean - plain.accuracyMean) * 100))
        }
        // Rows come sorted by point first; regroup by model, keeping the point order inside each model.
        return deltas.enumerated().sorted { l, r in
            if l.element.model != r.element.model { return ReportOrder.modelPrecedes(l.element.model, r.element.model) }
            return l.offset < r.offset
        }.map(\.element)
    }

    /// The results table, then the attention-delta table and the footnotes, as aligned plain text
    /// (numbers right-aligned; no trailing newline).
    public static func terminalTable(_ rows: [ReportRow], deltas: [AttentionDelta]) -> String {
        let notes = Footnotes(rows)
        var parts = [resultsTable(rows, notes: notes).plain()]
        if rows.contains(where: { $0.cost != nil }) { parts.append(costHeading + "\n" + costTable(rows).plain()) }
        if !deltas.isEmpty {
            parts.append(deltaHeading(deltas) + "\n" + deltaTable(deltas).plain() + "\n" + headlines(deltas).joined(separator: "\n"))
        }
        if !notes.texts.isEmpty { parts.append(notes.lines.joined(separator: "\n")) }
        return parts.joined(separator: "\n\n")
    }

    /// `report.md`: the results and attention-delta tables, image links to `plots` (paths relative to the
    /// report), and footnotes explaining the columns and any warnings.
    public static func markdown(title: String, rows: [ReportRow], deltas: [AttentionDelta], plots: [String]) -> String {
        let notes = Footnotes(rows)
        var md = ["# \(title)", "## Results", resultsTable(rows, notes: notes).markdown()]
        if rows.contains(where: { $0.cost != nil }) { md += ["## " + costHeading, costTable(rows).markdown()] }
        if !deltas.isEmpty {
            let lines = headlines(deltas)
            md += ["## What attention costs and buys", deltaHeading(deltas) + ".", deltaTable(deltas).markdown(),
                   lines.count == 1 ? lines[0] + "." : lines.map { "- " + $0 + "." }.joined(separator: "\n")]
        }
        if !plots.isEmpty {
            md.append("## Plots")
            md += plots.map { path in
                let name = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
                let alt = name.replacingOccurrences(of: "[", with: "(").replacingOccurrences(of: "]", with: ")")
                return "![\(alt)](\(path.contains(" ") ? "<\(path)>" : path))"
            }
        }
        var notesSection = [
            "- Accuracy: test accuracy of the best validation epoch, mean ± sample standard deviation over seeds.",
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

    /// The model pairs among `deltas`, in their order.
    static func pairs(_ deltas: [AttentionDelta]) -> [(model: String, counterpart: String)] {
        var pairs: [(model: String, counterpart: String)] = []
        for d in deltas where !pairs.contains(where: { $0 == (d.model, d.counterpart) }) { pairs.append((d.model, d.counterpart)) }
        return pairs
    }

    /// `Attention delta (A vs B)` for one pair; with several pairs the table names each row's pair.
    static func deltaHeading(_ deltas: [AttentionDelta]) -> String {
        let pairs = pairs(deltas)
        return pairs.count == 1 ? "Attention delta (\(pairs[0].model) vs \(pairs[0].counterpart))"
                                : "Attention delta (each model vs its no-attention counterpart)"
    }

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

    /// [model, vs (with several pairs)], [point], × FLOPs, × latency at batch 1 and batched, Δ accuracy.
    static func deltaTable(_ deltas: [AttentionDelta]) -> TextTable<AttentionDelta> {
        var table = TextTable(deltas)
        if pairs(deltas).count > 1 {
            table.column("model", left: true) { $0.model }
            table.column("vs", left: true) { $0.counterpart }
        }
        if deltas.contains(where: { !$0.point.isEmpty }) { table.column("point", left: true) { ReportOrder.label($0.point) } }
        table.column("× FLOPs fwd") { NumberFormat.ratio($0.flopsRatio) }
        table.column("× p50 b1") { NumberFormat.ratio($0.latencyRatioB1) }
        table.column("× p50 batch") { NumberFormat.ratio($0.latencyRatioBatch) }
        table.column("Δ acc pp") { NumberFormat.signed($0.accuracyDelta, 1) }
        return table
    }

    /// One headline per pair (see `headline`); with several pairs each starts with `A vs B: `.
    static func headlines(_ deltas: [AttentionDelta]) -> [String] {
        let pairs = pairs(deltas)
        guard pairs.count > 1 else { return [headline(deltas)] }
        return pairs.map { pair in
            let text = headline(deltas.filter { ($0.model, $0.counterpart) == pair })
            return "\(pair.model) vs \(pair.counterpart): " + text.prefix(1).lowercased() + text.dropFirst()
        }
    }

    /// "Attention costs 1.10 to 1.25× forward FLOPs, 1.31× latency (p50, batch 1) and changes test accuracy by
    /// +0.4 pp": each number's range over the sweep points.
    static func headline(_ deltas: [AttentionDelta]) -> String {
        func span(_ values: [Double?], _ format: (Double) -> String) -> String? {
            let v = values.compactMap { $0 }.filter(\.isFinite)
            guard let lo = v.min(), let hi = v.max() else { return nil }
            let (a, b) = (format(lo), format(hi))
            return a == b ? a : a + " to " + b
        }
        let ratio = { (x: Double) in NumberFormat.significant(x) }
        let costs = [
            span(deltas.map(\.flopsRatio), ratio).map { "\($0)× forward FLOPs" },
            span(deltas.map(\.latencyRatioB1), ratio).map { "\($0)× latency (p50, batch 1)" },
            span(deltas.map(\.latencyRatioBatch), ratio).map { "\($0)× latency (p50, batched)" },
        ].compactMap { $0 }
        let accuracy = span(deltas.map(\.accuracyDelta), { NumberFormat.signed($0, 1) }).map { "changes test accuracy by \($0) pp" }
        switch (costs.isEmpty, accuracy) {
        case (false, let a?): return "Attention costs " + costs.joined(separator: ", ") + " and " + a
        case (false, nil): return "Attention costs " + costs.joined(separator: ", ")
        case (true, let a?): return "Attention " + a
        case (true, nil): return "No comparable numbers"
        }
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
