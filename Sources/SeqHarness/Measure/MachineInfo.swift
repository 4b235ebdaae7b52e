import Foundation
import SeqStore
import SeqTensor

/// The machine this process runs on, as stored next to every measurement.
public enum MachineInfo {
    public static var current: MachineRecord {
        MachineRecord(cpu: cpuModelName(), cores: ComputeThreads.cores, threads: ComputeThreads.current,
                      seqbenchVersion: SeqbenchVersion.current, build: buildConfiguration)
    }

    public static var buildConfiguration: String {
        #if DEBUG
        return "debug"
        #else
        return "release"
        #endif
    }

    /// The warning every timing of a debug build carries.
    public static let debugWarning = "WARNING: this is a DEBUG build; its timings are not representative (build with `make` or `swift build -c release`)."

    private static func cpuModelName() -> String {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return "unknown" }
        for line in text.split(separator: "\n") where line.hasPrefix("model name") {
            if let colon = line.firstIndex(of: ":") { return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces) }
        }
        return "unknown"
    }
}

/// The machine's sgemm rate through seqbench's own GEMM function, in GFLOP/s: the reference that
/// a model's achieved GFLOP/s is compared with. Median of a few repetitions of an m×k · k×n product.
public func measureSgemmRate(m: Int = 512, n: Int = 512, k: Int = 512, repetitions: Int = 15) -> Double {
    var rng = SeededRNG(seed: 1, stream: "sgemm-rate")
    let a = (0..<(m * k)).map { _ in rng.uniform(-1, 1) }, b = (0..<(k * n)).map { _ in rng.uniform(-1, 1) }
    var c = [Float](repeating: 0, count: m * n)
    let samples = sampleLatency(warmup: 3, samples: repetitions, maxSeconds: 5) {
        GEMM.sgemm(transA: false, transB: false, m: m, n: n, k: k, a: a, lda: k, b: b, ldb: n, beta: 0, c: &c, ldc: n)
    }
    let median = Double(samples.sorted()[samples.count / 2])
    return 2 * Double(m * n * k) / median   // FLOP per ns = GFLOP/s
}
