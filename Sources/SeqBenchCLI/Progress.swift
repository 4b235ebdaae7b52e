import Foundation
import SeqHarness
import SeqStore

#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// Prints experiment progress: on a terminal one live line per run (epoch, loss, validation
/// accuracy, ETA), rewritten in place; otherwise plain log lines; nothing with `quiet`.
final class ProgressPrinter: @unchecked Sendable {
    let live: Bool
    let quiet: Bool
    private var runStart = ContinuousClock.now
    private var header = ""
    private let clock = ContinuousClock()

    /// A training worker's (`run --jobs`): plain lines, numbered as in the whole experiment (`index`/`total`).
    private let numbering: (index: Int, total: Int)?

    init(quiet: Bool, worker numbering: (index: Int, total: Int)? = nil) {
        self.quiet = quiet
        self.numbering = numbering
        // Workers print beside each other: whole lines only.
        live = numbering == nil && isatty(1) == 1
    }

    func handle(_ event: ProgressEvent) {
        if quiet { return }
        switch event {
        case .runStarted(let index, let total, let id, _):
            let (i, n) = numbering ?? (index, total)
            header = "[\(i)/\(n)] \(id)"
            runStart = clock.now
            emit(header + "  starting", final: false)
        case .runSkipped(let index, let total, let id):
            emit("[\(index)/\(total)] \(id)  complete, skipped", final: true)
        case .resumed(_, let epoch):
            emit(header + "  resuming after epoch \(epoch)", final: !live)
        case .epoch(_, let r, let epochs):
            let elapsed = (clock.now - runStart).seconds
            let eta = elapsed / Double(r.epoch) * Double(max(epochs - r.epoch, 0))
            emit(header + "  epoch \(r.epoch)/\(epochs)  loss \(NumberFormat.fixed(r.trainLoss, 4))  val acc \(NumberFormat.fixed(100 * r.validationAccuracy, 1)) %"
                 + "  ETA ≤ \(duration(eta))", final: !live)
        case .measuring:
            emit(header + "  counting FLOPs", final: !live)
        case .measuringLatency(let models, let runs):
            emit("measuring latency of \(models) model shape(s) for \(runs) run(s), interleaved", final: true)
        case .runFinished(_, let result):
            let accuracy = result.metrics[.testAccuracy].map { NumberFormat.fixed(100 * $0, 1) + " %" } ?? "-"
            emit(header + "  done: test acc \(accuracy), \(Int(result.metrics[.epochs] ?? 0)) epochs, "
                 + duration((clock.now - runStart).seconds) + (result.trainingNote.isEmpty ? "" : " — " + result.trainingNote),
                 final: true)
        case .runFailed(_, let reason):
            emit(header + "  FAILED: \(reason)", final: true)
        }
    }

    private func emit(_ line: String, final: Bool) {
        if live {
            print("\r\u{1B}[2K" + line, terminator: final ? "\n" : "")
        } else {
            print(line)
        }
        fflush(nil)
    }
}

func duration(_ seconds: Double) -> String {
    guard seconds.isFinite else { return "?" }
    let s = Int(seconds.rounded())
    return s >= 60 ? "\(s / 60)m\(s % 60 < 10 ? "0" : "")\(s % 60)s" : "\(s)s"
}
