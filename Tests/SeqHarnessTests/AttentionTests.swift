import Foundation
import SeqData
@testable import SeqHarness
import SeqModels
import SeqStore
import SeqTrain
import XCTest

/// The attention measures, the heatmap and the statistics plot, on weights made up for the purpose.
final class AttentionTests: XCTestCase {
    func testShapeOfOneHotUniformAndOneTokenWeights() throws {
        let oneHot = AttentionShape(weights: [0, 0, 1, 0, 0])
        XCTAssertEqual(oneHot.normalizedEntropy, 0)
        XCTAssertEqual(oneHot.peakPosition, 0.5, "position 2 of 0…4")
        let uniform = AttentionShape(weights: [Float](repeating: 0.25, count: 4))
        XCTAssertEqual(try XCTUnwrap(uniform.normalizedEntropy), 1, accuracy: 1e-6)
        XCTAssertEqual(uniform.peakPosition, 0, "the first of equal maxima")
        // Half the weight on each of 2 of 4 tokens: ln 2 / ln 4 = 0.5.
        XCTAssertEqual(try XCTUnwrap(AttentionShape(weights: [0, 0, 0.5, 0.5]).normalizedEntropy), 0.5, accuracy: 1e-6)
        XCTAssertEqual(AttentionShape(weights: [0.1, 0.2, 0.7]).peakPosition, 1)
        let single = AttentionShape(weights: [1])
        XCTAssertNil(single.normalizedEntropy); XCTAssertNil(single.peakPosition)
    }

    func testStatisticsGroupByClassAndSummariseHonestly() {
        let focused: [[Float]] = [[0, 1, 0, 0], [0.02, 0.96, 0.01, 0.01], [1]]
        let stats = AttentionStatistics(weights: focused, labels: [0, 0, 1], classNames: ["a", "b"])
        XCTAssertEqual(stats.classes.map(\.entropies.count), [2, 0])
        XCTAssertEqual(stats.singleTokenSequences, 1)
        XCTAssertEqual(stats.count, 2)
        XCTAssertEqual(try XCTUnwrap(stats.medianPosition), 1.0 / 3, accuracy: 1e-9)
        let summary = stats.summary()
        XCTAssertTrue(summary.hasPrefix("median normalised entropy 0.08 over 2 test sequences"), summary)
        XCTAssertTrue(summary.contains("nearly all its weight on one token"), summary)
        let pairs = AttentionStatistics(weights: [[0, 0, 0.5, 0.5]], labels: [0], classNames: ["a"])
        XCTAssertTrue(pairs.summary().contains("0.50") && pairs.summary().contains("spread over several tokens"), pairs.summary())
        let even = AttentionStatistics(weights: [[0.25, 0.25, 0.25, 0.25]], labels: [1], classNames: ["a", "b"])
        XCTAssertTrue(even.summary().contains("spread almost evenly"), even.summary())
        XCTAssertEqual(AttentionStatistics(weights: [[1]], labels: [0], classNames: ["a"]).summary(),
                       "no test sequence longer than one token: nothing to summarise")
        let lastRow = String(stats.table().split(separator: "\n").last!)
        XCTAssertTrue(lastRow.hasPrefix("b ") && lastRow.hasSuffix("-"), "a class without sequences shows no numbers: \(lastRow)")
    }

    func testHeatmapHasOneCellPerTokenWithItsWeightAndEscapedLabels() throws {
        let rows = [AttentionHeatmapRow(label: "<b>&\"x\"", detail: "→ one 0.90", tokens: ["<", "&", "a b", ""], weights: [0.1, 0.2, 0.3, 0.4]),
                    AttentionHeatmapRow(label: "short", detail: "", tokens: ["z"], weights: [1])]
        let svg = SVGPlot.attentionHeatmap(rows)
        let summary = SVGSummary.parse(svg)
        XCTAssertNil(summary.error, "well-formed XML")
        XCTAssertEqual(summary.classes["cell"], 5, "one cell per token")
        XCTAssertEqual(summary.classes["color-bar"], 1)
        XCTAssertTrue(summary.texts.contains("<b>&\"x\""), "the label, escaped in the SVG and read back whole")
        XCTAssertTrue(summary.texts.contains("a␣b") && summary.texts.contains("∅"), "spaces and the empty token are visible")
        // The weights ride on the cells exactly, so a reader can check them.
        let weights = svg.components(separatedBy: "data-weight=\"").dropFirst().map { Double($0.prefix { $0 != "\"" })! }
        XCTAssertEqual(weights, [0.1, 0.2, 0.3, 0.4, 1])
        // Darker for more weight: the largest weight gets the darkest colour.
        XCTAssertEqual(SVGPlot.heatColor(0), "#f7fbff")
        XCTAssertEqual(SVGPlot.heatColor(1), "#08306b")
        XCTAssertTrue(svg.contains("fill=\"#08306b\""), "the row with weight 1 (the largest) is darkest")
    }

    func testStatisticsPlotHasABoxPerClassWithData() {
        let stats = AttentionStatistics(weights: [[0, 1, 0], [0.5, 0.5, 0], [0.2, 0.3, 0.5]], labels: [0, 0, 1],
                                        classNames: ["english", "spanish", "empty"])
        let summary = SVGSummary.parse(SVGPlot.attentionStatistics(stats, title: "t"))
        XCTAssertNil(summary.error)
        XCTAssertEqual(summary.classes["box"], 4, "two classes with data × two panels")
        XCTAssertEqual(summary.classes["dot"], 6, "one dot per sequence and panel")
        XCTAssertEqual(summary.classes["row-label"], 3)
        XCTAssertTrue(summary.texts.contains("empty (0)"))
    }

    func testOutputFormatByExtension() throws {
        XCTAssertEqual(try PredictionFormat(path: "a/out.H5"), .hdf5)
        XCTAssertEqual(try PredictionFormat(path: "out.hdf5"), .hdf5)
        XCTAssertEqual(try PredictionFormat(path: "out.csv"), .csv)
        XCTAssertEqual(try PredictionFormat(path: "out.json"), .json)
        XCTAssertThrowsError(try PredictionFormat(path: "out.txt")) { error in
            XCTAssertTrue("\(error)".hasPrefix("out.txt: unknown output format '.txt'"), "\(error)")
        }
        XCTAssertEqual(try PredictionFormat(path: "dir.v2/out"), .hdf5, "no extension: HDF5, as before formats")
    }

    func testTextFileLines() throws {
        let path = NSTemporaryDirectory() + "seqbench-lines-\(UUID().uuidString).txt"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data("\u{FEFF}mañana\r\n\n  \nhouse\nlast".utf8).write(to: URL(fileURLWithPath: path))
        XCTAssertEqual(try TextInputs.lines(ofFile: path), ["mañana", "house", "last"])
        try Data([0x61, 0xff, 0x0a]).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try TextInputs.lines(ofFile: path)) { XCTAssertEqual("\($0)", "\(path): is not UTF-8 text") }
        try Data("\n \n".utf8).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try TextInputs.lines(ofFile: path)) { XCTAssertTrue("\($0)".contains("has no input"), "\($0)") }
    }

    /// The report probes one run per model entry: the first that did not fail and has its checkpoint, and never
    /// a path outside `runs/` named by a damaged run id.
    func testReportCandidatesAreOneRunPerEntryInsideTheFolder() throws {
        let folder = NSTemporaryDirectory() + "seqbench-candidates-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        for id in ["a.seed=1", "a.seed=2", "b.seed=1", "c.seed=1"] {
            try FileManager.default.createDirectory(atPath: "\(folder)/runs/\(id)", withIntermediateDirectories: true)
            FileManager.default.createFile(atPath: "\(folder)/runs/\(id)/best.h5", contents: Data())
        }
        FileManager.default.createFile(atPath: "\(folder)/best.h5", contents: Data())   // reachable as runs/../best.h5
        let config = RunConfig(model: "lstm", modelConfig: ModelConfig(), task: try TaskRegistry.resolve("contains"), train: TrainConfig(), seed: 1)
        func run(_ id: String, _ entry: String, _ status: RunResult.Status = .completed) -> RunResult {
            RunResult(runID: id, model: "lstm", entry: entry, seed: 1, status: status, config: config)
        }
        let runs = [run("..", "z"), run("a.seed=0", "a"), run("a.seed=1", "a", .failed), run("a.seed=2", "a"), run("a.seed=1", "a"),
                    run("b.seed=1", "b"), run("../c.seed=1", "c")]
        let chosen = AttentionReport.candidates(runs, folder: folder)
        XCTAssertEqual(chosen.map(\.entry), ["a", "b"])
        XCTAssertEqual(chosen.map(\.checkpoint), ["\(folder)/runs/a.seed=2/best.h5", "\(folder)/runs/b.seed=1/best.h5"])
    }
}
