import Foundation

extension SVGPlot {
    /// A search's trials, one panel per model entry (two panels a row): validation accuracy (y, %) against
    /// trial number (x), one marker per finished trial in the model's style, the best-so-far validation
    /// accuracy as a step line, and the chosen trial ringed. Failed trials have no marker.
    public static func searchTrials(_ entries: [EntrySearch]) -> String {
        let columns = min(2, max(1, entries.count)), rows = (entries.count + columns - 1) / columns
        let (panelWidth, panelHeight) = (400.0, 260.0)
        let (cellWidth, cellHeight) = (panelWidth + 110, panelHeight + 110)
        var svg = SVGDocument(width: Double(columns) * cellWidth + 30, height: Double(max(rows, 1)) * cellHeight + 50,
                              title: "Search: validation accuracy of each trial")
        let styles = SeriesStyle.assign(entries.map(\.entry))
        let scored = entries.flatMap { $0.trials.compactMap { $0.score.validationAccuracy.map { $0 * 100 } } }
        // One y range for every panel, so the models' panels compare at a glance.
        let yAxis = Axis.linear(scored, title: "validation accuracy (%)", limits: 0...100)
        for (i, entry) in entries.enumerated() {
            let planned = max(entry.planned, 1)
            var xAxis = Axis.linear([1, Double(planned)], title: "trial")
            if planned <= 20 {   // few trials: a tick at each one
                xAxis.ticks = (1...planned).map { Tick(value: Double($0), label: String($0)) }
                xAxis.domain = planned > 1 ? 1...Double(planned) : 0.5...1.5
            }
            let panel = Panel(x: 80 + Double(i % columns) * cellWidth, y: 70 + Double(i / columns) * cellHeight,
                              width: panelWidth, height: panelHeight, xAxis: xAxis, yAxis: yAxis)
            let style = styles[entry.entry]!
            let chosen = entry.chosen.map { "chosen: trial \($0.index)" } ?? "\(entry.trials.count) of \(entry.planned) trials finished"
            svg.add(text("\(entry.entry) · \(chosen)", x: panel.x + panel.width / 2, y: panel.y - 12, anchor: "middle", size: 13))
            svg.add(panel.axes())
            let points = entry.trials.compactMap { t in t.score.validationAccuracy.map { (trial: t, accuracy: $0 * 100) } }
            if points.isEmpty { svg.add(panel.empty("no finished trial")) }
            // Best so far: a step that rises at each trial that beats every earlier one.
            var best = -Double.infinity, path: [String] = []
            for p in points {
                let (x, y) = (panel.px(Double(p.trial.index)), panel.py(max(best, p.accuracy)))
                if path.isEmpty { path.append("M\(n(x)),\(n(y))") } else { path.append("H\(n(x)) V\(n(y))") }
                best = max(best, p.accuracy)
            }
            if let last = points.last, entry.isComplete, last.trial.index < entry.planned {
                path.append("H\(n(panel.px(Double(entry.planned))))")
            }
            if !path.isEmpty {
                svg.add("<path class=\"best-so-far\" d=\"\(path.joined(separator: " "))\" fill=\"none\" stroke=\"\(style.color)\" stroke-width=\"1.5\" stroke-dasharray=\"5,3\"><title>best so far</title></path>")
            }
            for p in points {
                let (x, y) = (panel.px(Double(p.trial.index)), panel.py(p.accuracy))
                let values = p.trial.values.sorted { $0.key < $1.key }.map { "\(ReportOrder.shortName($0.key)) \($0.value)" }
                svg.add(style.marker(x: x, y: y, tooltip: "\(entry.entry) trial \(p.trial.index)\nvalidation accuracy \(NumberFormat.fixed(p.accuracy, 1)) %\n"
                                     + values.joined(separator: ", ")))
                if p.trial.index == entry.best?.trial {
                    svg.add("<circle class=\"chosen\" cx=\"\(n(x))\" cy=\"\(n(y))\" r=\"9\" fill=\"none\" stroke=\"#222\" stroke-width=\"1.5\"><title>chosen</title></circle>")
                }
            }
        }
        let bottom = 70 + Double(max(rows, 1)) * cellHeight - 30
        svg.add(text("markers: trials; dashed step: best validation accuracy so far; ring: the chosen trial (re-run on every seed)",
                     x: 80, y: bottom, size: 11, fill: "#555"))
        return svg.render()
    }
}
