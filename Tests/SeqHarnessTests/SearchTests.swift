@testable import SeqHarness
import SeqData
import SeqStore
import XCTest

/// Random search: sampling, its checks, selection and the planning of the re-runs.
final class SearchTests: XCTestCase {
    static func config(_ search: String, models: String = "[rnn, lstm]", extra: String = "") throws -> ExperimentConfig {
        try ExperimentConfig.parse(yaml: """
            task: {name: contains, length: 8, min_length: 3, train_size: 48, val_size: 16, test_size: 16}
            models: \(models)
            seeds: [3, 1, 2]
            \(extra)
            search:
            \(search)
            """, source: "s.yaml")
    }

    static let space = """
          n: 4
          seed: 7
          space:
            lr: {log_uniform: [1e-4, 1e-2]}
            train.clip: {uniform: [0.5, 5]}
            model.hidden: {choice: [8, 16, 32]}
            model.layers: {int: [1, 2]}
        """

    func testTrialsAreDrawnFromTheSeedPerEntryAndTrial() throws {
        let plan = try Self.config(Self.space).plan()
        let again = try Self.config(Self.space).plan()
        XCTAssertEqual(plan, again, "the same config plans the same trials")
        XCTAssertEqual(plan.runs.map(\.id), ["rnn-trial01.seed=3", "rnn-trial02.seed=3", "rnn-trial03.seed=3", "rnn-trial04.seed=3",
                                             "lstm-trial01.seed=3", "lstm-trial02.seed=3", "lstm-trial03.seed=3", "lstm-trial04.seed=3"])
        let search = try XCTUnwrap(plan.search)
        XCTAssertEqual(search.trialSeed, 3, "trials train on the first seed")
        XCTAssertEqual(search.seeds, [3, 1, 2])
        for run in plan.runs {
            let t = try XCTUnwrap(run.trial)
            XCTAssertEqual(Set(t.values.keys), ["train.lr", "train.clip", "model.hidden", "model.layers"])
            let lr = Double(run.config.train.learningRate), clip = Double(run.config.train.clip)
            XCTAssertTrue((1e-4...1e-2).contains(lr), "\(lr)")
            XCTAssertTrue((0.5...5).contains(clip), "\(clip)")
            XCTAssertTrue([8, 16, 32].contains(run.config.modelConfig.hidden))
            XCTAssertTrue([1, 2].contains(run.config.modelConfig.layers))
            XCTAssertEqual(run.settings["search.trial"], String(t.index))
            XCTAssertEqual(run.settings["train.lr"], t.values["train.lr"]!.description)
        }
        // Trials differ from one another, and another sampling seed draws other values.
        XCTAssertGreaterThan(Set(plan.runs.map { $0.config.train.learningRate }).count, 4)
        let other = try Self.config(Self.space.replacingOccurrences(of: "seed: 7", with: "seed: 8")).plan()
        XCTAssertNotEqual(other.runs.map(\.config.train.learningRate), plan.runs.map(\.config.train.learningRate))
        // A trial depends on its entry and number only: planning another set of models leaves lstm's unchanged.
        let alone = try Self.config(Self.space, models: "[lstm]").plan()
        XCTAssertEqual(alone.runs, plan.runs.filter { $0.model.name == "lstm" })
    }

    func testShardsSplitTheTrialsAndEveryShardPlansTheSame() throws {
        let plan = try Self.config(Self.space).plan()
        var seen: [PlannedRun] = []
        for i in 0..<3 {
            // Each shard plans from scratch (a Slurm task), then takes its share.
            let shardPlan = try Self.config(Self.space).plan()
            seen += try Shard(index: i, count: 3).runs(of: shardPlan)
        }
        XCTAssertEqual(seen.count, plan.runs.count)
        XCTAssertEqual(Set(seen.map(\.id)), Set(plan.runs.map(\.id)))
        for run in seen { XCTAssertEqual(run, plan.runs.first { $0.id == run.id }, run.id) }
    }

    func testSelectionTakesTheBestValidationAccuracyTiesToTheLowerTrial() {
        let scores = [TrialScore(trial: 1, validationAccuracy: 0.5), TrialScore(trial: 2, validationAccuracy: 0.75),
                      TrialScore(trial: 3, validationAccuracy: nil), TrialScore(trial: 4, validationAccuracy: 0.75),
                      TrialScore(trial: 5, validationAccuracy: .nan)]
        XCTAssertEqual(TrialSelection.best(scores)?.trial, 2)
        XCTAssertEqual(TrialSelection.best(scores.reversed())?.trial, 2, "the input order does not matter")
        XCTAssertNil(TrialSelection.best([TrialScore(trial: 1, validationAccuracy: nil)]))
        XCTAssertNil(TrialSelection.best([]))
    }

    /// The re-runs of the chosen trials, dealt over every (entry, seed) pair: shards split them exactly, and a
    /// shard's share does not depend on which entries are decided yet.
    func testRerunsAreTheChosenTrialOnEverySeedDealtOverShards() throws {
        let plan = try Self.config(Self.space).plan()
        func entry(_ label: String, best: Int?) -> EntrySearch {
            let trials = (1...4).map { TrialRecord(index: $0, values: [:], score: TrialScore(trial: $0, validationAccuracy: 0.1 * Double($0)),
                                                   failed: false) }
            return EntrySearch(entry: label, trials: trials, planned: 4, best: best.map { TrialScore(trial: $0, validationAccuracy: 0.4) })
        }
        let both = [entry("rnn", best: 4), entry("lstm", best: 2)]
        let all = SearchPhase.reruns(plan: plan, entries: both)
        XCTAssertEqual(all.map(\.id), ["rnn-trial04.seed=3", "rnn-trial04.seed=1", "rnn-trial04.seed=2",
                                       "lstm-trial02.seed=3", "lstm-trial02.seed=1", "lstm-trial02.seed=2"])
        let trial = try XCTUnwrap(plan.runs.first { $0.id == "lstm-trial02.seed=3" })
        XCTAssertEqual(all[3], trial, "the re-run on the trial seed is the trial itself")
        for run in all {
            XCTAssertEqual(run.config.train, plan.runs.first { $0.id == run.id.replacingOccurrences(of: #"seed=\d"#, with: "seed=3", options: .regularExpression) }!.config.train)
            XCTAssertEqual(plan.plannedRun(id: run.id), run, "a worker finds every re-run")
        }
        var dealt: [String] = []
        for i in 0..<4 {
            let shard = try Shard(index: i, count: 4)
            let share = SearchPhase.reruns(plan: plan, entries: both, shard: shard)
            let undecided = SearchPhase.reruns(plan: plan, entries: [both[0], entry("lstm", best: nil)], shard: shard)
            XCTAssertEqual(undecided.map(\.id), share.map(\.id).filter { $0.hasPrefix("rnn") }, "shard \(i)")
            dealt += share.map(\.id)
        }
        XCTAssertEqual(dealt.sorted(), all.map(\.id).sorted(), "every re-run in exactly one shard")
    }

    func testBadSearchesAreOneLineNamingTheLine() throws {
        func error(_ search: String, models: String = "[rnn, lstm]", extra: String = "") -> String {
            do { _ = try Self.config(search, models: models, extra: extra).plan(); return "no error" } catch { return "\(error)" }
        }
        let cases: [(String, String, String, String)] = [
            ("  n: 2\n  space:\n    lr: {normal: [1, 2]}", "[rnn]", "", "s.yaml:8: unknown distribution 'normal' for 'lr'"),
            ("  n: 2\n  space:\n    model.hidden: {uniform: [8, 64]}", "[rnn]", "", "s.yaml:8: 'model.hidden' is integer in 1…65536: draw it with int or choice"),
            ("  n: 2\n  space:\n    lr: {log_uniform: [0, 0.1]}", "[rnn]", "", "s.yaml:8: 'lr': log_uniform needs a positive low bound"),
            ("  n: 2\n  space:\n    lr: {uniform: [0.1, 2000]}", "[rnn]", "", "s.yaml:8: 'train.lr' must be a number in (0, 1000], got 2000"),
            ("  n: 2\n  space:\n    optimizer: {choice: [adam, rmsprop]}", "[rnn]", "", "s.yaml:8: 'train.optimizer' must be one of adam, adamw, sgd, got rmsprop"),
            ("  n: 2\n  space:\n    task.length: {int: [4, 8]}", "[rnn]", "", "s.yaml:8: 'task.length' cannot be searched; search model.* or train.* keys"),
            ("  n: 0\n  space:\n    lr: {uniform: [0.1, 0.2]}", "[rnn]", "", "s.yaml:6: 'search.n' must be an integer in 1…1000"),
            ("  trials: 2", "[rnn]", "", "s.yaml:6: unknown key 'search.trials'"),
            ("  n: 2\n  space:\n    hidden: {int: [4, 8]}", "[{name: rnn, hidden: 4}]", "", "s.yaml:2: the rnn entry fixes 'model.hidden', which the search draws"),
            ("  n: 2\n  space:\n    lr: {uniform: [0.1, 0.2]}", "[rnn]", "sweep: {train.epochs: [1, 2]}", "s.yaml:5: 'search' and 'sweep' cannot be combined"),
        ]
        for (search, models, extra, expected) in cases {
            let message = error(search, models: models, extra: extra)
            XCTAssertTrue(message.hasPrefix(expected), "\(search): \(message)")
            XCTAssertFalse(message.contains("\n"), message)
        }
    }

    /// A models entry's own `search:` replaces (or adds) keys of the space for that entry only.
    func testAnEntryMayDrawFromItsOwnSpace() throws {
        let plan = try Self.config(Self.space, models: "[rnn, {name: lstm, search: {lr: {uniform: [0.5, 0.6]}, model.attention_dim: {int: [3, 4]}}}]").plan()
        let search = try XCTUnwrap(plan.search)
        XCTAssertEqual(search.space(for: "lstm").map(\.key).sorted(), ["model.attention_dim", "model.hidden", "model.layers", "train.clip", "train.lr"])
        XCTAssertEqual(search.space(for: "rnn"), search.space)
        XCTAssertEqual(search.keys, ["model.attention_dim", "model.hidden", "model.layers", "train.clip", "train.lr"])
        for run in plan.runs where run.model.name == "lstm" {
            XCTAssertTrue((0.5...0.6).contains(Double(run.config.train.learningRate)), "\(run.config.train.learningRate)")
            XCTAssertTrue([3, 4].contains(run.config.modelConfig.attentionDim))
        }
        // The other entry's trials are those it has without the override.
        XCTAssertEqual(plan.runs.filter { $0.model.name == "rnn" }, try Self.config(Self.space).plan().runs.filter { $0.model.name == "rnn" })
        let decoded = try JSONDecoder().decode(ExperimentPlan.self, from: try JSONEncoder().encode(plan))
        XCTAssertEqual(decoded, plan)
        // Without a top-level search an entry's search is refused, not ignored.
        XCTAssertThrowsError(try ExperimentConfig.parse(yaml: "models: [{name: lstm, search: {lr: {uniform: [0.1, 0.2]}}}]", source: "e.yaml").plan()) {
            XCTAssertEqual("\($0)", "e.yaml:1: the lstm entry has its own 'search', but the config has no top-level 'search:' (n, seed, space)")
        }
        // An entry's space is checked like the top-level one.
        XCTAssertThrowsError(try Self.config(Self.space, models: "[{name: lstm, search: {hidden: {uniform: [4, 8]}}}]").plan()) {
            XCTAssertTrue("\($0)".hasPrefix("s.yaml:2: 'model.hidden' is integer in 1…65536: draw it with int or choice"), "\($0)")
        }
    }

    func testSetOverridesTheTrialsAndTheSeed() throws {
        var config = try Self.config(Self.space)
        try config.apply(override: "search.n=2")
        try config.apply(override: "search.seed=9")
        let plan = try config.plan()
        XCTAssertEqual(plan.search?.n, 2)
        XCTAssertEqual(plan.search?.seed, 9)
        XCTAssertEqual(plan.runs.count, 4)
    }

    func testFrozenPlanRoundTripsThroughJSON() throws {
        let plan = try Self.config(Self.space).plan()
        let decoded = try JSONDecoder().decode(ExperimentPlan.self, from: try JSONEncoder().encode(plan))
        XCTAssertEqual(decoded, plan)
        XCTAssertEqual(decoded.search, plan.search)
    }
}

/// The trials plot: well-formed SVG, a marker per scored trial, the best-so-far step line and the chosen ring.
final class SearchPlotTests: XCTestCase {
    func testTrialsPlotStepsUpOnlyWhereATrialBeatsTheEarlierOnes() throws {
        let accuracies: [Double?] = [0.5, 0.4, 0.7, nil, 0.6]
        let trials = accuracies.enumerated().map { i, a in
            TrialRecord(index: i + 1, values: ["train.lr": "0.001"], score: TrialScore(trial: i + 1, validationAccuracy: a), failed: a == nil)
        }
        let entry = EntrySearch(entry: "lstm", trials: trials, planned: 5, best: TrialSelection.best(trials.map(\.score)))
        XCTAssertEqual(entry.best?.trial, 3)
        let svg = SVGPlot.searchTrials([entry, EntrySearch(entry: "rnn", trials: [], planned: 5, best: nil)])
        let summary = SVGSummary.parse(svg)
        XCTAssertNil(summary.error, "well-formed XML")
        XCTAssertEqual(summary.classes["marker"], 4, "the failed trial has no marker")
        XCTAssertEqual(summary.classes["best-so-far"], 1, "a panel without trials has no line")
        XCTAssertEqual(summary.classes["chosen"], 1)
        XCTAssertTrue(summary.texts.contains("lstm · chosen: trial 3"), "\(summary.texts)")
        XCTAssertTrue(summary.texts.contains("rnn · 0 of 5 trials finished"), "\(summary.texts)")
        XCTAssertTrue(summary.texts.contains("no finished trial"))
        // The step's heights: 50 % (trials 1–2), 70 % from trial 3 on, held to the last trial.
        let start = try XCTUnwrap(svg.range(of: "class=\"best-so-far\" d=\""))
        let d = String(svg[start.upperBound...].prefix { $0 != "\"" })
        let ys = d.split(separator: " ").compactMap { part -> Double? in
            if part.hasPrefix("V") { return Double(part.dropFirst()) }
            if part.hasPrefix("M") { return Double(part.split(separator: ",")[1]) }
            return nil
        }
        XCTAssertEqual(ys.count, 4, d)
        XCTAssertEqual(ys[0], ys[1], "trial 2 is worse: the line stays")
        XCTAssertLessThan(ys[2], ys[1], "trial 3 is better: the line rises (smaller y)")
        XCTAssertEqual(ys[2], ys[3], "trial 5 is worse: the line stays")
    }
}
