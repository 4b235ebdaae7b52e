import Foundation
import SeqModels

// The small plotting kit behind `SVGPlot`: a document, scales with tick choice, a panel that draws its axes,
// model styles, markers and a legend. Plots only decide what goes where.

/// A self-contained SVG document: white background, default sans-serif font, no external resources.
struct SVGDocument {
    let width: Double, height: Double
    private var body: [String] = []

    init(width: Double, height: Double, title: String) {
        self.width = width; self.height = height
        body.append("<title>\(xml(title))</title>")
        body.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>")
        body.append(text(title, x: width / 2, y: 24, anchor: "middle", size: 15, extra: " font-weight=\"bold\""))
    }

    mutating func add(_ elements: [String]) { body += elements }
    mutating func add(_ element: String) { body.append(element) }

    func render() -> String {
        let size = "width=\"\(n(width))\" height=\"\(n(height))\" viewBox=\"0 0 \(n(width)) \(n(height))\""
        return """
        <?xml version="1.0" encoding="UTF-8"?>
        <svg xmlns="http://www.w3.org/2000/svg" \(size) font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="12">
        \(body.joined(separator: "\n"))
        </svg>

        """
    }
}

/// Text made safe for XML content and attribute values.
func xml(_ s: String) -> String {
    var out = ""
    for c in s {
        switch c {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&apos;"
        default: out.append(c)
        }
    }
    return out
}

/// A coordinate for an attribute: two decimals at most.
func n(_ x: Double) -> String { NumberFormat.fixed(x, 2).replacingOccurrences(of: "\\.?0+$", with: "", options: .regularExpression) }

/// A `<text>` element; the content is escaped.
func text(_ s: String, x: Double, y: Double, anchor: String = "start", size: Double = 12, fill: String = "#222",
          extra: String = "") -> String {
    "<text x=\"\(n(x))\" y=\"\(n(y))\" text-anchor=\"\(anchor)\" font-size=\"\(n(size))\" fill=\"\(fill)\"\(extra)>\(xml(s))</text>"
}

// MARK: - Scales and ticks

/// A tick on an axis; minor ticks have no label.
struct Tick: Equatable {
    var value: Double
    var label: String?
}

/// An axis before it has pixels: the data range it shows, linear or logarithmic, its ticks and its title.
struct Axis {
    var domain: ClosedRange<Double>
    var log: Bool
    var ticks: [Tick]
    var title: String

    /// Where `value` falls, 0 at the domain's start and 1 at its end (log axes compare logarithms).
    func fraction(_ value: Double) -> Double {
        let (v, lo, hi) = log ? (log10(value), log10(domain.lowerBound), log10(domain.upperBound))
                              : (value, domain.lowerBound, domain.upperBound)
        return hi > lo ? (v - lo) / (hi - lo) : 0.5
    }

    /// A linear axis over `values`, widened to round ticks in steps of 1, 2 or 5 × 10ᵏ (about `count` of them),
    /// inside `limits` when given.
    static func linear(_ values: [Double], title: String, limits: ClosedRange<Double>? = nil, count: Int = 6) -> Axis {
        var lo = values.min() ?? 0, hi = values.max() ?? 1
        if hi - lo < 1e-9 * max(1, abs(hi)) { lo -= 0.5; hi += 0.5 }
        if let limits { (lo, hi) = (max(lo, limits.lowerBound), min(hi, limits.upperBound)) }
        let raw = (hi - lo) / Double(count)
        let magnitude = pow(10, Double(NumberFormat.exponent(of: raw)))
        let step = magnitude * ([1, 2, 5, 10].first { raw / magnitude <= $0 * 1.0001 } ?? 10)
        let start = (lo / step + 1e-9).rounded(.down) * step, end = (hi / step - 1e-9).rounded(.up) * step
        let decimals = max(0, -NumberFormat.exponent(of: step))
        let ticks = stride(from: start, through: end + step / 2, by: step).map {
            Tick(value: $0, label: NumberFormat.fixed($0, decimals))
        }
        return Axis(domain: start...end, log: false, ticks: ticks, title: title)
    }

    /// A logarithmic axis over the positive `values`, widened to labelled ticks: powers of ten, plus 2 and 5
    /// times them when the data spans 3 decades or less; unlabelled minor ticks at the other multiples
    /// while there is room (6 decades or less).
    static func logarithmic(_ values: [Double], title: String, format: (Double) -> String) -> Axis {
        let positive = values.filter { $0 > 0 && $0.isFinite }
        var lo = positive.min() ?? 1, hi = positive.max() ?? 10
        if hi / lo < 1.0001 { lo /= 2; hi *= 2 }
        let decades = log10(hi / lo)
        let labelled: [Double] = decades <= 3 ? [1, 2, 5] : [1]
        let minor: [Double] = decades <= 6 ? [1, 2, 3, 4, 5, 6, 7, 8, 9] : []
        let first = NumberFormat.exponent(of: lo) - 1, last = NumberFormat.exponent(of: hi) + 1
        let candidates = (first...last).flatMap { e in (labelled + minor).map { (m: $0, value: $0 * pow(10, Double(e))) } }
        let major = candidates.filter { labelled.contains($0.m) }.map(\.value)
        let start = major.filter { $0 <= lo * (1 + 1e-9) }.max() ?? lo
        let end = major.filter { $0 >= hi * (1 - 1e-9) }.min() ?? hi
        var seen = Set<Double>()
        let ticks = candidates.filter { $0.value >= start * (1 - 1e-9) && $0.value <= end * (1 + 1e-9) }
            .sorted { $0.value < $1.value }
            .filter { seen.insert($0.value).inserted }
            .map { Tick(value: $0.value, label: labelled.contains($0.m) ? format($0.value) : nil) }
        return Axis(domain: start...end, log: true, ticks: ticks, title: title)
    }
}

// MARK: - Panels

/// A plotting area on the page with an x and a y axis. Data are mapped into it with a small inset, so that
/// markers at the ends of a domain stay clear of the frame, and `rightRoom` more on the right for labels.
struct Panel {
    var x: Double, y: Double, width: Double, height: Double
    var xAxis: Axis, yAxis: Axis
    var rightRoom = 0.0
    var inset = 10.0

    func px(_ value: Double) -> Double { x + inset + xAxis.fraction(value) * (width - 2 * inset - rightRoom) }
    func py(_ value: Double) -> Double { y + height - inset - yAxis.fraction(value) * (height - 2 * inset) }

    /// Light grid lines at labelled ticks, tick marks, tick labels, the frame and both axis titles.
    func axes() -> [String] {
        let bottom = y + height
        var out: [String] = []
        for tick in xAxis.ticks {
            let at = px(tick.value)
            if let label = tick.label {
                out.append(line(at, y, at, bottom, stroke: "#e6e6e6"))
                out.append(text(label, x: at, y: bottom + 18, anchor: "middle", size: 11, fill: "#444"))
            }
            out.append(line(at, bottom, at, bottom + (tick.label == nil ? 3 : 6), stroke: "#444"))
        }
        for tick in yAxis.ticks {
            let at = py(tick.value)
            if let label = tick.label {
                out.append(line(x, at, x + width, at, stroke: "#e6e6e6"))
                out.append(text(label, x: x - 9, y: at + 4, anchor: "end", size: 11, fill: "#444"))
            }
            out.append(line(x - (tick.label == nil ? 3 : 6), at, x, at, stroke: "#444"))
        }
        out.append("<rect x=\"\(n(x))\" y=\"\(n(y))\" width=\"\(n(width))\" height=\"\(n(height))\" fill=\"none\" stroke=\"#444\"/>")
        out.append(text(xAxis.title, x: x + width / 2, y: bottom + 42, anchor: "middle", size: 12))
        if !yAxis.title.isEmpty {   // a category axis (rows labelled by the plot) has no title
            out.append(text(yAxis.title, x: 0, y: 0, anchor: "middle", size: 12,
                            extra: " transform=\"translate(\(n(x - 52)),\(n(y + height / 2))) rotate(-90)\""))
        }
        return out
    }

    /// A caption in the middle of the panel, for a panel without data.
    func empty(_ message: String) -> String {
        text(message, x: x + width / 2, y: y + height / 2, anchor: "middle", fill: "#888")
    }
}

func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, stroke: String, width: Double = 1) -> String {
    "<line x1=\"\(n(x1))\" y1=\"\(n(y1))\" x2=\"\(n(x2))\" y2=\"\(n(y2))\" stroke=\"\(stroke)\" stroke-width=\"\(n(width))\"/>"
}

// MARK: - Series styles, markers and legend

/// The colour and marker shape of one model, the same in every plot.
struct SeriesStyle: Hashable {
    typealias Shape = ModelStyle.Marker
    var color: String
    var shape: Shape

    init(color: String, shape: Shape) { self.color = color; self.shape = shape }
    init(_ style: ModelStyle) { self.init(color: style.color, shape: style.marker) }

    /// Styles for `models` (row models: registry names or model-entry labels). A registered model keeps the
    /// style its registry entry declares. Every other one (no declared style, a label with overrides, a model
    /// the registry does not know) takes its fallback style (`ModelStyle.fallback(for:)`); when that is
    /// already taken in this plot, the next free fallback style, taking the models in alphabetical order.
    static func assign(_ models: [String]) -> [String: SeriesStyle] {
        let models = Set(models)
        var styles: [String: SeriesStyle] = [:]
        for model in models { if let style = ModelRegistry.entry(named: model)?.style { styles[model] = SeriesStyle(style) } }
        var taken = Set(styles.values)
        let fallbacks = ModelStyle.fallbackStyles.map(SeriesStyle.init)
        for model in models.filter({ styles[$0] == nil }).sorted() {
            let first = ModelStyle.fallbackIndex(for: model)
            let free = (0..<fallbacks.count).lazy.map { fallbacks[(first + $0) % fallbacks.count] }.first { !taken.contains($0) }
            styles[model] = free ?? fallbacks[first]
            taken.insert(styles[model]!)
        }
        return styles
    }

    /// A data marker (class `marker`) centred on (x, y), with a tooltip.
    func marker(x: Double, y: Double, tooltip: String, size: Double = 5, cssClass: String = "marker") -> String {
        let paint = "class=\"\(cssClass)\" fill=\"\(color)\" stroke=\"white\" stroke-width=\"1\""
        let tip = tooltip.isEmpty ? "" : "<title>\(xml(tooltip))</title>"
        let s = size
        switch shape {
        case .circle:
            return "<circle \(paint) cx=\"\(n(x))\" cy=\"\(n(y))\" r=\"\(n(s))\">\(tip)</circle>"
        case .square:
            return "<rect \(paint) x=\"\(n(x - s * 0.9))\" y=\"\(n(y - s * 0.9))\" width=\"\(n(s * 1.8))\" height=\"\(n(s * 1.8))\">\(tip)</rect>"
        case .triangle:
            return "<path \(paint) d=\"M\(n(x)),\(n(y - s * 1.2)) L\(n(x + s * 1.1)),\(n(y + s * 0.8)) L\(n(x - s * 1.1)),\(n(y + s * 0.8)) Z\">\(tip)</path>"
        case .diamond:
            return "<path \(paint) d=\"M\(n(x)),\(n(y - s * 1.3)) L\(n(x + s)),\(n(y)) L\(n(x)),\(n(y + s * 1.3)) L\(n(x - s)),\(n(y)) Z\">\(tip)</path>"
        }
    }
}

/// One entry per series from (x, y) downwards: a marker, a short line when the plot draws lines, the name.
func legend(_ entries: [(name: String, style: SeriesStyle)], x: Double, y: Double, lines: Bool) -> [String] {
    var out = [text("model", x: x, y: y, size: 12, extra: " font-weight=\"bold\"")]
    for (i, entry) in entries.enumerated() {
        let row = y + 22 + Double(i) * 22
        if lines { out.append(line(x, row, x + 24, row, stroke: entry.style.color, width: 2)) }
        out.append(entry.style.marker(x: x + 12, y: row, tooltip: "", cssClass: "legend-marker"))
        out.append(text(entry.name, x: x + 32, y: row + 4))
    }
    return out
}
