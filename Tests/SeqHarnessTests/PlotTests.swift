import Foundation
@testable import SeqHarness
import SeqTrain
import XCTest

/// The statistics plots: paired per-seed differences and learning curves.
final class PlotTests: XCTestCase {
    static func comparisons() -> [PairedDifferencePlotItem] {
        [
            PairedDifferencePlotItem(label: "bilstm_attention − bilstm · length=64", differences: [1.2, 0.8, 2.1, 1.5, 1.2, 0.4],
                                     seeds: [1, 2, 3, 4, 5, 6], interval: 0.58...1.82, mean: 1.2),
            PairedDifferencePlotItem(label: "lstm − rnn · length=64", differences: [-0.6, 0.9, 0.3], seeds: [1, 2, 3],
                                     interval: -1.6...1.67, mean: 0.2),
            PairedDifferencePlotItem(label: "bilstm − lstm", differences: [3.1, 2.7], seeds: [7, 8], interval: nil, mean: 2.9),
        ]
    }

    /// Histories of `epochs` records: accuracy rising towards about `top`, loss falling from about `loss0`
    /// towards a floor; each seed a little different, with some deterministic noise.
    static func history(_ epochs: Int, top: Double, loss0: Double, seed: Int) -> [EpochRecord] {
        (1...epochs).map { e in
            let t = Double(e), noise = sin(Double(seed * 131 + e * 17)), shift = Double(seed - 2) * 0.012
            return EpochRecord(epoch: e, trainLoss: (0.01 + loss0 * exp(-0.4 * t)) * (1 + 0.12 * noise), validationLoss: 0,
                               validationAccuracy: top + shift - (top - 0.3) * exp(-0.45 * t) + 0.01 * noise, seconds: 1)
        }
    }

    static func curves() -> [LearningCurveSeries] {
        let models: [(String, Double, Double, [Int])] = [
            ("rnn", 0.72, 1.4, [8, 9, 12, 12, 10]), ("lstm", 0.86, 1.3, [10, 14, 15, 11, 15]),
            ("bilstm", 0.9, 1.2, [15, 13, 15, 15, 12]), ("bilstm_attention", 0.95, 1.1, [9, 11, 7, 13, 10]),
        ]
        return models.map { name, top, loss, stops in
            LearningCurveSeries(model: name, histories: stops.enumerated().map { history($1, top: top, loss0: loss, seed: $0) })
        }
    }

    // MARK: - Paired differences

    func testPairedDifferencesDrawOneDotPerSeedAndIntervalsOnlyWhereGiven() {
        let items = Self.comparisons()
        let svg = SVGPlot.pairedDifferences(items, metric: "accuracy")
        let s = SVGSummary.parse(svg)
        XCTAssertNil(s.error, "\(s.error!)")
        XCTAssertEqual(s.elements["svg"], 1)
        XCTAssertEqual(s.classes["marker"], 11, "6 + 3 + 2 seeds")
        XCTAssertEqual(s.classes["zero"], 1)
        XCTAssertEqual(s.classes["interval"], 2, "the third comparison has no interval")
        XCTAssertEqual(s.classes["mean"], 3)
        XCTAssertEqual(s.classes["no-interval"], 1)
        XCTAssertTrue(s.texts.contains("no interval (n = 2)"), "\(s.texts)")
        XCTAssertTrue(s.texts.contains("accuracy difference (pp)"))
        for item in items { XCTAssertTrue(s.texts.contains(item.label), item.label) }
        XCTAssertTrue(svg.contains("seed 3: +2.1 pp"), "tooltips name the seed and its value")
        XCTAssertTrue(svg.contains("stroke-dasharray"), "the zero line is dashed")
        XCTAssertFalse(svg.contains("nan") || svg.contains("inf"))
    }

    func testPairedDifferencesAxisIncludesZero() {
        let item = PairedDifferencePlotItem(label: "a − b", differences: [4.1, 4.6, 5.2, 4.9], seeds: [1, 2, 3, 4],
                                            interval: 4.1...5.3, mean: 4.7)
        let svg = SVGPlot.pairedDifferences([item], metric: "accuracy")
        let s = SVGSummary.parse(svg)
        XCTAssertNil(s.error)
        XCTAssertTrue(s.texts.contains("0"), "a tick at 0: \(s.texts)")
        XCTAssertTrue(s.texts.contains("+5") || s.texts.contains("+6"), "positive ticks are signed: \(s.texts)")
        let zeroX = svg.range(of: "class=\"zero\" x1=\"").flatMap { Double(svg[$0.upperBound...].prefix { $0 != "\"" }) }
        XCTAssertNotNil(zeroX)
        let dotXs = svg.components(separatedBy: "class=\"marker\"").dropFirst().compactMap { part in
            part.range(of: "cx=\"").flatMap { Double(part[$0.upperBound...].prefix { $0 != "\"" }) }
        }
        XCTAssertEqual(dotXs.count, 4)
        XCTAssertTrue(dotXs.allSatisfy { $0 > zeroX! + 100 }, "dots well right of the zero line: \(dotXs) vs \(zeroX!)")
    }

    func testPairedDifferencesSkipNonFiniteAndHandleEmptyInput() {
        let item = PairedDifferencePlotItem(label: "x − y", differences: [1, .nan, -2, .infinity], seeds: [1, 2, 3, 4],
                                            interval: nil, mean: .nan)
        let s = SVGSummary.parse(SVGPlot.pairedDifferences([item], metric: "F1"))
        XCTAssertNil(s.error)
        XCTAssertEqual(s.classes["marker"], 2)
        XCTAssertNil(s.classes["interval"])
        XCTAssertNil(s.classes["mean"], "no mean to mark")
        XCTAssertTrue(s.texts.contains("no interval (n = 2)"))

        let svg = SVGPlot.pairedDifferences([], metric: "accuracy")
        let empty = SVGSummary.parse(svg)
        XCTAssertNil(empty.error)
        XCTAssertEqual(empty.elements["svg"], 1)
        XCTAssertTrue(empty.texts.contains("no comparisons"))
        XCTAssertNil(empty.classes["marker"])
    }

    func testCoincidingDotsAreSpreadDeterministically() {
        let offsets = SVGPlot.swarm([100, 100, 100, 150, 100.5], radius: 4.5, reach: 12)
        XCTAssertEqual(offsets, SVGPlot.swarm([100, 100, 100, 150, 100.5], radius: 4.5, reach: 12))
        XCTAssertEqual(offsets[3], 0, "a dot on its own stays on the row")
        XCTAssertEqual(Set(offsets[0..<3] + [offsets[4]]).count, 4, "four dots at one place, four heights")
        XCTAssertTrue(offsets.allSatisfy { abs($0) <= 12 }, "they stay within reach")
    }

    func testSpecialCharactersInLabelsAreEscaped() {
        let item = PairedDifferencePlotItem(label: "a<b> & \"c\"", differences: [1, 2, 3], seeds: [1, 2, 3], interval: 0...4, mean: 2)
        let svg = SVGPlot.pairedDifferences([item], metric: "acc<")
        let s = SVGSummary.parse(svg)
        XCTAssertNil(s.error, "\(s.error!)")
        XCTAssertTrue(s.texts.contains("a<b> & \"c\""))
        XCTAssertTrue(s.texts.contains("acc< difference (pp)"))
    }

    // MARK: - Learning curves

    func testLearningCurvesDrawOneMedianAndOneBandPerModelInEachPanel() {
        let series = Self.curves()
        let svg = SVGPlot.learningCurves(series)
        let s = SVGSummary.parse(svg)
        XCTAssertNil(s.error, "\(s.error!)")
        XCTAssertEqual(s.classes["median"], 8, "4 models × 2 panels")
        XCTAssertEqual(s.classes["band"], 8)
        XCTAssertEqual(s.classes["legend-marker"], 4)
        for model in series.map(\.model) { XCTAssertTrue(s.texts.contains(model), model) }
        for label in ["validation accuracy", "training loss", "validation accuracy (%)", "epoch"] {
            XCTAssertTrue(s.texts.contains(label), label)
        }
        XCTAssertTrue(svg.contains("fill-opacity=\"0.15\""))
        XCTAssertFalse(svg.contains("nan") || svg.contains("inf"))
    }

    func testCurvesUseTheSeedsThatReachedEachEpoch() {
        let histories = [Self.history(3, top: 0.9, loss0: 1, seed: 0), Self.history(5, top: 0.9, loss0: 1, seed: 1),
                         Self.history(4, top: 0.9, loss0: 1, seed: 2)]
        let points = SVGPlot.curve(histories, { $0.validationAccuracy }, positive: false)
        XCTAssertEqual(points.map(\.epoch), [1, 2, 3, 4, 5])
        XCTAssertEqual(points.map(\.seeds), [3, 3, 3, 2, 1])
        let third = histories.map { $0[2].validationAccuracy }.sorted()
        XCTAssertEqual(points[2].median, third[1])
        XCTAssertEqual(points[2].low, third[0])
        XCTAssertEqual(points[2].high, third[2])
        XCTAssertEqual(points[3].median, (histories[1][3].validationAccuracy + histories[2][3].validationAccuracy) / 2,
                       "two seeds: the mean of both")
        XCTAssertEqual(points[4].low, points[4].high)
    }

    func testNonFiniteLossesAreSkipped() {
        var diverged = Self.history(6, top: 0.8, loss0: 2, seed: 0)
        diverged[3].trainLoss = .nan; diverged[4].trainLoss = .infinity
        let losses = SVGPlot.curve([diverged], { $0.trainLoss }, positive: true)
        XCTAssertEqual(losses.map(\.epoch), [1, 2, 3, 6])
        let svg = SVGPlot.learningCurves([LearningCurveSeries(model: "rnn", histories: [diverged, Self.history(2, top: 0.7, loss0: 2, seed: 1)])])
        let s = SVGSummary.parse(svg)
        XCTAssertNil(s.error, "\(s.error!)")
        XCTAssertEqual(s.classes["median"], 2)
        XCTAssertEqual(s.classes["band"], 2)
        XCTAssertFalse(svg.contains("nan") || svg.contains("inf"))
    }

    func testLossAxisIsLogarithmicOnlyBeyondADecade() {
        let wide = SVGSummary.parse(SVGPlot.learningCurves(Self.curves()))   // 1.4 → about 0.007
        XCTAssertTrue(wide.texts.contains("training loss (log scale)"), "\(wide.texts)")
        let narrow = SVGSummary.parse(SVGPlot.learningCurves([LearningCurveSeries(model: "lstm", histories: [Self.history(3, top: 0.8, loss0: 1, seed: 0)])]))
        XCTAssertTrue(narrow.texts.contains("training loss"))
        XCTAssertFalse(narrow.texts.contains("training loss (log scale)"))
    }

    func testLearningCurvesWithoutDataAndWithOneEpoch() {
        let empty = SVGSummary.parse(SVGPlot.learningCurves([]))
        XCTAssertNil(empty.error)
        XCTAssertEqual(empty.texts.filter { $0 == "no data" }.count, 2)
        XCTAssertNil(empty.classes["median"])
        let one = SVGPlot.learningCurves([LearningCurveSeries(model: "rnn", histories: [Self.history(1, top: 0.8, loss0: 1, seed: 0)])])
        let s = SVGSummary.parse(one)
        XCTAssertNil(s.error)
        XCTAssertEqual(s.classes["median"], 2)
        XCTAssertTrue(one.contains(" h0\""), "a single epoch still shows as a dot")
    }

    /// Sample plots for a look by eye: written to SEQBENCH_REPORT_SAMPLES=DIR when set, else to a temporary folder.
    func testWriteSamplePlots() throws {
        let dir = ProcessInfo.processInfo.environment["SEQBENCH_REPORT_SAMPLES"]
            ?? NSTemporaryDirectory() + "seqbench-plots-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let files = [
            "seqbench-sample-differences.svg": SVGPlot.pairedDifferences(Self.comparisons(), metric: "accuracy"),
            "seqbench-sample-differences-empty.svg": SVGPlot.pairedDifferences([], metric: "accuracy"),
            "seqbench-sample-learning-curves.svg": SVGPlot.learningCurves(Self.curves()),
            "seqbench-sample-differences-crowded.svg": SVGPlot.pairedDifferences([
                PairedDifferencePlotItem(label: "bilstm_attention-hidden=256 − bilstm-hidden=256 · length=512, vocab=64",
                                         differences: (0..<20).map { 6 + Double($0 % 4) * 0.1 }, seeds: Array(1...20),
                                         interval: 6.05...6.25, mean: 6.15),
                PairedDifferencePlotItem(label: "lstm − rnn", differences: [12.5], seeds: [1], interval: nil, mean: 12.5),
                PairedDifferencePlotItem(label: "gru − lstm", differences: [0.2, 0.3, 0.2, 0.25], seeds: [1, 2, 3, 4],
                                         interval: 0.13...0.35, mean: 0.24),
            ], metric: "macro F1"),
            "seqbench-sample-learning-curves-short.svg": SVGPlot.learningCurves([
                LearningCurveSeries(model: "rnn", histories: [Self.history(1, top: 0.7, loss0: 0.5, seed: 0), Self.history(3, top: 0.7, loss0: 0.5, seed: 1)]),
                LearningCurveSeries(model: "a-plugin-model-with-a-long-name", histories: [Self.history(2, top: 0.8, loss0: 0.4, seed: 0)]),
            ]),
        ]
        for (name, svg) in files {
            try svg.write(toFile: dir + "/" + name, atomically: true, encoding: .utf8)
            XCTAssertNil(SVGSummary.parse(svg).error, name)
        }
    }
}
