import CDNNL
import Dispatch

/// The one entry point for matrix products. Everything in seqbench multiplies through here, so
/// swapping the backend (Accelerate, another BLAS) is a one-file change and FLOP counting sees
/// every product.
///
/// Backend: oneDNN's `dnnl_sgemm` (row-major). Debian's OpenBLAS misdetects this machine's CPU
/// and runs 4–5× slower (DESIGN.md §5).
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

/// Threads used by the GEMM library (OpenMP) and by seqbench's own parallel loops.
public enum ComputeThreads {
    /// Sets the thread count; `nil` or a non-positive value means one per core.
    public static func set(_ threads: Int?) {
        let n = (threads ?? 0) > 0 ? threads! : cores
        omp_set_num_threads(Int32(n))
    }

    /// Threads in use now.
    public static var current: Int { Int(omp_get_max_threads()) }

    /// Online processor cores.
    public static var cores: Int { max(1, sysconfCores()) }

    /// Runs `body` for each item, concurrently when there are several, each on its own thread with
    /// single-threaded GEMMs (the items are the parallelism). Returns when all are done. Work split this
    /// way is deterministic: each item's arithmetic does not depend on the others.
    public static func parallel<Item>(_ items: [Item], _ body: (Item) -> Void) {
        if items.count <= 1 {
            for item in items { body(item) }
            return
        }
        // The items write disjoint memory (the caller's contract), so sharing them across threads is safe.
        withoutActuallyEscaping(body) { body in
            let shared = UncheckedSendable((items, body))
            DispatchQueue.concurrentPerform(iterations: items.count) { i in
                let saved = omp_get_max_threads()
                omp_set_num_threads(1)
                defer { omp_set_num_threads(saved) }
                shared.value.1(shared.value.0[i])
            }
        }
    }
}

#if canImport(Glibc)
import Glibc
private func sysconfCores() -> Int { Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))) }
#else
import Darwin
private func sysconfCores() -> Int { Int(sysconf(_SC_NPROCESSORS_ONLN)) }
#endif

/// A value handed to other threads on the caller's promise that it is used safely there.
struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
