import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
@testable import SeqHarness
import SeqModels
import XCTest

/// Parses an SVG with `XMLParser`, counting elements by name and by `class`, and keeping every `<text>`'s content.
final class SVGSummary: NSObject, XMLParserDelegate {
    var elements: [String: Int] = [:]
    var classes: [String: Int] = [:]
    var texts: [String] = []
    var rootAttributes: [String: String] = [:]
    var error: Error?
    private var currentText: String?

    static func parse(_ svg: String) -> SVGSummary {
        let summary = SVGSummary()
        let parser = XMLParser(data: Data(svg.utf8))
        parser.delegate = summary
        if !parser.parse() { summary.error = parser.parserError ?? NSError(domain: "xml", code: 0) }
        return summary
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        if elements.isEmpty { rootAttributes = attributes }
        elements[name, default: 0] += 1
        if let c = attributes["class"] { classes[c, default: 0] += 1 }
        if name == "text" { currentText = "" }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { currentText? += string }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        if name == "text", let t = currentText { texts.append(t); currentText = nil }
    }
}

final class ReportSVGTests: XCTestCase {
    func testAccuracyPlotHasOneMarkerPerRowLegendAxesAndErrorBars() throws {
        let rows = ReportSamples.rows()
        let svg = SVGPlot.accuracyVersusFlops(rows)
        let s = SVGSummary.parse(svg)
        XCTAssertNil(s.error, "\(s.error!)")
        XCTAssertEqual(s.elements["svg"], 1)
        XCTAssertEqual(s.rootAttributes["width"], "790")
        XCTAssertEqual(s.rootAttributes["viewBox"], "0 0 790 480")
        XCTAssertEqual(s.classes["marker"], rows.count)
        XCTAssertEqual(s.classes["errorbar"], rows.count, "three seeds: every row has ±std")
        XCTAssertEqual(s.classes["legend-marker"], 4)
        XCTAssertEqual(s.classes["point-label"], rows.count)
        for name in ReportSamples.models { XCTAssertTrue(s.texts.contains(name), name) }
        XCTAssertTrue(s.texts.contains("forward FLOPs per sequence (log scale)"))
        XCTAssertTrue(s.texts.contains("test accuracy (%)"))
        XCTAssertTrue(s.texts.contains("length=128"))
        XCTAssertTrue(s.texts.contains("1 M") && s.texts.contains("10 M"), "FLOP ticks in engineering notation: \(s.texts)")
        XCTAssertFalse(svg.contains("nan") || svg.contains("inf"))
        XCTAssertFalse(svg.contains("<style") || svg.contains("href"), "self-contained")
    }

    func testAccuracyPlotSkipsRowsWithoutAccuracyAndBarsNeedSeveralSeeds() {
        let rows = [
            ReportSamples.row("rnn", seeds: 1), ReportSamples.row("lstm", std: 0.02, seeds: 2, flops: 4e6),
            ReportSamples.row("bilstm", accuracy: .nan, std: .nan, seeds: 0),
        ]
        let s = SVGSummary.parse(SVGPlot.accuracyVersusFlops(rows))
        XCTAssertNil(s.error)
        XCTAssertEqual(s.classes["marker"], 2)
        XCTAssertEqual(s.classes["errorbar"], 1)
        XCTAssertNil(s.classes["point-label"], "no sweep, no point labels")
        XCTAssertEqual(s.classes["legend-marker"], 2)

        let empty = SVGSummary.parse(SVGPlot.accuracyVersusFlops([]))
        XCTAssertNil(empty.error)
        XCTAssertNil(empty.classes["marker"])
        XCTAssertTrue(empty.texts.contains("no completed runs"))
    }

    func testCostPlotHasOnePolylinePerModelInEachPanel() {
        let rows = ReportSamples.rows() + [ReportSamples.row("rnn")]   // no length: left out
        let svg = SVGPlot.costVersusLength(rows, lengthKey: "task.length")
        let s = SVGSummary.parse(svg)
        XCTAssertNil(s.error, "\(s.error!)")
        XCTAssertEqual(s.elements["polyline"], 8, "4 models × 2 panels")
        XCTAssertEqual(s.classes["marker"], 24)
        XCTAssertEqual(s.classes["legend-marker"], 4)
        for name in ReportSamples.models { XCTAssertTrue(s.texts.contains(name), name) }
        for label in ["latency p50, batch 1", "forward FLOPs per sequence", "ms (log scale)", "FLOPs (log scale)",
                      "length (log scale)", "32", "128", "512"] {
            XCTAssertTrue(s.texts.contains(label), label)
        }
        XCTAssertNotNil(s.rootAttributes["viewBox"])
    }

    func testCostPlotWithoutLatencyDrawsOnlyFlopLines() {
        let s = SVGSummary.parse(SVGPlot.costVersusLength(ReportSamples.rows(latency: false), lengthKey: "task.length"))
        XCTAssertNil(s.error)
        XCTAssertEqual(s.elements["polyline"], 4)
        XCTAssertTrue(s.texts.contains("no latency measured"))
    }

    func testOtherSweepSettingsGetTheirOwnLines() {
        let rows = [64, 128].flatMap { hidden in
            [32, 64].map { ReportSamples.row("lstm", point: ["task.length": "\($0)", "model.hidden": "\(hidden)"]) }
        }
        let s = SVGSummary.parse(SVGPlot.costVersusLength(rows, lengthKey: "task.length"))
        XCTAssertEqual(s.elements["polyline"], 4, "2 hidden sizes × 2 panels")
        XCTAssertTrue(s.texts.contains("lstm (hidden=64)") && s.texts.contains("lstm (hidden=128)"))
    }

    func testLogScalePutsPowersOfTenAtEqualDistances() {
        let axis = Axis.logarithmic([10, 1000], title: "x", format: { "\($0)" })
        let panel = Panel(x: 0, y: 0, width: 400, height: 300, xAxis: axis, yAxis: axis)
        let (a, b, c) = (panel.px(10), panel.px(100), panel.px(1000))
        XCTAssertEqual(b - a, c - b, accuracy: 1e-9)
        XCTAssertGreaterThan(b - a, 100)
        XCTAssertEqual(panel.py(10) - panel.py(100), panel.py(100) - panel.py(1000), accuracy: 1e-9)
        XCTAssertGreaterThan(panel.py(10), panel.py(1000), "larger values higher up")
    }

    func testLogTicks() {
        let small = Axis.logarithmic([1.3e6, 8e6], title: "", format: { NumberFormat.engineering($0, compact: true) })
        XCTAssertEqual(small.domain, 1e6...1e7)
        XCTAssertEqual(small.ticks.compactMap(\.label), ["1 M", "2 M", "5 M", "10 M"])
        XCTAssertEqual(small.ticks.count, 10, "minor ticks at the other multiples")
        let wide = Axis.logarithmic([3e3, 2e9], title: "", format: { NumberFormat.engineering($0, compact: true) })
        XCTAssertEqual(wide.domain, 1e3...1e10)
        XCTAssertEqual(wide.ticks.compactMap(\.label), ["1 k", "10 k", "100 k", "1 M", "10 M", "100 M", "1 G", "10 G"])
        let narrow = Axis.logarithmic([2.2, 2.4], title: "", format: { NumberFormat.significant($0, 3, trimZeros: true) })
        XCTAssertEqual(narrow.domain, 2...5)
        let linear = Axis.linear([91.3, 97.8], title: "", limits: 0...100)
        XCTAssertEqual(linear.ticks.compactMap(\.label), ["90", "92", "94", "96", "98"])
    }

    func testSpecialCharactersAreEscaped() {
        let name = "a<b> & \"c\"'"
        let rows = [ReportSamples.row(name, point: ["task.length": "1<2"]), ReportSamples.row(name, point: ["task.length": "8"])]
        for svg in [SVGPlot.accuracyVersusFlops(rows), SVGPlot.costVersusLength(rows, lengthKey: "task.length")] {
            let s = SVGSummary.parse(svg)
            XCTAssertNil(s.error, "\(s.error!)\n\(svg)")
            XCTAssertTrue(s.texts.contains(name), "legend shows the name as written")
            XCTAssertTrue(svg.contains("a&lt;b&gt; &amp; &quot;c&quot;&apos;"))
        }
    }

    func testModelsKeepTheirColours() {
        let styles = SeriesStyle.assign(["custom", "bilstm", "another"])
        let builtIn = ["rnn", "lstm", "bilstm", "bilstm_attention"].map { SeriesStyle(ModelRegistry.entry(named: $0)!.style!) }
        XCTAssertEqual(styles["bilstm"], SeriesStyle(color: "#009E73", shape: .triangle), "the registry's style")
        XCTAssertEqual(Set(builtIn.map(\.color)).count, 4)
        let others = [styles["another"]!, styles["custom"]!]
        XCTAssertEqual(Set(others).count, 2)
        XCTAssertTrue(Set(others.map(\.color)).isDisjoint(with: builtIn.map(\.color)))
        XCTAssertEqual(styles["custom"], SeriesStyle(ModelStyle.fallback(for: "custom")), "fallback picked by name")
        XCTAssertEqual(SeriesStyle.assign(["custom"])["custom"], SeriesStyle.assign(["custom", "zzz"])["custom"],
                       "another model does not change a model's fallback")
    }

    func testFallbackStylesStayDistinctInOnePlot() {
        let names = (0..<40).map { "plugin\($0)" }
        let styles = SeriesStyle.assign(names)
        let sorted = names.sorted().prefix(ModelStyle.fallbackStyles.count)
        XCTAssertEqual(Set(sorted.map { styles[$0]! }).count, sorted.count,
                       "as long as fallback styles last, no two models in a plot share one")
        XCTAssertEqual(SeriesStyle.assign(names), styles, "deterministic")
    }

    func testPlotsUseRegisteredStyles() {
        RegistryTestModels.register()
        let rows = [ReportSamples.row("test_styled", flops: 1e6), ReportSamples.row("test_unstyled", flops: 2e6),
                    ReportSamples.row("lstm", flops: 3e6)]
        let svg = SVGPlot.accuracyVersusFlops(rows)
        XCTAssertTrue(svg.contains("fill=\"#123456\""), "the registered colour")
        XCTAssertTrue(svg.contains("fill=\"#E69F00\""))
        XCTAssertTrue(svg.contains("fill=\"\(ModelStyle.fallback(for: "test_unstyled").color)\""))
        let legend = SVGSummary.parse(svg).texts.filter { ["lstm", "test_styled", "test_unstyled"].contains($0) }
        XCTAssertEqual(legend, ["test_styled", "lstm", "test_unstyled"], "legend in registry order (test_styled: order -1)")
    }

    /// The sample report (table, Markdown, CSV and both plots) renders whole; with SEQBENCH_REPORT_SAMPLES=DIR
    /// it is written to DIR for a look by eye, else to a temporary folder.
    func testWriteSampleReport() throws {
        let dir = ProcessInfo.processInfo.environment["SEQBENCH_REPORT_SAMPLES"]
            ?? NSTemporaryDirectory() + "seqbench-samples-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let rows = ReportSamples.rows(), comparisons = ComparisonSet(allRuns: [], trainedOnly: [], untrained: [])
        let files = [
            "seqbench-sample-accuracy.svg": SVGPlot.accuracyVersusFlops(rows),
            "seqbench-sample-cost.svg": SVGPlot.costVersusLength(rows, lengthKey: "task.length"),
            "seqbench-sample-report.md": Report.markdown(title: "seqbench sample report", rows: rows, comparisons: comparisons,
                                                        plots: ["seqbench-sample-accuracy.svg", "seqbench-sample-cost.svg"]),
            "seqbench-sample-summary.csv": Report.csv(rows),
            "seqbench-sample-table.txt": Report.terminalTable(rows, comparisons: comparisons) + "\n",
        ]
        for (name, content) in files { try content.write(toFile: dir + "/" + name, atomically: true, encoding: .utf8) }
        // With models registered by the tests: a style of its own, a fallback style, an unregistered model.
        RegistryTestModels.register()
        var plugins = rows
        for (name, source) in [("test_styled", "rnn"), ("test_unstyled", "lstm"), ("unregistered", "bilstm")] {
            plugins += rows.filter { $0.model == source }.map { var r = $0; r.model = name; r.accuracyMean -= 0.05; r.flopsForward *= 1.3; return r }
        }
        try SVGPlot.accuracyVersusFlops(plugins).write(toFile: dir + "/seqbench-sample-plugins.svg", atomically: true, encoding: .utf8)
        for name in files.keys.sorted() + ["seqbench-sample-plugins.svg"] {
            let text = try String(contentsOfFile: dir + "/" + name, encoding: .utf8)
            if name.hasSuffix(".svg") {
                let summary = SVGSummary.parse(text)
                XCTAssertNil(summary.error, "\(name) is well-formed XML")
                XCTAssertEqual(summary.elements["svg"], 1, name)
                XCTAssertFalse(summary.texts.isEmpty, "\(name) has labels")
            } else {
                XCTAssertTrue(rows.allSatisfy { text.contains($0.model) }, "\(name) names every model")
            }
        }
        XCTAssertTrue(try String(contentsOfFile: dir + "/seqbench-sample-plugins.svg", encoding: .utf8).contains("test_styled"))
    }
}
