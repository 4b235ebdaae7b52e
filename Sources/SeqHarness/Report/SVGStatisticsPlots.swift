import Foundation
import SeqTrain

/// One row of `SVGPlot.pairedDifferences`: the per-seed differences a − b of one comparison.
public struct PairedDifferencePlotItem: Sendable, Equatable {
    /// What is compared, e.g. `bilstm_attention − bilstm`, or with a sweep point `… · length=64`.
    public var label: String
    /// One per seed, in percentage points (a − b).
    public var differences: [Double]
    /// The seeds, in the same order as `differences` (for the tooltips).
    public var seeds: [UInt64]
    /// The 95 % confidence interval of the mean difference in pp; nil when there are fewer than 3 seeds.
    public var interval: ClosedRange<Double>?
    /// The mean difference in pp.
    public var mean: Double

    public init(label: String, differences: [Double], seeds: [UInt64], interval: ClosedRange<Double>?, mean: Double) {
        self.label = label; self.differences = differences; self.seeds = seeds; self.interval = interval; self.mean = mean
    }
}

/// One model's training histories for `SVGPlot.learningCurves`, one per seed.
public struct LearningCurveSeries: Sendable, Equatable {
    /// A registry name or model-entry label; it picks the colour (see `SeriesStyle.assign`).
    public var model: String
    /// One history per seed; they may end at different epochs (early stopping).
    public var histories: [[EpochRecord]]

    public init(model: String, histories: [[EpochRecord]]) { self.model = model; self.histories = histories }
}

extension SVGPlot {
    /// Paired per-seed differences, one row per comparison: x = the difference in pp on a linear axis that
    /// always shows 0 (a dashed vertical line), one dot per seed (nudged up or down where dots would overlap),
    /// the 95 % interval of the mean as a bar with end caps, the mean as a dark diamond, and the mean and
    /// interval in figures on the right. A comparison without an interval says so (`no interval (n = K)`).
    /// Non-finite differences are left out.
    public static func pairedDifferences(_ items: [PairedDifferencePlotItem], metric: String) -> String {
        let title = "Paired differences in \(metric) (per seed)"
        if items.isEmpty {
            var svg = SVGDocument(width: 600, height: 140, title: title)
            svg.add("<rect x=\"40\" y=\"50\" width=\"520\" height=\"60\" fill=\"none\" stroke=\"#bbb\"/>")
            svg.add(text("no comparisons", x: 300, y: 84, anchor: "middle", fill: "#888"))
            return svg.render()
        }
        let charWidth = 7.0                                     // DejaVu Sans at 12 px, a little generous
        let labels = items.map { $0.label.count > 70 ? String($0.label.prefix(69)) + "…" : $0.label }
        let labelWidth = max(90, Double(labels.map(\.count).max() ?? 0) * charWidth)
        let rowHeight = 54.0
        let finite = items.map { item in item.differences.indices.filter { item.differences[$0].isFinite } }
        var values = [0.0]
        for (item, kept) in zip(items, finite) {
            values += kept.map { item.differences[$0] }
            if let interval = usable(item.interval) { values += [interval.lowerBound, interval.upperBound] }
            if item.mean.isFinite { values.append(item.mean) }
        }
        var xAxis = Axis.linear(values, title: "\(metric) difference (pp)")
        for i in xAxis.ticks.indices where xAxis.ticks[i].value > 0 { xAxis.ticks[i].label = xAxis.ticks[i].label.map { "+" + $0 } }
        let step = xAxis.ticks.count > 1 ? xAxis.ticks[1].value - xAxis.ticks[0].value : 1
        let decimals = max(0, -NumberFormat.exponent(of: step)) + 1
        let pp = { (x: Double) in NumberFormat.signed(x, decimals) }

        let panel = Panel(x: 24 + labelWidth + 14, y: 70, width: 480, height: rowHeight * Double(items.count),
                          xAxis: xAxis, yAxis: Axis(domain: 0...1, log: false, ticks: [], title: ""))
        let figuresX = panel.x + panel.width + 16
        let figuresWidth = 12 + Double(items.map { figures($0, pp).count }.max() ?? 0) * 6.5
        var svg = SVGDocument(width: (figuresX + max(figuresWidth, 150)).rounded(.up), height: panel.y + panel.height + 96, title: title)
        for i in items.indices where i % 2 == 1 {   // every other row shaded, so that labels find their row
            svg.add("<rect x=\"\(n(panel.x))\" y=\"\(n(panel.y + Double(i) * rowHeight))\" width=\"\(n(panel.width))\" height=\"\(n(rowHeight))\" fill=\"#f4f4f4\"/>")
        }
        svg.add(panel.axes())
        svg.add("<line class=\"zero\" x1=\"\(n(panel.px(0)))\" y1=\"\(n(panel.y))\" x2=\"\(n(panel.px(0)))\" y2=\"\(n(panel.y + panel.height))\" "
                + "stroke=\"#333\" stroke-width=\"1.5\" stroke-dasharray=\"6,4\"/>")
        svg.add(text("comparison (a − b)", x: panel.x - 12, y: panel.y - 10, anchor: "end", size: 11, fill: "#555"))
        svg.add(text("mean [95 % CI]", x: figuresX, y: panel.y - 10, size: 11, fill: "#555"))

        let dot = SeriesStyle(color: "#0072B2", shape: .circle)
        // Many seeds: smaller dots, so that the swarm has more heights to use within the row.
        let radius = (items.map(\.differences.count).max() ?? 0) > 10 ? 3.5 : 4.5
        for (i, item) in items.enumerated() {
            let top = panel.y + Double(i) * rowHeight
            let (dotsY, barY, middle) = (top + 20, top + 43, top + rowHeight / 2)
            svg.add(text(labels[i], x: panel.x - 12, y: middle + 4, anchor: "end", extra: " class=\"row-label\""))
            if let interval = usable(item.interval) {
                let (lo, hi) = (panel.px(interval.lowerBound), panel.px(interval.upperBound))
                svg.add("<path class=\"interval\" d=\"M\(n(lo)),\(n(barY)) H\(n(hi)) M\(n(lo)),\(n(barY - 5)) V\(n(barY + 5)) "
                        + "M\(n(hi)),\(n(barY - 5)) V\(n(barY + 5))\" stroke=\"#444\" stroke-width=\"2\" fill=\"none\">"
                        + "<title>\(xml("\(item.label)\n95 % CI of the mean: \(pp(interval.lowerBound)) … \(pp(interval.upperBound)) pp"))</title></path>")
            }
            let kept = finite[i]
            let xs = kept.map { panel.px(item.differences[$0]) }
            for (j, offset) in zip(kept, swarm(xs, radius: radius, reach: 13)) {
                let seed = j < item.seeds.count ? "seed \(item.seeds[j])" : "run \(j + 1)"
                let tip = xml("\(item.label)\n\(seed): \(pp(item.differences[j])) pp")
                svg.add("<circle class=\"marker\" cx=\"\(n(panel.px(item.differences[j])))\" cy=\"\(n(dotsY + offset))\" r=\"\(n(radius))\" "
                        + "fill=\"\(dot.color)\" fill-opacity=\"0.8\" stroke=\"white\" stroke-width=\"0.8\"><title>\(tip)</title></circle>")
            }
            if item.mean.isFinite {
                let x = panel.px(item.mean)
                svg.add("<path class=\"mean\" d=\"M\(n(x)),\(n(barY - 6)) L\(n(x + 4.5)),\(n(barY)) L\(n(x)),\(n(barY + 6)) L\(n(x - 4.5)),\(n(barY)) Z\" "
                        + "fill=\"#222\" stroke=\"white\" stroke-width=\"1\"><title>\(xml("\(item.label)\nmean \(pp(item.mean)) pp (n = \(kept.count))"))</title></path>")
            }
            let noInterval = usable(item.interval) == nil
            svg.add(text(figures(item, pp), x: figuresX, y: middle + 4, size: 11, fill: noInterval ? "#888" : "#222",
                         extra: noInterval ? " class=\"no-interval\"" : ""))
        }

        // A key under the axis title: what the dot, the diamond and the bar stand for.
        let keyY = panel.y + panel.height + 70
        var x = panel.x
        svg.add(dot.marker(x: x + 5, y: keyY - 4, tooltip: "", size: 4.5, cssClass: "key-marker"))
        svg.add(text("one seed", x: x + 14, y: keyY, size: 11, fill: "#444")); x += 90
        svg.add("<path d=\"M\(n(x + 5)),\(n(keyY - 10)) L\(n(x + 9.5)),\(n(keyY - 4)) L\(n(x + 5)),\(n(keyY + 2)) L\(n(x + 0.5)),\(n(keyY - 4)) Z\" fill=\"#222\"/>")
        svg.add(text("mean", x: x + 14, y: keyY, size: 11, fill: "#444")); x += 70
        svg.add("<path d=\"M\(n(x)),\(n(keyY - 4)) H\(n(x + 22)) M\(n(x)),\(n(keyY - 9)) V\(n(keyY + 1)) M\(n(x + 22)),\(n(keyY - 9)) V\(n(keyY + 1))\" stroke=\"#444\" stroke-width=\"2\" fill=\"none\"/>")
        svg.add(text("95 % CI of the mean", x: x + 30, y: keyY, size: 11, fill: "#444")); x += 175
        svg.add("<line x1=\"\(n(x))\" y1=\"\(n(keyY - 10))\" x2=\"\(n(x))\" y2=\"\(n(keyY + 2))\" stroke=\"#333\" stroke-width=\"1.5\" stroke-dasharray=\"4,3\"/>")
        svg.add(text("no difference", x: x + 8, y: keyY, size: 11, fill: "#444"))
        return svg.render()
    }

    /// Two panels side by side against the epoch: validation accuracy (%) and training loss (log scale when
    /// it spans more than a decade). Per model, the median over the seeds that reached an epoch as a line and
    /// their range (min…max) as a translucent band in the model's colour; a legend. Seeds may stop at
    /// different epochs; non-finite values are left out.
    public static func learningCurves(_ series: [LearningCurveSeries]) -> String {
        var histories: [String: [[EpochRecord]]] = [:]         // one entry per model, several series merged
        for s in series { histories[s.model, default: []] += s.histories }
        let models = histories.keys.sorted(by: ReportOrder.modelPrecedes)
        let styles = SeriesStyle.assign(models)
        let epochs = models.flatMap { histories[$0]!.flatMap { $0.map { Double($0.epoch) } } }
        let xAxis = epochAxis(epochs)

        let losses = models.flatMap { histories[$0]!.flatMap { $0.map(\.trainLoss) } }.filter { $0.isFinite && $0 > 0 }
        let logLoss = (losses.min().map { losses.max()! / $0 > 10 }) ?? false
        let accuracy: (EpochRecord) -> Double = { $0.validationAccuracy * 100 }
        let loss: (EpochRecord) -> Double = { $0.trainLoss }
        let accuracyCurves = models.map { curve(histories[$0]!, accuracy, positive: false) }
        let lossCurves = models.map { curve(histories[$0]!, loss, positive: logLoss) }
        let lossValues = lossCurves.flatMap { $0.flatMap { [$0.low, $0.high] } }
        let panels: [(title: String, yAxis: Axis, curves: [[CurvePoint]], format: (Double) -> String)] = [
            ("validation accuracy",
             .linear(accuracyCurves.flatMap { $0.flatMap { [$0.low, $0.high] } }, title: "validation accuracy (%)", limits: 0...100),
             accuracyCurves, { NumberFormat.fixed($0, 1) + " %" }),
            ("training loss",
             logLoss ? .logarithmic(lossValues, title: "training loss (log scale)", format: { NumberFormat.significant($0, 3, trimZeros: true) })
                     : .linear(lossValues, title: "training loss", limits: 0...Double.greatestFiniteMagnitude),
             lossCurves, { NumberFormat.significant($0, 3) }),
        ]
        let legendX = 860.0
        let width = max(1010, legendX + 40 + Double(models.map(\.count).max() ?? 0) * 7)
        var svg = SVGDocument(width: width.rounded(.up), height: 440, title: "Learning curves")
        for (p, spec) in panels.enumerated() {
            let panel = Panel(x: 80 + Double(p) * 420, y: 70, width: 330, height: 310, xAxis: xAxis, yAxis: spec.yAxis)
            svg.add(text(spec.title, x: panel.x + panel.width / 2, y: panel.y - 12, anchor: "middle", size: 13))
            svg.add(panel.axes())
            if spec.curves.allSatisfy(\.isEmpty) { svg.add(panel.empty("no data")); continue }
            // All bands first, then all medians, so that no band veils another model's line.
            for (model, points) in zip(models, spec.curves) where !points.isEmpty {
                let upper = points.map { "\(n(panel.px(Double($0.epoch)))),\(n(panel.py($0.high)))" }
                let lower = points.reversed().map { "\(n(panel.px(Double($0.epoch)))),\(n(panel.py($0.low)))" }
                svg.add("<path class=\"band\" d=\"M\((upper + lower).joined(separator: " L"))Z\" fill=\"\(styles[model]!.color)\" "
                        + "fill-opacity=\"0.15\" stroke=\"none\"><title>\(xml("\(model): range over seeds"))</title></path>")
            }
            for (model, points) in zip(models, spec.curves) where !points.isEmpty {
                let d = points.map { "\(n(panel.px(Double($0.epoch)))),\(n(panel.py($0.median)))" }
                let last = points.last!
                let tip = "\(model): median over seeds\n\(spec.title) at epoch \(last.epoch): \(spec.format(last.median)) "
                    + "(\(last.seeds) of \(histories[model]!.count) seeds, range \(spec.format(last.low)) … \(spec.format(last.high)))"
                svg.add("<path class=\"median\" d=\"M\(d.joined(separator: " L"))\(points.count == 1 ? " h0" : "")\" fill=\"none\" "
                        + "stroke=\"\(styles[model]!.color)\" stroke-width=\"2\" stroke-linejoin=\"round\" stroke-linecap=\"round\">"
                        + "<title>\(xml(tip))</title></path>")
            }
        }
        if !models.isEmpty {
            svg.add(legend(models.map { ($0, styles[$0]!) }, x: legendX, y: 80, lines: true))
            let noteY = 80 + 22 * Double(models.count) + 34
            svg.add(text("line: median over seeds", x: legendX, y: noteY, size: 11, fill: "#555"))
            svg.add(text("band: min … max", x: legendX, y: noteY + 16, size: 11, fill: "#555"))
        }
        return svg.render()
    }

    // MARK: - Helpers

    /// An interval with finite ends, else nil.
    private static func usable(_ interval: ClosedRange<Double>?) -> ClosedRange<Double>? {
        guard let interval, interval.lowerBound.isFinite, interval.upperBound.isFinite else { return nil }
        return interval
    }

    /// The figures right of a row: `+1.23 [+0.45, +2.01]`, or `no interval (n = K)` without an interval.
    private static func figures(_ item: PairedDifferencePlotItem, _ pp: (Double) -> String) -> String {
        guard let interval = usable(item.interval) else {
            return "no interval (n = \(item.differences.filter(\.isFinite).count))"
        }
        return "\(pp(item.mean)) [\(pp(interval.lowerBound)), \(pp(interval.upperBound))]"
    }

    /// Vertical offsets for dots at pixel positions `xs` so that dots of `radius` do not overlap: each dot, in
    /// order of x (ties in input order), takes the first of 0, −d, +d, −2d, +2d … (up to `reach` either way)
    /// that keeps it clear of the dots placed before it, or else the one with the most room. Deterministic.
    static func swarm(_ xs: [Double], radius: Double, reach: Double) -> [Double] {
        let d = radius * 1.15
        let slots = [0.0] + (1...max(1, Int(reach / d))).flatMap { [-Double($0) * d, Double($0) * d] }
        var placed: [(x: Double, y: Double)] = []
        var offsets = [Double](repeating: 0, count: xs.count)
        for i in xs.indices.sorted(by: { (xs[$0], $0) < (xs[$1], $1) }) {
            let room = slots.map { y in placed.map { hypot($0.x - xs[i], $0.y - y) }.min() ?? .infinity }
            let chosen = slots.indices.first { room[$0] >= 2 * radius + 1 } ?? room.indices.max { room[$0] < room[$1] }!
            offsets[i] = slots[chosen]
            placed.append((xs[i], slots[chosen]))
        }
        return offsets
    }

    struct CurvePoint: Equatable {
        var epoch: Int
        var median: Double, low: Double, high: Double
        var seeds: Int
    }

    /// Per epoch, over the histories that have it (finite values only; positive only when `positive`):
    /// the median, the minimum and the maximum.
    static func curve(_ histories: [[EpochRecord]], _ value: (EpochRecord) -> Double, positive: Bool) -> [CurvePoint] {
        var byEpoch: [Int: [Double]] = [:]
        for history in histories {
            for record in history {
                let v = value(record)
                if v.isFinite && (!positive || v > 0) { byEpoch[record.epoch, default: []].append(v) }
            }
        }
        return byEpoch.keys.sorted().map { epoch in
            let v = byEpoch[epoch]!.sorted(), m = v.count / 2
            return CurvePoint(epoch: epoch, median: v.count % 2 == 1 ? v[m] : (v[m - 1] + v[m]) / 2,
                              low: v.first!, high: v.last!, seeds: v.count)
        }
    }

    /// Epochs on a linear axis with whole-number ticks: every epoch up to 10 of them, every other up to 20.
    private static func epochAxis(_ epochs: [Double]) -> Axis {
        guard let lo = epochs.min(), let hi = epochs.max() else { return .linear([1, 2], title: "epoch") }
        let span = hi - lo
        guard span <= 20 else { return .linear(epochs, title: "epoch") }
        let step = span <= 10 ? 1.0 : 2.0
        let ticks = stride(from: lo, through: hi, by: step).map { Tick(value: $0, label: String(Int($0))) }
        return Axis(domain: span > 0 ? lo...hi : (lo - 0.5)...(hi + 0.5), log: false, ticks: ticks, title: "epoch")
    }
}
