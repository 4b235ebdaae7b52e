import Foundation
import SeqHarness
import SeqTensor
import XCTest

/// The paired statistics against scipy 1.17.1 (Resources/scipy_reference.json, made by
/// scripts/make_scipy_reference.py), plus the properties scipy cannot pin: bootstrap coverage and determinism,
/// verdict wording, the interval rule.
final class StatisticsTests: XCTestCase {
    struct Fixture: Decodable {
        struct TTest: Decodable {
            let name: String, a: [Double], b: [Double], statistic: Double, pvalue: Double, df: Int
            let mean: Double, median: Double, std: Double, interval95: [Double]
        }
        struct Wilcoxon: Decodable {
            let name: String, d: [Double], scipy_call: String, pvalue: Double, statistic: Double, asymptotic_pvalue: Double
        }
        struct Binomial: Decodable { let k: Int, n: Int, pvalue: Double }
        struct TPValue: Decodable { let t: Double, df: Double, pvalue: Double }
        struct TQuantile: Decodable { let p: Double, df: Double, quantile: Double }
        struct NormalCDF: Decodable { let x: Double, cdf: Double }
        struct NormalQuantile: Decodable { let p: Double, quantile: Double }
        struct Ratio: Decodable { let name: String, ratios: [Double], geometric_mean: Double, interval95: [Double] }
        let scipy_version: String
        let ttest_rel: [TTest]
        let wilcoxon: [Wilcoxon]
        let binomtest: [Binomial]
        let t_two_sided_pvalue: [TPValue]
        let t_quantile: [TQuantile]
        let normal_cdf: [NormalCDF]
        let normal_quantile: [NormalQuantile]
        let ratio_interval: [Ratio]
    }

    static let fixture: Fixture = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Resources/scipy_reference.json")
        do { return try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url)) } catch { fatalError("\(url.path): \(error)") }
    }()

    /// Relative agreement to 1e-9 (exact equality needed when scipy's value is 0).
    func assertClose(_ actual: Double?, _ expected: Double, rel: Double = 1e-9, _ message: @autoclosure () -> String = "",
                     file: StaticString = #filePath, line: UInt = #line) {
        guard let actual else { return XCTFail("nil, expected \(expected): \(message())", file: file, line: line) }
        XCTAssertLessThanOrEqual(abs(actual - expected), rel * abs(expected),
                                 "\(actual) vs scipy \(expected) (relative \(abs(actual - expected) / abs(expected))): \(message())",
                                 file: file, line: line)
    }

    func testFixtureComesFromThePinnedScipy() {
        XCTAssertEqual(Self.fixture.scipy_version, "1.17.1")
    }

    // MARK: - scipy reference values

    func testPairedSummaryTTestAndTIntervalMatchScipy() throws {
        XCTAssertGreaterThanOrEqual(Self.fixture.ttest_rel.count, 4)
        XCTAssertEqual(Set(Self.fixture.ttest_rel.map(\.a.count)).isSuperset(of: [3, 6, 12]), true)
        for c in Self.fixture.ttest_rel {
            let summary = PairedSummary(a: c.a, b: c.b)
            XCTAssertEqual(summary.n, c.df + 1)
            assertClose(summary.mean, c.mean, c.name)
            assertClose(summary.median, c.median, c.name)
            assertClose(summary.standardDeviation, c.std, c.name)
            let t = try XCTUnwrap(PairedStatistics.pairedT(summary.differences), c.name)
            XCTAssertEqual(t.test, .pairedT)
            assertClose(t.statistic, c.statistic, c.name)
            assertClose(t.pValue, c.pvalue, c.name)
            let interval = try XCTUnwrap(PairedStatistics.tInterval(summary.differences), c.name)
            assertClose(interval.lower, c.interval95[0], c.name)
            assertClose(interval.upper, c.interval95[1], c.name)
            XCTAssertEqual(interval.method, .studentT)
        }
    }

    func testStudentTPValuesAndQuantilesMatchScipy() {
        for c in Self.fixture.t_two_sided_pvalue {
            assertClose(StudentT.twoSidedPValue(c.t, df: c.df), c.pvalue, "t = \(c.t), df = \(c.df)")
            assertClose(2 * StudentT.cdf(-abs(c.t), df: c.df), c.pvalue, "cdf, t = \(c.t), df = \(c.df)")
        }
        for c in Self.fixture.t_quantile where c.p != 0.5 {
            assertClose(StudentT.quantile(c.p, df: c.df), c.quantile, "p = \(c.p), df = \(c.df)")
        }
        XCTAssertEqual(StudentT.quantile(0.5, df: 4), 0)
    }

    func testStandardNormalMatchesScipy() {
        for c in Self.fixture.normal_cdf { assertClose(StandardNormal.cdf(c.x), c.cdf, "x = \(c.x)") }
        for c in Self.fixture.normal_quantile where c.p != 0.5 { assertClose(StandardNormal.quantile(c.p), c.quantile, "p = \(c.p)") }
        XCTAssertEqual(StandardNormal.quantile(0.5), 0)
    }

    /// Exact for ≤ 50 nonzero differences, ties included (scipy's default for n ≤ 13 with ties or zeros is an
    /// exhaustive permutation test, the same distribution; for ties_n16 the reference is that permutation
    /// test run by hand); normal approximation above 50, and on request, against `method='asymptotic'`.
    func testWilcoxonMatchesScipy() throws {
        let cases = Self.fixture.wilcoxon
        XCTAssertTrue(cases.contains { $0.name == "all_positive_n6" && $0.pvalue == 0.03125 })
        XCTAssertTrue(cases.contains { $0.d.contains(0) })
        XCTAssertTrue(cases.contains { c in Set(c.d.map(abs)).count < c.d.count && !c.d.contains(0) })
        for c in cases {
            let result = try XCTUnwrap(PairedStatistics.wilcoxon(c.d), c.name)
            let nonzero = c.d.count { $0 != 0 }
            XCTAssertEqual(result.count, nonzero, c.name)
            XCTAssertEqual(result.test, nonzero <= 50 ? .wilcoxonExact : .wilcoxonNormal, c.name)
            assertClose(result.pValue, c.pvalue, "\(c.name), scipy: \(c.scipy_call)")
            XCTAssertEqual(result.statistic, c.statistic, c.name)
            let normal = try XCTUnwrap(PairedStatistics.wilcoxon(c.d, normalApproximation: true), c.name)
            XCTAssertEqual(normal.test, .wilcoxonNormal)
            assertClose(normal.pValue, c.asymptotic_pvalue, "\(c.name), scipy: method='asymptotic'")
        }
        XCTAssertEqual(PairedStatistics.wilcoxon([5.1, 4.5, 4.6, 6.8, 4.8, 4.7])?.pValue, 0.03125)
        XCTAssertEqual(PairedStatistics.wilcoxon([0, 0, 0])?.pValue, 1, "all zeros: nothing speaks for either side")
        XCTAssertNil(PairedStatistics.wilcoxon([]))
        XCTAssertEqual(PairedStatistics.defaultTest([1, 2, 3]), PairedStatistics.wilcoxon([1, 2, 3]))
    }

    func testBinomialTestMatchesScipy() {
        let pairs = Set(Self.fixture.binomtest.map { [$0.k, $0.n] })
        XCTAssertTrue(pairs.isSuperset(of: [[1, 10], [3, 7], [10, 30]]))
        for c in Self.fixture.binomtest {
            assertClose(PairedStatistics.binomialTwoSidedPValue(successes: c.k, trials: c.n), c.pvalue, "k = \(c.k), n = \(c.n)")
        }
        XCTAssertEqual(PairedStatistics.binomialTwoSidedPValue(successes: 0, trials: 0), 1)
    }

    func testMcNemarCountsDisagreementsAndUsesTheBinomialTest() throws {
        // 20 examples: both right on 8, both wrong on 2, only a right on 1, only b right on 9.
        let a = [Bool](repeating: true, count: 8) + [false, false] + [true] + [Bool](repeating: false, count: 9)
        let b = [Bool](repeating: true, count: 8) + [false, false] + [false] + [Bool](repeating: true, count: 9)
        let result = try XCTUnwrap(PairedStatistics.mcnemarExact(aCorrect: a, bCorrect: b))
        XCTAssertEqual(result.onlyACorrect, 1)
        XCTAssertEqual(result.onlyBCorrect, 9)
        let scipy = try XCTUnwrap(Self.fixture.binomtest.first { $0.k == 1 && $0.n == 10 })
        assertClose(result.pValue, scipy.pvalue)
        XCTAssertEqual(PairedStatistics.mcnemarExact(aCorrect: [true, false], bCorrect: [true, false]),
                       McNemarResult(onlyACorrect: 0, onlyBCorrect: 0, pValue: 1), "no disagreements: p = 1")
        XCTAssertNil(PairedStatistics.mcnemarExact(aCorrect: [true], bCorrect: []))
    }

    func testRatioIntervalMatchesScipy() throws {
        for c in Self.fixture.ratio_interval {
            let interval = try XCTUnwrap(PairedStatistics.ratioInterval(c.ratios), c.name)
            assertClose(interval.estimate, c.geometric_mean, c.name)
            assertClose(interval.lower, c.interval95[0], c.name)
            assertClose(interval.upper, c.interval95[1], c.name)
        }
    }

    // MARK: - Summary, intervals, bootstrap

    func testSummaryCountsWinsLossesTiesAndEdgeCases() {
        let s = PairedSummary(differences: [2, -1, 0, 3])
        XCTAssertEqual([s.wins, s.losses, s.ties], [2, 1, 1])
        XCTAssertEqual(s.median, 1)
        XCTAssertEqual(s.mean, 1)
        let one = PairedSummary(differences: [4])
        XCTAssertEqual(one.mean, 4)
        XCTAssertNil(one.standardDeviation)
        XCTAssertNil(PairedSummary(differences: []).mean)
        XCTAssertNil(PairedStatistics.tInterval([4]))
        XCTAssertNil(PairedStatistics.pairedT([0, 0, 0]), "t is 0/0")
        let flat = PairedStatistics.tInterval([0.5, 0.5, 0.5, 0.5])
        XCTAssertEqual(flat?.lower, flat?.upper, "no spread: a single point")
    }

    func testIntervalRuleSwitchesToBootstrapAtTenSeeds() throws {
        XCTAssertEqual(PairedStatistics.intervalMethod(forCount: 9), .studentT)
        XCTAssertEqual(PairedStatistics.intervalMethod(forCount: 10), .expandedBootstrapPercentile(resamples: 10_000))
        XCTAssertEqual(IntervalMethod.studentT.description, "Student t")
        XCTAssertEqual(IntervalMethod.expandedBootstrapPercentile(resamples: 10_000).description,
                       "expanded bootstrap percentile, 10 000 resamples")
        XCTAssertEqual(IntervalMethod.expandedBootstrapPercentile(resamples: 2000).description,
                       "expanded bootstrap percentile, 2000 resamples")
        let nine = (0..<9).map { Double($0) * 0.3 - 1 }
        XCTAssertEqual(PairedStatistics.interval(nine), PairedStatistics.tInterval(nine))
        let ten = (0..<10).map { Double($0) * 0.3 - 1 }
        XCTAssertEqual(PairedStatistics.interval(ten, seed: 7), PairedStatistics.bootstrapInterval(ten, seed: 7))
    }

    /// Box–Muller from the seeded generator: normal samples that are the same on every platform.
    static func normalSample(_ count: Int, mean: Double, sd: Double, _ g: inout SeededRNG) -> [Double] {
        (0..<count).map { _ in
            let u1 = 1 - g.nextUnitDouble(), u2 = g.nextUnitDouble()     // u1 in (0, 1], so log(u1) is finite
            return mean + sd * (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
        }
    }

    func testBootstrapIntervalCoversTheTrueMeanAbout95Percent() throws {
        var g = SeededRNG(seed: 20_240_611)
        var covered = 0
        let samples = 400
        for i in 0..<samples {
            let d = Self.normalSample(12, mean: 1, sd: 2, &g)
            let interval = try XCTUnwrap(PairedStatistics.bootstrapInterval(d, seed: UInt64(i)))
            if interval.contains(1) { covered += 1 }
        }
        let coverage = Double(covered) / Double(samples)
        XCTAssertGreaterThanOrEqual(coverage, 0.90, "coverage \(coverage)")
        XCTAssertLessThanOrEqual(coverage, 0.98, "coverage \(coverage)")
    }

    func testBootstrapIsDeterministicInItsSeed() throws {
        var g = SeededRNG(seed: 1)
        let d = Self.normalSample(12, mean: 0.5, sd: 1, &g)
        let first = try XCTUnwrap(PairedStatistics.bootstrapInterval(d, seed: 42))
        XCTAssertEqual(PairedStatistics.bootstrapInterval(d, seed: 42), first)
        XCTAssertNotEqual(PairedStatistics.bootstrapInterval(d, seed: 43), first)
        XCTAssertLessThan(first.lower, first.estimate)
        XCTAssertGreaterThan(first.upper, first.estimate)
        XCTAssertEqual(first.method, .expandedBootstrapPercentile(resamples: 10_000))
        XCTAssertNil(PairedStatistics.bootstrapInterval([1], seed: 0))
        let flat = PairedStatistics.bootstrapInterval([Double](repeating: 0.25, count: 12), seed: 3)
        XCTAssertEqual([flat?.lower, flat?.upper], [0.25, 0.25])
        // The generator itself (SeqTensor's SplitMix64) is pinned in KernelTests.testSplitMix64ReferenceValues.
    }

    func testRatioIntervalIsSymmetricUnderInversionAndNeedsTwoRounds() throws {
        let ratios = [1.2, 1.25, 1.1, 1.3]
        let interval = try XCTUnwrap(PairedStatistics.ratioInterval(ratios))
        let inverse = try XCTUnwrap(PairedStatistics.ratioInterval(ratios.map { 1 / $0 }))
        assertClose(inverse.lower, 1 / interval.upper)
        assertClose(inverse.upper, 1 / interval.lower)
        assertClose(interval.estimate, pow(1.2 * 1.25 * 1.1 * 1.3, 0.25))
        XCTAssertTrue(interval.excludes(1), "all four rounds are slower by 10…30 %")
        XCTAssertNil(PairedStatistics.ratioInterval([1.2]))
        XCTAssertNil(PairedStatistics.ratioInterval([1.2, 0]))
    }

    // MARK: - Verdicts

    func verdict(_ d: [Double], higherIsBetter: Bool = true) -> VerdictText {
        PairedStatistics.verdict(PairedSummary(differences: d), PairedStatistics.interval(d), metricName: "test accuracy",
                                 unit: "pp", nameA: "bilstm_attention", nameB: "bilstm", higherIsBetter: higherIsBetter)
    }

    func testVerdictSaysBetterOrWorseOnlyWhenTheIntervalExcludesZero() throws {
        let d = [5.1, 4.5, 4.6, 6.8, 4.8, 4.7]
        let ci = try XCTUnwrap(PairedStatistics.tInterval(d))
        let better = verdict(d)
        XCTAssertEqual(better.verdict, .better)
        XCTAssertEqual(better.text, "bilstm_attention is better than bilstm in test accuracy: +5.1 pp (95 % CI [+"
                       + String(format: "%.1f", ci.lower) + ", +" + String(format: "%.1f", ci.upper) + "], n = 6 seeds)")
        let worse = verdict(d.map { -$0 })
        XCTAssertEqual(worse.verdict, .worse)
        XCTAssertTrue(worse.text.hasPrefix("bilstm_attention is worse than bilstm in test accuracy: -5.1 pp (95 % CI [-"), worse.text)
        XCTAssertEqual(verdict(d, higherIsBetter: false).verdict, .worse, "for a loss, higher is worse")
    }

    func testVerdictWithZeroInsideTheInterval() {
        let v = verdict([1.0, -2.0, 2.5])
        XCTAssertEqual(v.verdict, .noDetectableDifference)
        let ci = PairedStatistics.tInterval([1.0, -2.0, 2.5])!
        XCTAssertEqual(v.text, "bilstm_attention vs bilstm, test accuracy: no detectable difference (95 % CI ["
                       + NumberFormat.signed(ci.lower, 1) + ", " + NumberFormat.signed(ci.upper, 1) + "], n = 3 seeds)")
        XCTAssertTrue(v.text.hasSuffix("n = 3 seeds)"))
    }

    func testVerdictWithTooFewSeedsGivesNoInterval() {
        let none = verdict([])
        XCTAssertEqual(none.verdict, .tooFewSeeds(needed: nil))
        XCTAssertTrue(none.text.contains("no seeds, so no interval can be given"), none.text)

        let one = verdict([5.2])
        XCTAssertEqual(one.verdict, .tooFewSeeds(needed: nil))
        XCTAssertEqual(one.text, "bilstm_attention vs bilstm, test accuracy: only 1 seed, so no interval can be given "
                       + "(difference +5.2 pp); the spread between seeds is unknown, so run at least 5 seeds")

        // Two seeds: mean 4, std 2√2 ≈ 2.83. t_{0.975,n−1}·s/√n is 3.182·2.83/2 = 4.50 ≥ 4 at n = 4 and
        // 2.776·2.83/√5 = 3.51 < 4 at n = 5, so 5 seeds.
        let two = verdict([6.0, 2.0])
        XCTAssertEqual(two.verdict, .tooFewSeeds(needed: 5))
        XCTAssertFalse(two.text.contains("CI"), "no interval with 2 seeds, although one exists mathematically")
        XCTAssertTrue(two.text.contains("only 2 seeds, so no interval can be given (difference +4.0 pp)"), two.text)
        XCTAssertTrue(two.text.contains("about 5 seeds would be needed"), two.text)

        let flatTwo = verdict([3.0, 3.0])
        XCTAssertEqual(flatTwo.verdict, .tooFewSeeds(needed: nil))
        XCTAssertTrue(flatTwo.text.contains("spread between seeds is unknown, so run at least 5 seeds"), flatTwo.text)
    }

    func testSeedsNeededIsTheSmallestCountWhoseIntervalExcludesZero() {
        for (mean, s) in [(1.0, 1.0), (0.3, 2.0), (-4.0, 2.8), (5.0, 0.1)] {
            let needed = PairedStatistics.seedsNeeded(mean: mean, standardDeviation: s)!
            func halfWidth(_ n: Int) -> Double { StudentT.quantile(0.975, df: Double(n - 1)) * s / Double(n).squareRoot() }
            XCTAssertLessThan(halfWidth(needed), abs(mean))
            if needed > 3 { XCTAssertGreaterThanOrEqual(halfWidth(needed - 1), abs(mean)) }
        }
        XCTAssertEqual(PairedStatistics.seedsNeeded(mean: 1, standardDeviation: 1), 7)
        XCTAssertEqual(PairedStatistics.seedsNeeded(mean: 5, standardDeviation: 0.1), 3, "never fewer than 3")
        XCTAssertNil(PairedStatistics.seedsNeeded(mean: 0, standardDeviation: 1))
        XCTAssertNil(PairedStatistics.seedsNeeded(mean: 1e-9, standardDeviation: 1), "beyond the limit")
    }
}
