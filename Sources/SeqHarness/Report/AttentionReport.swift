import Foundation
import SeqStore

/// The report's "Attention" section: for one run of each model entry that has attention (the best checkpoint
/// of its first completed run), where its attention goes on the test split. Kept cheap: one checkpoint per
/// model entry, the test split only.
public enum AttentionReport {
    /// One model entry's probed run.
    public struct Entry: Sendable {
        public let entry: String, runID: String
        public let probe: AttentionProbe
    }

    /// The checkpoint to probe for each model entry: `folder/runs/<id>/best.h5` of its first run that did
    /// not fail and whose checkpoint is there, in order of first appearance. A run id that is not one folder
    /// name (`..`, a `/`: a damaged or hostile metrics.h5) is passed over, so nothing outside `folder/runs` is read.
    public static func candidates(_ runs: [RunResult], folder: String) -> [(entry: String, runID: String, checkpoint: String)] {
        var seen = Set<String>(), out: [(String, String, String)] = []
        for run in runs where run.status != .failed && !seen.contains(run.entry) {
            guard !run.runID.isEmpty, run.runID != ".", run.runID != "..", !run.runID.contains("/"), !run.runID.contains("\0") else { continue }
            let path = RunFolder(folder + "/runs/" + run.runID).best
            guard FileManager.default.fileExists(atPath: path) else { continue }
            seen.insert(run.entry)
            out.append((run.entry, run.runID, path))
        }
        return out
    }

    /// Probes the loaded checkpoints; models without attention are left out. A checkpoint that cannot be
    /// probed (its task data is gone) becomes a note instead of failing the report.
    public static func probe(_ loaded: [(entry: String, runID: String, checkpoint: LoadedCheckpoint)]) -> (entries: [Entry], notes: [String]) {
        var entries: [Entry] = [], notes: [String] = []
        for (entry, runID, checkpoint) in loaded {
            do { entries.append(Entry(entry: entry, runID: runID, probe: try AttentionProbe(checkpoint))) }
            catch let error as StoreError where error == AttentionProbe.noAttention(checkpoint) { continue }
            catch { notes.append("\(entry): attention not shown: \(error)") }
        }
        return (entries, notes)
    }

    /// Writes `attention_<entry>.svg` (statistics) and `attention_examples_<entry>.svg` (heatmap) per entry
    /// into `folder`; returns the Markdown section (nil when there is nothing to show).
    static func write(_ entries: [Entry], notes: [String], folder: String) throws -> String? {
        guard !entries.isEmpty || !notes.isEmpty else { return nil }
        var md = ["## Attention",
                  "Where attention models look, on the test split of one run per model (its best checkpoint). "
                  + "Normalised entropy = entropy of the weights / ln(length): 0 = all weight on one token, 1 = evenly spread. "
                  + "Position = where the largest weight sits, relative to the length: 0 = first token, 1 = last."]
        for e in entries {
            let name = fileName(e.entry)
            try writeAtomically(SVGPlot.attentionStatistics(e.probe.statistics, title: "Attention over the test split: \(e.entry) (run \(e.runID))"),
                                to: "\(folder)/attention_\(name).svg")
            try writeAtomically(SVGPlot.attentionHeatmap(e.probe.examples, title: "Attention on test examples: \(e.entry) (run \(e.runID))"),
                                to: "\(folder)/attention_examples_\(name).svg")
            md += ["### \(e.entry) (run \(e.runID))", e.probe.statistics.summary() + ".",
                   "```\n" + e.probe.statistics.table() + "\n```",
                   "![attention \(name)](attention_\(name).svg)", "![attention examples \(name)](attention_examples_\(name).svg)"]
        }
        md += notes.map { "- " + $0 }
        return md.joined(separator: "\n\n")
    }

    /// A model entry's label as a file-name part: letters, digits, `-` and `_`; anything else becomes `_`.
    static func fileName(_ entry: String) -> String {
        String(entry.unicodeScalars.map { s -> Character in
            (s.isASCII && (s.properties.isAlphabetic || ("0"..."9").contains(s))) || s == "-" || s == "_" ? Character(s) : "_"
        })
    }
}
