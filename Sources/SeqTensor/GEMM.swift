import CDNNL
import Dispatch
import Synchronization

/// The one entry point for matrix products. Everything in seqbench multiplies through here, so
/// swapping the backend (Accelerate, another BLAS) is a one-file change and FLOP counting sees
/// every product.
///
/// Backend: oneDNN's `dnnl_sgemm` (row-major): it generates code for the CPU it finds, where Debian's
/// OpenBLAS can misdetect a recent CPU and fall back to slow generic kernels (docs/performance.md).
public enum GEMM {
    /// Row-major `C[M,N] = alpha · op(A)[M,K] · op(B)[K,N] + beta · C`, where `op(X)` is `Xᵀ`
    /// when the matching `trans` flag is set. Leading dimensions are row strides of the stored
    /// (untransposed) matrices, which lets callers address column blocks of wider buffers.
    @inline(__always)
    public static func sgemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
        alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float,
        c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        if m == 0 || n == 0 { return }
        FlopCounter.addMACs(m * n * k)
        if k == 0 {
            // Nothing to multiply: C = beta·C (oneDNN rejects K = 0).
            for i in 0..<m { scale(c + i * ldc, count: n, by: beta) }
            return
        }
        // Large products are split by rows of C across seqbench's threads, each running a single-threaded
        // dnnl_sgemm; the split depends only on the shape and the thread count, so results are
        // reproducible at a fixed thread count. Each part gets at least 2 M MACs and smaller products run
        // as one call: waking another thread for half of a smaller product costs more than it saves
        // (docs/performance.md). Inside a parallel section the product splits over that section's share only.
        let parts = min(ComputeThreads.available, m / 16, max(1, m * n * k / 2_097_152))
        if parts <= 1 {
            call(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
            return
        }
        let chunk = (m + parts - 1) / parts
        ComputeThreads.parallel(Array(stride(from: 0, to: m, by: chunk))) { first in
            let rows = min(chunk, m - first)
            // Row `first` of op(A): A advanced by rows when A is not transposed, by columns when it is.
            call(transA, transB, rows, n, k, alpha, a + (transA ? first : first * lda), lda, b, ldb, beta, c + first * ldc, ldc)
        }
    }

    @inline(__always)
    private static func call(_ transA: Bool, _ transB: Bool, _ m: Int, _ n: Int, _ k: Int, _ alpha: Float,
                             _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
                             _ beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int) {
        // OpenMP's thread count is per calling thread: keep oneDNN single-threaded on every thread.
        if omp_get_max_threads() != 1 { omp_set_num_threads(1) }
        let status = dnnl_sgemm(
            transA ? 0x54 : 0x4E, transB ? 0x54 : 0x4E,  // 'T' : 'N'
            dnnl_dim_t(m), dnnl_dim_t(n), dnnl_dim_t(k), alpha,
            a, dnnl_dim_t(lda), b, dnnl_dim_t(ldb), beta, c, dnnl_dim_t(ldc))
        precondition(status == dnnl_success,
                     "dnnl_sgemm failed (status \(status.rawValue)) for M \(m) N \(n) K \(k) lda \(lda) ldb \(ldb) ldc \(ldc)")
    }

    private static func scale(_ p: UnsafeMutablePointer<Float>, count: Int, by beta: Float) {
        if beta == 0 { p.update(repeating: 0, count: count) } else { for j in 0..<count { p[j] *= beta } }
    }
}

/// The threads seqbench computes with. oneDNN itself always runs single-threaded (its OpenMP workers
/// would spin between calls and fight seqbench's own threads for the cores); seqbench parallelises
/// itself: large GEMMs split by rows, recurrent time loops split by sequences and hidden units.
///
/// Every thread has a budget: the threads it may spread work over. The caller of a parallel section has
/// `current`; the section's workers share the caller's budget (two workers of a budget of 16 get 8 each), so
/// nested work — the time loop of one direction while the other direction runs beside it — uses its share
/// of the threads instead of one, and the threads at work never exceed `current`.
public enum ComputeThreads {
    nonisolated(unsafe) private static var count = 0

    /// Sets the thread count; `nil` or a non-positive value means one per core.
    public static func set(_ threads: Int?) {
        count = (threads ?? 0) > 0 ? threads! : cores
        omp_set_num_threads(1)
    }

    /// Threads in use now.
    public static var current: Int {
        if count == 0 { set(nil) }
        return count
    }

    /// Cores available to this process (its CPU affinity).
    public static var cores: Int { max(1, sysconfCores()) }

    /// Threads the caller may spread work over: its share inside a parallel section, `current` outside.
    public static var available: Int {
        if let budget = pthread_getspecific(budgetKey.value) { return Int(bitPattern: budget) }
        return current
    }

    /// The budgets of `workers` workers sharing `total` threads: as even as possible, each at least 1.
    static func shares(of total: Int, workers: Int) -> [Int] {
        (0..<workers).map { w in max(1, total / workers + (w < total % workers ? 1 : 0)) }
    }

    /// Runs `work(step, part)` for every step in 0..<steps and part in 0..<parts, the parts of a step
    /// concurrently, and step s only after every part of step s − 1 has finished (its writes visible).
    ///
    /// Threads claim (step, part) units in order from a shared counter and wait only for units already
    /// claimed, so the pipeline completes even if the threads run one after another (on a loaded machine,
    /// or fewer of them started than asked for): a busy wait never waits for work nobody has taken.
    public static func pipeline(steps: Int, parts: Int, _ work: (_ step: Int, _ part: Int) -> Void) {
        let total = steps * parts
        guard parts > 1, available > 1 else {
            for unit in 0..<total { work(unit / parts, unit % parts) }
            return
        }
        let progress = PipelineProgress()
        parallel(Array(0..<min(parts, available))) { _ in
            while true {
                let unit = progress.claimed.wrappingAdd(1, ordering: .relaxed).oldValue
                if unit >= total { return }
                let step = unit / parts
                // Every part of the previous step done; acquiring pairs with the releasing increments below.
                var polls = 0
                while progress.finished.load(ordering: .acquiring) < step * parts {
                    // On an oversubscribed core, let the thread being waited for run; not sooner than ~16 K polls
                    // (tens of µs), since yielding more often slows the short steps of one sequence.
                    polls += 1
                    if polls & 16383 == 0 { sched_yield() }
                }
                work(step, unit % parts)
                progress.finished.wrappingAdd(1, ordering: .releasing)
            }
        }
    }

    private static let budgetKey: UncheckedSendable<pthread_key_t> = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return UncheckedSendable(key)
    }()

    /// Runs `body` for each item on at most `available` threads at once (worker w takes items w, w + workers,
    /// …); returns when all are done. The workers share the caller's budget (`available` inside `body` is the
    /// worker's share). Work split this way is deterministic: each item's arithmetic does not depend on the
    /// others.
    public static func parallel<Item>(_ items: [Item], _ body: (Item) -> Void) {
        let workers = min(items.count, available)
        if workers <= 1 {
            for item in items { body(item) }
            return
        }
        let budgets = shares(of: available, workers: workers)
        // The items write disjoint memory (the caller's contract), so sharing them across threads is safe.
        withoutActuallyEscaping(body) { body in
            let shared = UncheckedSendable((items, body, budgets))
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                let key = budgetKey.value
                let outer = pthread_getspecific(key)
                pthread_setspecific(key, UnsafeRawPointer(bitPattern: shared.value.2[w]))
                defer { pthread_setspecific(key, outer) }
                for i in stride(from: w, to: shared.value.0.count, by: workers) { shared.value.1(shared.value.0[i]) }
            }
        }
    }
}

/// The shared counters of one `ComputeThreads.pipeline`.
private final class PipelineProgress: Sendable {
    let claimed = Atomic<Int>(0), finished = Atomic<Int>(0)
}

/// A value handed to other threads on the caller's promise that it is used safely there.
public struct UncheckedSendable<Value>: @unchecked Sendable {
    public let value: Value
    public init(_ value: Value) { self.value = value }
}

#if canImport(Glibc)
import Glibc
/// Cores this process may run on: its CPU affinity (what `taskset` or Slurm's --cpus-per-task leave it),
/// else the online processors.
private func sysconfCores() -> Int {
    var mask = [UInt64](repeating: 0, count: 16)   // 1024 CPUs, glibc's cpu_set_t
    let ok = mask.withUnsafeMutableBytes { sched_getaffinity_(0, $0.count, $0.baseAddress!) } == 0
    let count = ok ? mask.reduce(0) { $0 + $1.nonzeroBitCount } : 0
    return count > 0 ? count : Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
}

// glibc declares sched_getaffinity only under _GNU_SOURCE, which Swift's Glibc module does not set.
@_silgen_name("sched_getaffinity")
private func sched_getaffinity_(_ pid: Int32, _ size: Int, _ mask: UnsafeMutableRawPointer) -> Int32
#else
import Darwin
private func sysconfCores() -> Int { Int(sysconf(_SC_NPROCESSORS_ONLN)) }
#endif
