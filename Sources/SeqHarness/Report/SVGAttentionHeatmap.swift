import Foundation

/// One row of `SVGPlot.attentionHeatmap`: a sequence's tokens and the attention weight on each.
public struct AttentionHeatmapRow: Sendable, Equatable {
    /// What the row shows, e.g. the input text or `#3 english`.
    public var label: String
    /// A second, smaller line under the label, e.g. the prediction `→ spanish 0.91`.
    public var detail: String
    /// The text of each token (its id, or its position for dense input, when there is no vocabulary).
    public var tokens: [String]
    /// One weight per token.
    public var weights: [Double]

    public init(label: String, detail: String, tokens: [String], weights: [Double]) {
        precondition(tokens.count == weights.count, "one weight per token")
        self.label = label; self.detail = detail; self.tokens = tokens; self.weights = weights
    }
}

extension SVGPlot {
    /// A heatmap of attention: one row per sequence, one cell (`class="cell"`, `data-weight` its exact weight)
    /// per token, the token's text and its weight drawn in the cell, the colour the weight on a sequential
    /// scale from 0 to the largest weight shown (a colour bar under the rows). Long tokens are cut with "…"
    /// (the tooltip has them whole).
    public static func attentionHeatmap(_ rows: [AttentionHeatmapRow], title: String = "Attention weights per token") -> String {
        let charWidth = 7.0                                          // DejaVu Sans at 12 px, a little generous
        func cut(_ s: String, _ limit: Int) -> String { s.count > limit ? String(s.prefix(limit - 1)) + "…" : s }
        let shown = rows.map { $0.tokens.map { cut(visible($0), 12) } }
        let cell = (width: max(38, Double(shown.flatMap { $0 }.map(\.count).max() ?? 0) * charWidth + 10), height: 38.0)
        let labels = rows.map { cut($0.label, 32) }, details = rows.map { cut($0.detail, 36) }
        let labelWidth = max(70, Double((labels + details).map(\.count).max() ?? 0) * charWidth)
        let left = 20 + labelWidth + 14, top = 52.0
        let longest = Double(rows.map(\.tokens.count).max() ?? 0)
        let gridBottom = top + Double(rows.count) * (cell.height + 6)
        // Wide enough for the rows, the colour bar with its title, and the bold 15 px title (about 9 px a character).
        let width = max(560, left + longest * cell.width + 20, Double(title.count) * 9 + 40)
        var svg = SVGDocument(width: width.rounded(.up), height: (gridBottom + 100).rounded(.up), title: title)
        if rows.isEmpty { svg.add(text("no sequences", x: width / 2, y: top + 20, anchor: "middle", fill: "#888")) }

        let largest = max(rows.flatMap(\.weights).filter(\.isFinite).max() ?? 1, 1e-12)
        for (r, row) in rows.enumerated() {
            let y = top + Double(r) * (cell.height + 6)
            svg.add(text(labels[r], x: left - 12, y: y + 16, anchor: "end", extra: " class=\"row-label\""))
            svg.add(text(details[r], x: left - 12, y: y + 31, anchor: "end", size: 10, fill: "#666"))
            for (t, weight) in row.weights.enumerated() {
                let x = left + Double(t) * cell.width
                let level = weight.isFinite ? min(1, max(0, weight / largest)) : 0
                let tip = xml("\(row.tokens[t]) (position \(t + 1) of \(row.tokens.count)): weight \(NumberFormat.fixed(weight, 4))")
                svg.add("<rect class=\"cell\" data-weight=\"\(weight)\" x=\"\(n(x + 1))\" y=\"\(n(y))\" width=\"\(n(cell.width - 2))\" "
                        + "height=\"\(n(cell.height))\" fill=\"\(heatColor(level))\" stroke=\"#d9d9d9\" stroke-width=\"0.5\"><title>\(tip)</title></rect>")
                let ink = level > 0.55 ? "white" : "#222"
                svg.add(text(shown[r][t], x: x + cell.width / 2, y: y + 17, anchor: "middle", size: 13, fill: ink))
                svg.add(text(NumberFormat.fixed(weight, 2), x: x + cell.width / 2, y: y + 32, anchor: "middle", size: 9, fill: ink))
            }
        }
        svg.add(colorBar(x: left, y: gridBottom + 34, width: min(300, max(180, width - left - 40)), largest: largest))
        return svg.render()
    }

    /// A horizontal colour bar for `heatColor` from 0 to `largest`, with three ticks and a title.
    private static func colorBar(x: Double, y: Double, width: Double, largest: Double) -> [String] {
        let stops = (0...10).map { i in
            "<stop offset=\"\(n(Double(i) / 10))\" stop-color=\"\(heatColor(Double(i) / 10))\"/>"
        }.joined()
        var out = ["<defs><linearGradient id=\"attention-scale\" x1=\"0\" x2=\"1\" y1=\"0\" y2=\"0\">\(stops)</linearGradient></defs>",
                   "<rect class=\"color-bar\" x=\"\(n(x))\" y=\"\(n(y))\" width=\"\(n(width))\" height=\"12\" fill=\"url(#attention-scale)\" stroke=\"#888\" stroke-width=\"0.5\"/>"]
        for f in [0.0, 0.5, 1.0] {
            let at = x + f * width
            out.append(line(at, y + 12, at, y + 17, stroke: "#444"))
            out.append(text(NumberFormat.significant(f * largest, 2, trimZeros: true), x: at, y: y + 30, anchor: "middle", size: 11, fill: "#444"))
        }
        out.append(text("attention weight (each row sums to 1)", x: x, y: y - 7, size: 11, fill: "#444"))
        return out
    }

    /// A sequential colour for `level` in 0…1: near-white through light blue to dark blue (ColorBrewer's
    /// "Blues"), so that more attention reads as darker, also in grey-scale print.
    static func heatColor(_ level: Double) -> String {
        let stops: [(Double, Double, Double)] = [(247, 251, 255), (198, 219, 239), (107, 174, 214), (33, 113, 181), (8, 48, 107)]
        let position = min(1, max(0, level)) * Double(stops.count - 1)
        let i = min(Int(position), stops.count - 2), f = position - Double(i)
        let (a, b) = (stops[i], stops[i + 1])
        func channel(_ x: Double, _ y: Double) -> String {
            let v = Int((x + (y - x) * f).rounded())
            return String(v, radix: 16).count == 1 ? "0" + String(v, radix: 16) : String(v, radix: 16)
        }
        return "#" + channel(a.0, b.0) + channel(a.1, b.1) + channel(a.2, b.2)
    }

    /// A token as it can be seen: spaces and control characters as visible symbols, the empty token as "∅".
    private static func visible(_ token: String) -> String {
        if token.isEmpty { return "∅" }
        return String(token.unicodeScalars.map { s -> Character in
            s == " " ? "␣" : s.properties.generalCategory == .control ? "�" : Character(s)
        })
    }
}
