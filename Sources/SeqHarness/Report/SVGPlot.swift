import Foundation

/// The report's plots as self-contained SVG documents (no scripts, no external CSS or fonts).
///
/// Every model keeps one colour and marker shape across plots: the style its registry entry declares
/// (`ModelDescriptor.style`), or else a fallback style picked by its name (see `SeriesStyle.assign`).
/// Each data marker carries `class="marker"` and a tooltip with its numbers.
public enum SVGPlot {
    /// Accuracy (y, %) against forward FLOPs per sequence (x, log scale): one marker per row, colour and marker
    /// per model, legend, axis labels and ticks, each marker labelled with its sweep point when there is one,
    /// error bars of ±1 standard deviation when the row aggregates more than one seed.
    /// Rows without a completed run (NaN accuracy) or without a FLOP count are left out.
    public static func accuracyVersusFlops(_ rows: [ReportRow]) -> String {
        let rows = ReportOrder.sorted(rows).filter { $0.accuracyMean.isFinite && $0.flopsForward > 0 && $0.flopsForward.isFinite }
        let spread = rows.map { $0.seeds > 1 && $0.accuracyStd.isFinite ? $0.accuracyStd * 100 : 0 }
        let low = zip(rows, spread).map { $0.accuracyMean * 100 - $1 }, high = zip(rows, spread).map { $0.accuracyMean * 100 + $1 }
        let panel = Panel(x: 80, y: 44, width: 500, height: 370,
                          xAxis: .logarithmic(rows.map(\.flopsForward), title: "forward FLOPs per sequence (log scale)",
                                              format: { NumberFormat.engineering($0, compact: true) }),
                          yAxis: .linear(low + high, title: "test accuracy (%)", limits: 0...100),
                          // Room for the point labels right of the markers (about 6 px a character at 10 px).
                          rightRoom: Double(rows.map { ReportOrder.label($0.point).count }.max() ?? 0) * 6)
        var svg = SVGDocument(width: 790, height: 480, title: "Test accuracy against forward FLOPs")
        svg.add(panel.axes())
        if rows.isEmpty { svg.add(panel.empty("no completed runs")) }
        let styles = SeriesStyle.assign(rows.map(\.model))
        for (i, row) in rows.enumerated() {
            let style = styles[row.model]!
            let (x, y) = (panel.px(row.flopsForward), panel.py(row.accuracyMean * 100))
            if spread[i] > 0 {
                let (top, bottom) = (panel.py(min(high[i], 100)), panel.py(max(low[i], 0)))
                svg.add("<path class=\"errorbar\" d=\"M\(n(x)),\(n(top)) V\(n(bottom)) M\(n(x - 4)),\(n(top)) H\(n(x + 4)) M\(n(x - 4)),\(n(bottom)) H\(n(x + 4))\" stroke=\"\(style.color)\" stroke-width=\"1.2\" fill=\"none\"/>")
            }
            let place = row.point.isEmpty ? "" : " · " + ReportOrder.label(row.point)
            let accuracy = NumberFormat.percent(row.accuracyMean, std: row.seeds > 1 ? row.accuracyStd : nil)
            svg.add(style.marker(x: x, y: y, tooltip: "\(row.model)\(place)\naccuracy \(accuracy) % (\(row.seeds) seeds)\n"
                                 + "\(NumberFormat.engineering(row.flopsForward)) FLOPs forward per sequence"))
            if !row.point.isEmpty {
                svg.add(text(ReportOrder.label(row.point), x: x + 8, y: y - 7, size: 10, fill: "#555",
                             extra: " class=\"point-label\""))
            }
        }
        svg.add(legend(models(rows).map { ($0, styles[$0]!) }, x: 610, y: 60, lines: false))
        return svg.render()
    }

    /// Two panels side by side against sequence length (x = the numeric value of `lengthKey` in each row's
    /// point): latency p50 at batch 1 in ms, and forward FLOPs per sequence; log-scale y, one line per model,
    /// legend. Rows without that key are left out; rows without a batch-1 latency are left out of the latency
    /// panel. Rows that differ in other sweep settings too get a line each, named by those settings.
    public static func costVersusLength(_ rows: [ReportRow], lengthKey: String) -> String {
        let rows = ReportOrder.sorted(rows).filter { $0.point[lengthKey].flatMap(Double.init)?.isFinite ?? false }
        let length = { (row: ReportRow) in Double(row.point[lengthKey]!)! }
        let lengths = Set(rows.map(length)).sorted()
        let xAxis: Axis = {
            let title = ReportOrder.shortName(lengthKey)
            let useLog = (lengths.first ?? 0) > 0 && lengths.last! / lengths.first! >= 4
            var axis = useLog ? Axis.logarithmic(lengths, title: title + " (log scale)", format: { NumberFormat.significant($0, 6, trimZeros: true) })
                              : Axis.linear(lengths, title: title)
            if (1...12).contains(lengths.count) {   // few lengths: tick exactly at each one
                axis.ticks = lengths.map { Tick(value: $0, label: NumberFormat.significant($0, 6, trimZeros: true)) }
                axis.domain = lengths.count > 1 ? lengths.first!...lengths.last! : axis.domain
            }
            return axis
        }()
        let metrics: [(title: String, axis: String, value: (ReportRow) -> Double?, format: (Double) -> String)] = [
            ("latency p50, batch 1", "ms (log scale)", { $0.latencyP50B1 }, { NumberFormat.significant($0, 3, trimZeros: true) }),
            ("forward FLOPs per sequence", "FLOPs (log scale)", { $0.flopsForward }, { NumberFormat.engineering($0, compact: true) }),
        ]
        let styles = SeriesStyle.assign(rows.map(\.model))
        var svg = SVGDocument(width: 1010, height: 440, title: "Cost against \(ReportOrder.shortName(lengthKey))")
        var entries: [(name: String, style: SeriesStyle)] = []
        for (p, metric) in metrics.enumerated() {
            let measured = rows.filter { metric.value($0).map { $0 > 0 && $0.isFinite } ?? false }
            let panel = Panel(x: 80 + Double(p) * 420, y: 70, width: 330, height: 310, xAxis: xAxis,
                              yAxis: .logarithmic(measured.map { metric.value($0)! }, title: metric.axis, format: metric.format))
            svg.add(text(metric.title, x: panel.x + panel.width / 2, y: panel.y - 12, anchor: "middle", size: 13))
            svg.add(panel.axes())
            if measured.isEmpty { svg.add(panel.empty(p == 0 ? "no latency measured" : "no data")) }
            // One series per model and setting of the other sweep keys, in row order (sorted by point, then model).
            var series: [(name: String, model: String, rows: [ReportRow])] = []
            for row in measured {
                var rest = row.point; rest[lengthKey] = nil
                let name = rest.isEmpty ? row.model : "\(row.model) (\(ReportOrder.label(rest)))"
                if let i = series.firstIndex(where: { $0.name == name }) { series[i].rows.append(row) }
                else { series.append((name, row.model, [row])) }
            }
            series.sort { ReportOrder.modelPrecedes($0.model, $1.model) || ($0.model == $1.model && $0.name < $1.name) }
            for s in series {
                let style = styles[s.model]!
                let points = s.rows.sorted { length($0) < length($1) }.map { (row: $0, x: panel.px(length($0)), y: panel.py(metric.value($0)!)) }
                svg.add("<polyline class=\"series\" fill=\"none\" stroke=\"\(style.color)\" stroke-width=\"2\" points=\""
                        + points.map { "\(n($0.x)),\(n($0.y))" }.joined(separator: " ") + "\"><title>\(xml(s.name))</title></polyline>")
                for point in points {
                    let value = metric.format(metric.value(point.row)!)
                    svg.add(style.marker(x: point.x, y: point.y, tooltip: "\(s.name) · \(ReportOrder.label(point.row.point))\n\(metric.title): \(value)",
                                         size: 4))
                }
                if !entries.contains(where: { $0.name == s.name }) { entries.append((s.name, style)) }
            }
        }
        svg.add(legend(entries, x: 860, y: 80, lines: true))
        return svg.render()
    }

    /// The models among `rows`, in report order.
    private static func models(_ rows: [ReportRow]) -> [String] {
        Set(rows.map(\.model)).sorted(by: ReportOrder.modelPrecedes)
    }
}
