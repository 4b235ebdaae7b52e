import Foundation

extension SVGPlot {
    /// Two panels side by side, one row per class: the normalised attention entropy (0 = one token, 1 = even)
    /// and the relative position of the largest weight (0 = first token, 1 = last) of each sequence. Per row,
    /// the sequences as faint dots (up to `maxDots`) (spread vertically so that they do not hide each other), the quartiles as a
    /// box, the median as a thick line and the range as whiskers. `title` names the checkpoint or model.
    public static func attentionStatistics(_ statistics: AttentionStatistics, title: String) -> String {
        let classes = statistics.classes
        let charWidth = 7.0
        let labels = classes.map { "\($0.name.count > 24 ? String($0.name.prefix(23)) + "…" : $0.name) (\($0.entropies.count))" }
        let labelWidth = max(80, Double(labels.map(\.count).max() ?? 0) * charWidth)
        let rowHeight = 40.0
        let height = max(1, Double(classes.count)) * rowHeight
        let unit = Axis(domain: 0...1, log: false, ticks: stride(from: 0.0, through: 1.0001, by: 0.2).map { Tick(value: $0, label: NumberFormat.fixed($0, 1)) },
                        title: "")
        let category = Axis(domain: 0...1, log: false, ticks: [], title: "")
        let panels: [(title: String, axis: String, values: (AttentionStatistics.ClassDistribution) -> [Double])] = [
            ("how spread: normalised entropy", "entropy / ln(length): 0 = one token, 1 = even", \.entropies),
            ("where: position of the largest weight", "position / (length − 1): 0 = first, 1 = last", \.positions),
        ]
        let panelWidth = 330.0, firstX = 24 + labelWidth + 14
        var svg = SVGDocument(width: (firstX + 2 * panelWidth + 60).rounded(.up), height: (70 + height + 96).rounded(.up), title: title)
        for (p, spec) in panels.enumerated() {
            var xAxis = unit; xAxis.title = spec.axis
            let panel = Panel(x: firstX + Double(p) * (panelWidth + 40), y: 70, width: panelWidth, height: height, xAxis: xAxis, yAxis: category)
            for i in classes.indices where i % 2 == 1 {   // every other row shaded, so that labels find their row
                svg.add("<rect x=\"\(n(panel.x))\" y=\"\(n(panel.y + Double(i) * rowHeight))\" width=\"\(n(panel.width))\" height=\"\(n(rowHeight))\" fill=\"#f4f4f4\"/>")
            }
            svg.add(panel.axes())
            svg.add(text(spec.title, x: panel.x + panel.width / 2, y: panel.y - 12, anchor: "middle", size: 13))
            if classes.isEmpty { svg.add(panel.empty("no sequences")) }
            for (i, distribution) in classes.enumerated() {
                let middle = panel.y + Double(i) * rowHeight + rowHeight / 2
                if p == 0 { svg.add(text(labels[i], x: panel.x - 12, y: middle + 4, anchor: "end", extra: " class=\"row-label\"")) }
                svg.add(box(spec.values(distribution), panel: panel, middle: middle, name: distribution.name))
            }
        }
        let keyY = 70 + height + 70
        svg.add(text("dots: sequences (≤ \(maxDots) a class) · box: quartiles · thick line: median · whiskers: min … max · (n): sequences longer than one token",
                     x: 24, y: keyY, size: 11, fill: "#444"))
        return svg.render()
    }

    /// The most dots a row draws.
    static let maxDots = 80

    /// One row's dots, box, median and whiskers.
    private static func box(_ values: [Double], panel: Panel, middle: Double, name: String) -> [String] {
        let sorted = values.filter(\.isFinite).sorted()
        guard let low = sorted.first, let high = sorted.last else {
            return [text("no sequences", x: panel.px(0.5), y: middle + 4, anchor: "middle", size: 11, fill: "#888")]
        }
        let q = { (p: Double) in PairedStatistics.percentile(sorted, p) }
        let (q1, median, q3) = (q(0.25), q(0.5), q(0.75))
        var out: [String] = []
        // Dots: every k-th sequence (in split order, so an even sample), at most `maxDots` a row, keeping the file
        // small; spread vertically in golden-ratio steps (deterministic) within the row.
        let step = (sorted.count + maxDots - 1) / maxDots
        for (k, value) in values.enumerated() where k % step == 0 && value.isFinite {
            let offset = ((Double(k) * 0.618034).truncatingRemainder(dividingBy: 1) - 0.5) * 24
            out.append("<circle class=\"dot\" cx=\"\(n(panel.px(value)))\" cy=\"\(n(middle + offset))\" r=\"2\" fill=\"#0072B2\" fill-opacity=\"0.3\"/>")
        }
        let (y0, y1) = (middle - 9, middle + 9)
        let tip = xml("\(name): n = \(sorted.count), median \(NumberFormat.fixed(median, 3)), quartiles \(NumberFormat.fixed(q1, 3)) … \(NumberFormat.fixed(q3, 3)), range \(NumberFormat.fixed(low, 3)) … \(NumberFormat.fixed(high, 3))")
        out.append("<path class=\"whisker\" d=\"M\(n(panel.px(low))),\(n(middle)) H\(n(panel.px(q1))) M\(n(panel.px(q3))),\(n(middle)) H\(n(panel.px(high))) "
                   + "M\(n(panel.px(low))),\(n(middle - 5)) V\(n(middle + 5)) M\(n(panel.px(high))),\(n(middle - 5)) V\(n(middle + 5))\" stroke=\"#333\" stroke-width=\"1.2\" fill=\"none\"/>")
        out.append("<rect class=\"box\" x=\"\(n(panel.px(q1)))\" y=\"\(n(y0))\" width=\"\(n(max(1, panel.px(q3) - panel.px(q1))))\" height=\"\(n(y1 - y0))\" "
                   + "fill=\"#0072B2\" fill-opacity=\"0.25\" stroke=\"#0b4f7a\" stroke-width=\"1.2\"><title>\(tip)</title></rect>")
        out.append(line(panel.px(median), y0, panel.px(median), y1, stroke: "#0b2f4a", width: 3))
        return out
    }
}
