import Foundation
import SeqModels
import SeqStore

/// Two model entries to compare at every sweep point: `a` (for example an attention model) against `b`.
public struct ComparisonPair: Codable, Hashable, Sendable, CustomStringConvertible {
    public var a: String
    public var b: String

    public init(a: String, b: String) { self.a = a; self.b = b }

    /// `A vs B`, the form `compare:` takes in a config.
    public var description: String { "\(a) vs \(b)" }

    /// Reads `A vs B`.
    public init?(parsing text: String) {
        let parts = text.components(separatedBy: " vs ").map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty, parts[0] != parts[1] else { return nil }
        self.init(a: parts[0], b: parts[1])
    }

    /// The registry's pairs among `entries` (model entry labels): every entry whose model declares a
    /// no-attention counterpart, against the counterpart's entry with the same overrides.
    public static func declared(among entries: [String]) -> [ComparisonPair] {
        entries.compactMap { entry in
            let (name, overrides) = ReportOrder.split(entry)
            guard let twin = ModelRegistry.entry(named: name)?.roles.noAttentionCounterpart,
                  entries.contains(twin + overrides), twin + overrides != entry else { return nil }
            return ComparisonPair(a: entry, b: twin + overrides)
        }
    }
}

/// Which runs a comparison counts.
public enum ComparisonView: String, Codable, Sendable, CaseIterable {
    /// Every completed run.
    case allRuns = "all runs"
    /// Only runs that trained: a seed where either model did not train is left out.
    case trainedOnly = "trained runs only"
}

/// `a` against `b` at one sweep point, paired by seed: the same data, split and shuffling for both.
public struct PairedComparison: Sendable {
    public var a: String
    public var b: String
    /// The sweep point (empty without a sweep), or the folders compared across experiments.
    public var point: [String: String]
    public var metric: Metric
    public var view: ComparisonView
    /// Seeds that both models completed, in increasing order, and a − b at each (percentage points for accuracies).
    public var seeds: [UInt64]
    public var differences: [Double]
    public var summary: PairedSummary
    public var interval: ConfidenceInterval?
    public var test: PairedTestResult?
    public var verdict: VerdictText
    /// Runs left out: failed, without a partner, or (trained-only view) that did not train.
    public var excludedRuns: [String]
    /// Per seed, an exact McNemar test on the two models' test predictions (test accuracy only; seeds whose
    /// runs stored predictions).
    public var mcnemar: [(seed: UInt64, result: McNemarResult)]
    /// Forward FLOPs per sequence, a ÷ b: exact.
    public var flopsRatio: Double?
    /// Median latency a ÷ b per mode, with an interval from the interleaved rounds when there are several.
    public var latencyRatios: [(mode: LatencyMode, ratio: Double, interval: ConfidenceInterval?)]

    /// Whether differences are shown in percentage points (accuracies) or in the metric's own unit.
    public var unit: String { metric.isFraction ? "pp" : "" }
}

extension Metric {
    /// Accuracies are fractions, compared in percentage points.
    var isFraction: Bool { [.testAccuracy, .bestValidationAccuracy, .chanceAccuracy].contains(self) }
    /// Lower is better for losses and times.
    var higherIsBetter: Bool { ![.testLoss, .trainSeconds, .peakRSSMB].contains(self) }
    /// The words reports use.
    var displayName: String { rawValue.replacingOccurrences(of: "_", with: " ") }
}

public enum Comparisons {
    /// The comparisons of one experiment: every pair at every sweep point where both entries have runs.
    public static func within(_ runs: [RunResult], pairs: [ComparisonPair], sweepKeys: [String], metric: Metric = .testAccuracy,
                              view: ComparisonView = .allRuns) -> [PairedComparison] {
        func point(_ r: RunResult) -> [String: String] {
            Dictionary(uniqueKeysWithValues: sweepKeys.map { ($0, r.settings[$0] ?? "") })
        }
        var points: [[String: String]] = []
        for r in runs where !points.contains(point(r)) { points.append(point(r)) }
        points.sort(by: ReportOrder.pointPrecedes)
        var out: [PairedComparison] = []
        for pair in pairs {
            for p in points {
                let a = runs.filter { $0.entry == pair.a && point($0) == p }, b = runs.filter { $0.entry == pair.b && point($0) == p }
                guard !a.isEmpty, !b.isEmpty else { continue }
                out.append(compare(a, b, nameA: pair.a, nameB: pair.b, point: p, metric: metric, view: view))
            }
        }
        return out
    }

    /// The same entries across two experiments (a new one against an old one), paired by seed: one comparison
    /// per model entry and sweep point that both hold.
    public static func across(new: [RunResult], old: [RunResult], newName: String, oldName: String, sweepKeys: [String],
                              metric: Metric = .testAccuracy, view: ComparisonView = .allRuns) -> [PairedComparison] {
        func key(_ r: RunResult) -> String { r.entry + "|" + sweepKeys.map { r.settings[$0] ?? "" }.joined(separator: "|") }
        var keys: [String] = []
        for r in new where !keys.contains(key(r)) && old.contains(where: { key($0) == key(r) }) { keys.append(key(r)) }
        return keys.map { k in
            let a = new.filter { key($0) == k }, b = old.filter { key($0) == k }
            var p = Dictionary(uniqueKeysWithValues: sweepKeys.map { ($0, a[0].settings[$0] ?? "") })
            p["entry"] = a[0].entry
            return compare(a, b, nameA: newName, nameB: oldName, point: p, metric: metric, view: view)
        }
    }

    /// Pairs the runs of `a` and `b` by seed and compares them.
    static func compare(_ aRuns: [RunResult], _ bRuns: [RunResult], nameA: String, nameB: String, point: [String: String],
                        metric: Metric, view: ComparisonView) -> PairedComparison {
        var excluded: [String] = []
        func usable(_ r: RunResult) -> Bool {
            let ok = r.status == .completed && r.metrics[metric] != nil && (view == .allRuns || r.trained)
            if !ok { excluded.append(r.runID) }
            return ok
        }
        let a = Dictionary(aRuns.filter(usable).map { ($0.seed, $0) }, uniquingKeysWith: { x, _ in x })
        let b = Dictionary(bRuns.filter(usable).map { ($0.seed, $0) }, uniquingKeysWith: { x, _ in x })
        let seeds = Set(a.keys).intersection(b.keys).sorted()
        for (seed, r) in a where !seeds.contains(seed) { excluded.append(r.runID) }
        for (seed, r) in b where !seeds.contains(seed) { excluded.append(r.runID) }
        let scale = metric.isFraction ? 100.0 : 1.0
        let differences = seeds.map { (a[$0]!.metrics[metric]! - b[$0]!.metrics[metric]!) * scale }
        let summary = PairedSummary(differences: differences)
        // Seeded from the pair so that the same runs always give the same bootstrap interval.
        let interval = PairedStatistics.interval(differences, seed: stableSeed(nameA + "|" + nameB + "|" + ReportOrder.label(point)))
        let verdict = PairedStatistics.verdict(summary, interval, metricName: metric.displayName, unit: metric.isFraction ? "pp" : "",
                                               nameA: nameA, nameB: nameB, higherIsBetter: metric.higherIsBetter)
        var mcnemar: [(seed: UInt64, result: McNemarResult)] = []
        if metric == .testAccuracy {
            for seed in seeds {
                let (x, y) = (a[seed]!, b[seed]!)
                guard !x.testPredictions.isEmpty, x.testLabels == y.testLabels, x.testPredictions.count == y.testPredictions.count,
                      let result = PairedStatistics.mcnemarExact(aCorrect: zip(x.testPredictions, x.testLabels).map { $0 == $1 },
                                                                 bCorrect: zip(y.testPredictions, y.testLabels).map { $0 == $1 })
                else { continue }
                mcnemar.append((seed, result))
            }
        }
        let (firstA, firstB) = (aRuns.first { $0.status == .completed }, bRuns.first { $0.status == .completed })
        var flopsRatio: Double?
        if let fa = firstA?.metrics[.flopsForward], let fb = firstB?.metrics[.flopsForward], fb > 0 { flopsRatio = fa / fb }
        var latency: [(mode: LatencyMode, ratio: Double, interval: ConfidenceInterval?)] = []
        if let x = firstA, let y = firstB {
            for mode in Set(x.latency.keys).intersection(y.latency.keys).sorted() {
                guard let ra = median(x.latency[mode]!), let rb = median(y.latency[mode]!), rb > 0 else { continue }
                let perRound = zip(roundMedians(x, mode), roundMedians(y, mode)).compactMap { $1 > 0 ? $0 / $1 : nil }
                latency.append((mode, ra / rb, perRound.count >= 2 ? PairedStatistics.ratioInterval(perRound) : nil))
            }
        }
        return PairedComparison(a: nameA, b: nameB, point: point, metric: metric, view: view, seeds: seeds,
                                differences: differences, summary: summary, interval: interval,
                                test: PairedStatistics.defaultTest(differences), verdict: verdict, excludedRuns: excluded.sorted(),
                                mcnemar: mcnemar, flopsRatio: flopsRatio, latencyRatios: latency)
    }

    /// Median of each interleaved round's samples of `mode` (empty when the rounds were not recorded).
    static func roundMedians(_ run: RunResult, _ mode: LatencyMode) -> [Double] {
        guard let counts = run.latencyRounds[mode], let samples = run.latency[mode] else { return [] }
        var start = 0, out: [Double] = []
        for c in counts {
            if let m = median(Array(samples[start..<start + c])) { out.append(m) }
            start += c
        }
        return out
    }

    static func median(_ xs: [Int64]) -> Double? {
        guard !xs.isEmpty else { return nil }
        let s = xs.sorted()
        return s.count % 2 == 1 ? Double(s[s.count / 2]) : (Double(s[s.count / 2 - 1]) + Double(s[s.count / 2])) / 2
    }

    /// FNV-1a of a text: a seed that does not depend on the process (Swift's hashes are randomised).
    static func stableSeed(_ text: String) -> UInt64 {
        text.utf8.reduce(0xcbf2_9ce4_8422_2325) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 }
    }
}
