import SeqHarness
import SeqStore

/// The report's attention section, as `run`, `train`, `collect` and `report` gather it: the checkpoints are
/// read first (each announced to `Containment`, so `report` reads them in its reading phase), the models run
/// afterwards (`probe`).
enum ReportAttention {
    /// Loads the best checkpoint of one run per model entry (`AttentionReport.candidates`). One that cannot be
    /// read becomes a note for the report, not a failure of it.
    static func load(_ runs: [RunResult], folder: String) -> (loaded: [(entry: String, runID: String, checkpoint: LoadedCheckpoint)], notes: [String]) {
        var loaded: [(String, String, LoadedCheckpoint)] = [], notes: [String] = []
        for (entry, runID, path) in AttentionReport.candidates(runs, folder: folder) {
            Containment.willRead(path)
            do { loaded.append((entry, runID, try LoadedCheckpoint(path))) } catch { notes.append("\(entry): attention not shown: \(error)") }
        }
        return (loaded, notes)
    }

    /// Runs the loaded models on their test splits (after the reading phase).
    static func probe(_ loaded: (loaded: [(entry: String, runID: String, checkpoint: LoadedCheckpoint)], notes: [String]))
        -> (entries: [AttentionReport.Entry], notes: [String]) {
        let (entries, notes) = AttentionReport.probe(loaded.loaded)
        return (entries, loaded.notes + notes)
    }
}
