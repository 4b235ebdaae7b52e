import Foundation
import SeqStore

/// The report of a random search: per model entry the chosen hyper-parameters, every trial's drawn values
/// and validation accuracy, and the trials plot (`search_trials.svg`).
enum SearchReport {
    struct Section {
        /// The runs of each entry's chosen trial on the re-run seeds (the rest of the report's runs).
        var finalRuns: [RunResult]
        var markdown: String
        var terminal: String
        var plots: [String]
    }

    static let plotName = "search_trials.svg"

    /// Writes the trials plot into `folder` and returns the section.
    static func write(runs: [RunResult], search: SearchPlan, folder: String) throws -> Section {
        let entries = SearchOutcome.entries(runs, search: search)
        try writeAtomically(SVGPlot.searchTrials(entries), to: folder + "/" + plotName)
        let chosen = chosenTable(entries, search: search)
        let intro = "Random search: \(search.n) trials per model (sampling seed \(search.seed)), each trained on seed "
            + "\(search.trialSeed); the trial with the best validation accuracy (ties: the lower trial) is re-run on seeds "
            + search.seeds.map(String.init).joined(separator: ", ")
            + ". The test split chooses nothing; the results and comparisons above are those re-runs."
        var md = ["## Search", intro, "### Chosen hyper-parameters", chosen.markdown()]
        for entry in entries {
            md += ["### Trials of \(entry.entry)", trialsTable(entry, search: search).markdown()]
        }
        let terminal = "Search: chosen per model (best validation accuracy of \(search.n) trials, seed \(search.trialSeed))\n\n"
            + chosen.plain()
        return Section(finalRuns: SearchOutcome.finalRuns(runs, entries: entries, search: search),
                       markdown: md.joined(separator: "\n\n"), terminal: terminal, plots: [plotName])
    }

    /// model, trial, val acc %, one column per searched key.
    private static func chosenTable(_ entries: [EntrySearch], search: SearchPlan) -> TextTable<EntrySearch> {
        var table = TextTable(entries)
        table.column("model", left: true) { $0.entry }
        table.column("trial") { e in e.chosen.map { String($0.index) } ?? (e.isComplete ? "none" : "\(e.trials.count)/\(e.planned) done") }
        table.column("val acc %") { e in e.best?.validationAccuracy.map { NumberFormat.fixed($0 * 100, 1) } ?? "-" }
        for key in search.keys { table.column(key) { $0.chosen?.values[key] ?? "-" } }
        return table
    }

    /// trial, one column per searched key, val acc %, a mark on the chosen one.
    private static func trialsTable(_ entry: EntrySearch, search: SearchPlan) -> TextTable<TrialRecord> {
        var table = TextTable(entry.trials)
        table.column("trial") { String($0.index) }
        for key in search.space(for: entry.entry).map(\.key).sorted() { table.column(key) { $0.values[key] ?? "-" } }
        table.column("val acc %") { t in t.failed ? "failed" : t.score.validationAccuracy.map { NumberFormat.fixed($0 * 100, 1) } ?? "-" }
        table.column("", left: true) { $0.index == entry.best?.trial ? "chosen" : "" }
        return table
    }
}
