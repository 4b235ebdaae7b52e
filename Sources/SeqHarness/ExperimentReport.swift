import Foundation
import SeqStore

/// Turns run results into the experiment's report: the terminal table, `summary.csv`, `report.md`
/// and the SVG plots. The same code serves `run` (at the end) and `report` (from metrics.h5).
public enum ExperimentReport {
    /// Rows of the report: one per model entry and sweep point, aggregated over seeds.
    /// Latency percentiles pool the raw samples of every seed.
    public static func rows(_ runs: [RunResult], sweepKeys: [String]) -> [ReportRow] {
        var groups: [String: [RunResult]] = [:], order: [String] = []
        for run in runs {
            let key = run.entry + "|" + sweepKeys.map { run.settings[$0] ?? "" }.joined(separator: "|")
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(run)
        }
        return order.map { key in
            let group = groups[key]!
            let done = group.filter { $0.status != .failed }   // trained runs awaiting latency count too
            let accuracies = done.compactMap { $0.metrics[.testAccuracy] }
            let mean = accuracies.isEmpty ? Double.nan : accuracies.reduce(0, +) / Double(accuracies.count)
            let std = accuracies.count > 1
                ? (accuracies.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(accuracies.count - 1)).squareRoot() : 0
            let first = done.first ?? group[0]
            let batch = first.config.train.batchSize
            func pooled(_ mode: LatencyMode) -> LatencyStats? {
                let samples = done.flatMap { $0.latency[mode] ?? [] }
                return samples.isEmpty ? nil : LatencyStats(nanoseconds: samples)
            }
            let b1 = pooled(.infer(batch: 1)), batched = batch > 1 ? pooled(.infer(batch: batch)) : nil
            var warnings: [String] = []
            for mode in Set(done.flatMap(\.latency.keys)).sorted() {
                if let s = pooled(mode), s.isNoisy { warnings.append("spread \(Int((100 * s.spread).rounded())) % (IQR/median) in \(mode)") }
            }
            if done.contains(where: { $0.machine?.build == "debug" }) { warnings.append("timed in a DEBUG build") }
            func average(_ metric: Metric) -> Double? {
                let v = done.compactMap { $0.metrics[metric] }
                return v.isEmpty ? nil : v.reduce(0, +) / Double(v.count)
            }
            let train = pooled(.train(batch: batch))
            let cost = done.isEmpty ? nil : CostDetails(
                peakRSSMB: average(.peakRSSMB), parameterBytes: average(.parameterBytes),
                activationBytes: average(.activationBytesTrainStep),
                trainSequencesPerSecond: train.map { Double(batch) / ($0.p50 / 1e9) },
                inferSequencesPerSecond: batched.map { Double(batch) / ($0.p50 / 1e9) },
                trainGFLOPs: train.map { first.metrics.flops(.train(batch: batch)) / $0.p50 },
                sgemmGFLOPs: average(.sgemmGFLOPs), threads: average(.threads).map { Int($0) })
            return ReportRow(
                model: first.entry, point: Dictionary(uniqueKeysWithValues: sweepKeys.map { ($0, first.settings[$0] ?? "") }),
                seeds: done.count, failures: group.count - done.count, accuracyMean: mean, accuracyStd: std,
                parameters: Int(first.metrics[.parameters] ?? 0), flopsForward: first.metrics[.flopsForward] ?? .nan,
                flopsTrainStep: first.metrics[.flopsTrainStep] ?? .nan,
                latencyP50B1: b1.map { $0.p50 / 1e6 }, latencyP99B1: b1.map { $0.p99 / 1e6 },
                latencyP50Batch: batched.map { $0.p50 / 1e6 }, latencyP99Batch: batched.map { $0.p99 / 1e6 },
                batchSize: batch, warnings: warnings, cost: cost, untrained: done.filter { !$0.trained }.count)
        }
    }

    /// Per model entry (and sweep point, when there is a sweep) the training histories of its seeds.
    static func learningCurves(_ runs: [RunResult], sweepKeys: [String]) -> [LearningCurveSeries] {
        var series: [LearningCurveSeries] = []
        for run in runs where run.status != .failed && !run.history.isEmpty {
            let point = Dictionary(uniqueKeysWithValues: sweepKeys.map { ($0, run.settings[$0] ?? "") })
            let name = run.entry + (point.isEmpty ? "" : " · " + ReportOrder.label(point))
            if let i = series.firstIndex(where: { $0.model == name }) { series[i].histories.append(run.history) }
            else { series.append(LearningCurveSeries(model: name, histories: [run.history])) }
        }
        return series
    }

    /// Writes summary.csv, report.md and the plots into `folder`, with an attention section when `attention`
    /// has probed models or notes (`AttentionReport.probe`); returns the terminal table.
    @discardableResult
    /// With a `search`, the results table, the comparisons and the learning curves are those of each model
    /// entry's chosen trial re-run on the seeds, and a search section (`SearchReport`) shows every trial.
    public static func write(runs: [RunResult], experiment: String, sweepKeys: [String], pairs: [ComparisonPair],
                             folder: String, search: SearchPlan? = nil,
                             attention: (entries: [AttentionReport.Entry], notes: [String]) = ([], [])) throws -> String {
        let searchSection = try search.map { try SearchReport.write(runs: runs, search: $0, folder: folder) }
        let runs = searchSection?.finalRuns ?? runs
        let rows = rows(runs, sweepKeys: sweepKeys)
        let comparisons = ComparisonSet.of(runs, pairs: pairs, sweepKeys: sweepKeys)
        var plots: [String] = []
        try writeAtomically(SVGPlot.accuracyVersusFlops(rows), to: folder + "/accuracy_vs_flops.svg")
        plots.append("accuracy_vs_flops.svg")
        if let lengthKey = sweepKeys.first(where: { $0.hasSuffix("length") }) {
            try writeAtomically(SVGPlot.costVersusLength(rows, lengthKey: lengthKey), to: folder + "/cost_vs_length.svg")
            plots.append("cost_vs_length.svg")
        }
        if !comparisons.isEmpty {
            let items = comparisons.allRuns.map { c in
                PairedDifferencePlotItem(label: "\(c.a) − \(c.b)" + (c.point.isEmpty ? "" : " · " + ReportOrder.label(c.point)),
                                         differences: c.differences, seeds: c.seeds,
                                         interval: c.interval.map { $0.lower...$0.upper }, mean: c.summary.mean ?? .nan)
            }
            try writeAtomically(SVGPlot.pairedDifferences(items, metric: comparisons.allRuns[0].metric.displayName),
                                to: folder + "/paired_differences.svg")
            plots.append("paired_differences.svg")
        }
        try writeAtomically(SVGPlot.learningCurves(learningCurves(runs, sweepKeys: sweepKeys)), to: folder + "/learning_curves.svg")
        plots.append("learning_curves.svg")
        try writeAtomically(Report.csv(rows), to: folder + "/summary.csv")
        plots += searchSection?.plots ?? []
        let attentionSection = try AttentionReport.write(attention.entries, notes: attention.notes, folder: folder)
        let sections = [searchSection?.markdown, attentionSection].compactMap { $0 }
        try writeAtomically(Report.markdown(title: experiment, rows: rows, comparisons: comparisons, plots: plots, sections: sections),
                            to: folder + "/report.md")
        return ([searchSection?.terminal].compactMap { $0 } + [Report.terminalTable(rows, comparisons: comparisons)])
            .joined(separator: "\n\n")
    }
}
