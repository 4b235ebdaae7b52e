import Foundation
import SeqStore

/// An experiment's comparisons in both views: with every completed run, and with the runs that trained only.
public struct ComparisonSet: Sendable {
    public var allRuns: [PairedComparison]
    public var trainedOnly: [PairedComparison]
    /// Runs that completed but did not train, by id.
    public var untrained: [String]

    public init(allRuns: [PairedComparison], trainedOnly: [PairedComparison], untrained: [String]) {
        self.allRuns = allRuns; self.trainedOnly = trainedOnly; self.untrained = untrained
    }

    /// Both views of `pairs` over `runs`.
    public static func of(_ runs: [RunResult], pairs: [ComparisonPair], sweepKeys: [String], metric: Metric = .testAccuracy) -> ComparisonSet {
        ComparisonSet(allRuns: Comparisons.within(runs, pairs: pairs, sweepKeys: sweepKeys, metric: metric, view: .allRuns),
                      trainedOnly: Comparisons.within(runs, pairs: pairs, sweepKeys: sweepKeys, metric: metric, view: .trainedOnly),
                      untrained: runs.filter { $0.status == .completed && !$0.trained }.map(\.runID))
    }

    public var isEmpty: Bool { allRuns.isEmpty }
}

/// One comparison as `seqbench compare --json` and the CSV write it (the JSON is documented in the README).
public struct ComparisonRecord: Codable, Equatable, Sendable {
    public struct McNemarSeed: Codable, Equatable, Sendable {
        public var seed: UInt64
        public var onlyACorrect: Int, onlyBCorrect: Int
        public var pValue: Double
        enum CodingKeys: String, CodingKey { case seed, onlyACorrect = "only_a_correct", onlyBCorrect = "only_b_correct", pValue = "p_value" }
    }
    public struct LatencyRatio: Codable, Equatable, Sendable {
        public var mode: String
        public var ratio: Double
        public var ci95: [Double]?
    }
    public var a: String, b: String
    public var point: [String: String]
    public var metric: String
    public var view: String
    public var n: Int
    public var seeds: [UInt64]
    public var differences: [Double]
    public var meanDiff: Double?, medianDiff: Double?
    public var ci95: [Double]?
    public var ciMethod: String?
    public var test: String?
    public var pValue: Double?
    public var winsA: Int, winsB: Int, ties: Int
    public var verdict: String
    public var excludedRuns: [String]
    public var mcnemar: [McNemarSeed]
    public var flopsRatio: Double?
    public var latencyRatios: [LatencyRatio]

    enum CodingKeys: String, CodingKey {
        case a, b, point, metric, view, n, seeds, differences, meanDiff = "mean_diff", medianDiff = "median_diff", ci95,
             ciMethod = "ci_method", test, pValue = "p_value", winsA = "wins_a", winsB = "wins_b", ties, verdict,
             excludedRuns = "excluded_runs", mcnemar, flopsRatio = "flops_ratio", latencyRatios = "latency_ratios"
    }

    public init(_ c: PairedComparison) {
        a = c.a; b = c.b; point = c.point; metric = c.metric.rawValue; view = c.view.rawValue
        n = c.summary.n; seeds = c.seeds; differences = c.differences
        meanDiff = c.summary.mean; medianDiff = c.summary.median
        ci95 = c.interval.map { [$0.lower, $0.upper] }; ciMethod = c.interval.map { "\($0.method)" }
        test = c.test.map { "\($0.test)" }; pValue = c.test?.pValue
        winsA = c.summary.wins; winsB = c.summary.losses; ties = c.summary.ties
        verdict = c.verdict.text; excludedRuns = c.excludedRuns
        mcnemar = c.mcnemar.map { McNemarSeed(seed: $0.seed, onlyACorrect: $0.result.onlyACorrect,
                                              onlyBCorrect: $0.result.onlyBCorrect, pValue: $0.result.pValue) }
        flopsRatio = c.flopsRatio
        latencyRatios = c.latencyRatios.map { LatencyRatio(mode: $0.mode.name, ratio: $0.ratio, ci95: $0.interval.map { [$0.lower, $0.upper] }) }
    }
}

/// Renders comparisons: tables of the difference over seeds (benefit) and of the cost ratios, the verdicts,
/// and CSV and JSON for other tools.
public enum ComparisonReport {
    /// Difference table: a, b, [point], n, mean and median difference, the interval and its method, the
    /// paired test's p, wins/losses/ties, McNemar per seed.
    public static func differenceTable(_ comparisons: [PairedComparison]) -> TextTable<PairedComparison> {
        var t = TextTable(comparisons)
        let unit = comparisons.first.map { $0.unit.isEmpty ? "" : " " + $0.unit } ?? ""
        t.column("a", left: true) { $0.a }
        t.column("b", left: true) { $0.b }
        if comparisons.contains(where: { !$0.point.isEmpty }) { t.column("point", left: true) { ReportOrder.label($0.point) } }
        t.column("n") { "\($0.summary.n)" }
        t.column("mean Δ" + unit) { $0.summary.mean.map { NumberFormat.signed($0, 1) } ?? NumberFormat.missing }
        t.column("median Δ" + unit) { $0.summary.median.map { NumberFormat.signed($0, 1) } ?? NumberFormat.missing }
        t.column("95 % CI") { c in c.interval.map { "[\(NumberFormat.signed($0.lower, 1)), \(NumberFormat.signed($0.upper, 1))]" } ?? "none (n < 3)" }
        t.column("CI method", left: true) { $0.interval.map { "\($0.method)" } ?? NumberFormat.missing }
        t.column("test p") { $0.test.map { NumberFormat.significant($0.pValue, 2) } ?? NumberFormat.missing }
        t.column("a/b/ties") { "\($0.summary.wins)/\($0.summary.losses)/\($0.summary.ties)" }
        if comparisons.contains(where: { !$0.mcnemar.isEmpty }) {
            t.column("McNemar p < 0.05") { c in c.mcnemar.isEmpty ? NumberFormat.missing
                : "\(c.mcnemar.filter { $0.result.pValue < 0.05 }.count) of \(c.mcnemar.count) seeds" }
        }
        return t
    }

    /// Cost table: a ÷ b forward FLOPs (exact) and median latency per mode with its interval over the
    /// interleaved rounds.
    public static func costTable(_ comparisons: [PairedComparison]) -> TextTable<PairedComparison> {
        var t = TextTable(comparisons)
        t.column("a", left: true) { $0.a }
        t.column("b", left: true) { $0.b }
        if comparisons.contains(where: { !$0.point.isEmpty }) { t.column("point", left: true) { ReportOrder.label($0.point) } }
        t.column("× FLOPs fwd (exact)") { NumberFormat.ratio($0.flopsRatio) }
        let modes = Set(comparisons.flatMap { $0.latencyRatios.map(\.mode) }).sorted()
        for mode in modes {
            t.column("× p50 \(mode.name) [95 % CI]") { c in
                guard let r = c.latencyRatios.first(where: { $0.mode == mode }) else { return NumberFormat.missing }
                return NumberFormat.ratio(r.ratio) + (r.interval.map { " [\(NumberFormat.significant($0.lower)), \(NumberFormat.significant($0.upper))]" } ?? "")
            }
        }
        return t
    }

    /// The whole section as plain text (terminal) or Markdown.
    public static func section(_ set: ComparisonSet, markdown: Bool) -> String {
        guard !set.isEmpty else { return "" }
        func render<T>(_ t: TextTable<T>) -> String { markdown ? t.markdown() : t.plain() }
        let metric = set.allRuns[0].metric
        var parts: [String] = []
        parts.append((markdown ? "## " : "") + "Paired comparisons over seeds (\(metric.displayName), a − b, seeds paired)")
        parts.append(render(differenceTable(set.allRuns)))
        parts.append(bullets(set.allRuns.map(\.verdict.text), markdown: markdown))
        if set.untrained.isEmpty {
            parts.append("Every run trained, so these statistics include all runs.")
        } else {
            parts.append("\(set.untrained.count) run(s) did not train (\(set.untrained.joined(separator: ", "))); the table above "
                         + "includes them. Without them (a seed where either model did not train is left out):")
            parts.append(render(differenceTable(set.trainedOnly)))
            parts.append(bullets(set.trainedOnly.map(\.verdict.text), markdown: markdown))
        }
        parts.append((markdown ? "### " : "") + "Cost (a ÷ b)")
        parts.append(render(costTable(set.allRuns)))
        let methods = Set(set.allRuns.compactMap { $0.interval.map { "\($0.method)" } }).sorted()
        let tests = Set(set.allRuns.compactMap { $0.test.map { "\($0.test)" } }).sorted()
        parts.append("Interval: \(methods.isEmpty ? "none" : methods.joined(separator: "; ")) (Student t below 10 seeds, bootstrap "
                     + "from 10); test: \(tests.isEmpty ? "none" : tests.joined(separator: "; ")); McNemar: exact, per seed, on the "
                     + "two models' test predictions. FLOPs ratios are exact; latency intervals come from the interleaved rounds.")
        return parts.joined(separator: "\n\n")
    }

    private static func bullets(_ lines: [String], markdown: Bool) -> String {
        lines.map { (markdown ? "- " : "") + $0 }.joined(separator: "\n")
    }

    /// `{"comparisons": [...]}`, keys sorted.
    public static func json(_ comparisons: [PairedComparison]) throws -> String {
        struct Document: Codable { var comparisons: [ComparisonRecord] }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return String(decoding: try encoder.encode(Document(comparisons: comparisons.map(ComparisonRecord.init))), as: UTF8.self)
    }

    /// One CSV row per comparison (lists joined by `;`), unrounded numbers.
    public static func csv(_ comparisons: [PairedComparison]) -> String {
        let header = ["a", "b", "point", "metric", "view", "n", "mean_diff", "median_diff", "ci95_low", "ci95_high", "ci_method",
                      "test", "p_value", "wins_a", "wins_b", "ties", "verdict", "excluded_runs", "flops_ratio"]
        func number(_ x: Double?) -> String { x.map { $0.isFinite ? "\($0)" : "" } ?? "" }
        let lines = [header] + comparisons.map(ComparisonRecord.init).map { r in
            [r.a, r.b, ReportOrder.label(r.point), r.metric, r.view, "\(r.n)", number(r.meanDiff), number(r.medianDiff),
             number(r.ci95?[0]), number(r.ci95?[1]), r.ciMethod ?? "", r.test ?? "", number(r.pValue), "\(r.winsA)", "\(r.winsB)",
             "\(r.ties)", r.verdict, r.excludedRuns.joined(separator: ";"), number(r.flopsRatio)]
        }
        return lines.map { $0.map(Report.csvField).joined(separator: ",") + "\n" }.joined()
    }
}
