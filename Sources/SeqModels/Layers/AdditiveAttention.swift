import SeqTensor

/// Additive attention pooling over packed rows, masked to each sequence's valid steps:
///   u_t = tanh(W_a h_t + b_a),  e_t = v·u_t,  α = softmax(e over valid t),  c = Σ_t α_t h_t.
/// Parameters: `proj.weight [A, D]`, `proj.bias [A]` (U(−1/√D, 1/√D)), `v [A]` (U(−1/√A, 1/√A)).
public final class AdditiveAttention {
    public let proj: Linear
    public let v: Parameter
    public let width: Int, attentionDim: Int

    let u = Workspace()        // [N, A] tanh(W_a h + b_a)
    let alpha = Workspace()    // [N]    attention weights
    let scratch = Workspace()  // [T]    one sequence's scores
    let dE = Workspace()       // [N]    d loss / d e
    let dU = Workspace()       // [N, A] d loss / d pre-tanh projection

    public init(prefix: String, width: Int, attentionDim: Int, rng: inout SeededRNG) {
        self.width = width; self.attentionDim = attentionDim
        proj = Linear(prefix: prefix + "proj.", inFeatures: width, outFeatures: attentionDim, rng: &rng)
        v = Parameter(name: prefix + "v", shape: [attentionDim])
        v.initUniform(bound: 1 / Float(attentionDim).squareRoot(), rng: &rng)
    }

    public var parameters: [Parameter] { proj.parameters + [v] }

    /// Attention weights of the last forward, per packed row.
    public var weights: UnsafePointer<Float> { UnsafePointer(alpha.pointer) }

    // forward: h [N, D] → context [B, D] (sequences in the layout's sorted order); saves u, alpha
    public func forward(context: UnsafeMutablePointer<Float>, h: UnsafePointer<Float>, layout: PackedLayout) {
        let N = layout.rows, A = attentionDim, D = width
        let u = self.u.reserve(N * A), alpha = self.alpha.reserve(N), e = scratch.reserve(layout.maxLength)
        proj.forward(y: u, x: h, rows: N)
        Elementwise.tanh(u, u, count: N * A)
        GEMM.sgemm(transA: false, transB: false, m: N, n: 1, k: A, a: u, lda: A, b: v.pointer, ldb: 1,
                   beta: 0, c: alpha, ldc: 1)
        for i in 0..<layout.batch {
            let len = layout.lengths[i]
            for t in 0..<len { e[t] = alpha[layout.row(step: t, sequence: i)] }
            Elementwise.softmax(e, count: len)
            let c = context + i * D
            c.update(repeating: 0, count: D)
            for t in 0..<len {
                let r = layout.row(step: t, sequence: i)
                alpha[r] = e[t]
                Elementwise.axpy(e[t], h + r * D, c, count: D)
            }
        }
    }

    /// Analytic cost on N packed rows: forward projection N·D·A, scores N·A, weighted sum N·D MACs,
    /// N·A tanh, N exp; backward dα N·D, dh N·D, dv N·A, du N·A MACs plus the projection's dW N·D·A
    /// and dh N·D·A.
    public func flops(layout: PackedLayout) -> LayerFlops {
        let N = layout.rows, A = attentionDim, D = width
        return LayerFlops(forward: FlopCount(macs: N * D * A + N * A + N * D, tanh: N * A, exp: N),
                          backward: FlopCount(macs: 2 * N * D + 2 * N * A + 2 * N * D * A))
    }

    // backward: dcontext [B, D], h [N, D] → dh [N, D] (+=), dproj.weight, dproj.bias, dv (+=)
    public func backward(dh: UnsafeMutablePointer<Float>, dcontext: UnsafePointer<Float>, h: UnsafePointer<Float>,
                         layout: PackedLayout) {
        let N = layout.rows, A = attentionDim, D = width
        let u = self.u.pointer, alpha = self.alpha.pointer
        let dE = self.dE.reserve(N), dU = self.dU.reserve(N * A)
        for i in 0..<layout.batch {
            let len = layout.lengths[i]
            let dc = dcontext + i * D
            // dα_t = dc·h_t; dh_t += α_t dc; softmax backward: de_t = α_t (dα_t − Σ_s α_s dα_s).
            var weighted: Float = 0
            for t in 0..<len {
                let r = layout.row(step: t, sequence: i)
                let dAlpha = Elementwise.dot(dc, h + r * D, count: D)
                dE[r] = dAlpha
                weighted += alpha[r] * dAlpha
                Elementwise.axpy(alpha[r], dc, dh + r * D, count: D)
            }
            for t in 0..<len {
                let r = layout.row(step: t, sequence: i)
                dE[r] = alpha[r] * (dE[r] - weighted)
            }
        }
        // e = u v: dv += uᵀ de; du = de vᵀ, then through tanh: dpre = du ⊙ (1 − u²).
        GEMM.sgemm(transA: true, transB: false, m: A, n: 1, k: N, a: u, lda: A, b: dE, ldb: 1,
                   beta: 1, c: v.gradPointer, ldc: 1)
        GEMM.sgemm(transA: false, transB: false, m: N, n: A, k: 1, a: dE, lda: 1, b: v.pointer, ldb: A,
                   beta: 0, c: dU, ldc: A)
        Elementwise.multiplyByTanhDerivative(dU, tanhOutput: u, count: N * A)
        proj.backward(dx: dh, accumulate: true, dy: dU, x: h, rows: N)
    }
}
