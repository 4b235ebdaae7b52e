import SeqTensor

// One direction of one recurrent layer (PyTorch nn.RNN with tanh, nn.LSTM), on packed rows.
//
// Dimension letters: N packed rows (= Σ lengths), I input width, H hidden, G gates per cell
// (RNN 1; LSTM 4, stacked i, f, g, o as in PyTorch), T padded length, B_t rows at step t.
//
// Speed structure (docs/performance.md): the input projection of all steps is one GEMM; each step is one
// product over the rows that have a previous state plus one fused gate kernel (which also adds the
// biases); backward runs one fused gate-gradient kernel and one product per step, then dW_ih, dW_hh and
// dX as one GEMM each over all steps. The step products use W_hh packed once per pass (PanelGEMM), or,
// for one to three sequences, W_hh as stored (RowGEMV). The time loop, forward and backward, is split across
// threads by sequences and, with few sequences per thread and a large W_hh, also by hidden units with the
// threads meeting at every step (StepSplit). Buffers are Workspaces sized once per batch shape; nothing
// allocates inside the time loop.

/// The recurrent cell of a layer.
public enum CellKind: String, Sendable {
    /// h_t = tanh(W_ih x_t + b_ih + W_hh h_{t−1} + b_hh)
    case rnn
    /// PyTorch's LSTM, gate order i, f, g, o.
    case lstm

    /// Gate blocks stacked in the rows of W_ih / W_hh.
    public var gates: Int { self == .rnn ? 1 : 4 }
}

/// One direction of one recurrent layer. Parameters (PyTorch names and shapes, U(−1/√H, 1/√H)):
/// `weight_ih_l{k}[_reverse] [G·H, I]`, `weight_hh_l{k} [G·H, H]`, `bias_ih_l{k} [G·H]`, `bias_hh_l{k} [G·H]`.
/// The reverse direction runs each sequence from its last valid step back to step 0.
public final class RecurrentDirection {
    public let cell: CellKind
    public let reverse: Bool
    public let inputSize: Int, hidden: Int
    public let weightIH: Parameter, weightHH: Parameter, biasIH: Parameter, biasHH: Parameter

    // Saved by forward for backward.
    let acts = Workspace()       // [N, G·H] gate activations (LSTM i,f,g,o after σ/tanh; RNN h)
    let cells = Workspace()      // [N, H]   c_t (LSTM)
    let tanhCells = Workspace()  // [N, H]   tanh(c_t) (LSTM)
    let hPrev = Workspace()      // [N, H]   h of the previous step, aligned with each step's rows; 0 at a sequence's start
    let gateBias = Workspace()   // [G·H]    b_ih + b_hh, added by the cell kernels
    // Backward scratch.
    let dGates = Workspace()     // [N, G·H] d loss / d gate pre-activations
    let dhPrev = Workspace()     // [N, H]   d loss / d hPrev rows
    let dcPrev = Workspace()     // [N, H]   d loss / d cPrev rows (LSTM)
    let biasGradient = Workspace()   // [G·H]  column sums of dGates
    let stepWeights = PackedPanels()       // W_hhᵀ [H, G·H] packed for the forward step products
    let stepWeightsBackward = PackedPanels()   // W_hh [G·H, H] packed for the backward step products

    public init(cell: CellKind, layer: Int, reverse: Bool, inputSize: Int, hidden: Int, prefix: String,
                rng: inout SeededRNG) {
        self.cell = cell; self.reverse = reverse; self.inputSize = inputSize; self.hidden = hidden
        let suffix = "_l\(layer)" + (reverse ? "_reverse" : "")
        let gh = cell.gates * hidden
        weightIH = Parameter(name: prefix + "weight_ih" + suffix, shape: [gh, inputSize])
        weightHH = Parameter(name: prefix + "weight_hh" + suffix, shape: [gh, hidden])
        biasIH = Parameter(name: prefix + "bias_ih" + suffix, shape: [gh])
        biasHH = Parameter(name: prefix + "bias_hh" + suffix, shape: [gh])
        let bound = 1 / Float(hidden).squareRoot()
        for p in parameters { p.initUniform(bound: bound, rng: &rng) }
    }

    /// W_hh entries from which a step of one to three sequences reads W_hh as stored instead of packed: half
    /// a core's L2 (from sysfs; 512 KB on the development machines), where the measured cross-over lies. A
    /// variable so that tests can reach that path with small layers.
    nonisolated(unsafe) static var largeStepWeights = CPUCaches.level2Bytes / 8

    /// In PyTorch state_dict order.
    public var parameters: [Parameter] { [weightIH, weightHH, biasIH, biasHH] }

    /// The step processed before / after step t in this direction's time order.
    @inline(__always) fileprivate func previousStep(_ t: Int) -> Int { reverse ? t + 1 : t - 1 }
    @inline(__always) fileprivate func nextStep(_ t: Int) -> Int { reverse ? t - 1 : t + 1 }

    /// Steps in this direction's processing order.
    fileprivate func steps(_ T: Int) -> StrideTo<Int> {
        reverse ? stride(from: T - 1, to: -1, by: -1) : stride(from: 0, to: T, by: 1)
    }

    // forward: x [N, I] → out [N, ·] (h_t written at out + row·ldOut, H wide)
    //          keep: saves acts, cells, tanhCells and hPrev (h_{t−1} copied to rows aligned with step t, for
    //          backward's dW_hh) for backward
    //          !keep (inference): each step reads h_{t−1} from out where the previous step wrote it, nothing is
    //          copied and the activations are not stored. Same results.
    //          c_{t−1} is always read from cells where the previous step wrote it.
    public func forward(out: UnsafeMutablePointer<Float>, ldOut: Int, x: UnsafePointer<Float>, layout: PackedLayout,
                        keep: Bool = true) {
        let N = layout.rows, H = hidden, G = cell.gates, GH = G * H
        let acts = self.acts.reserve(N * GH)
        // (keep) Rows of hPrev without a previous step are zeroed by the time loop; the others receive h_{t−1}.
        let hPrev = keep ? self.hPrev.reserve(N * H) : out
        let cells = cell == .lstm ? self.cells.reserve(N * H) : hPrev
        let tanhCells = cell == .lstm && keep ? self.tanhCells.reserve(N * H) : cells

        // Input projection of every step at once; the cell kernels add both biases.
        let bias = gateBias.reserve(GH)
        for j in 0..<GH { bias[j] = biasIH.pointer[j] + biasHH.pointer[j] }
        GEMM.sgemm(transA: false, transB: true, m: N, n: GH, k: inputSize,
                   a: x, lda: inputSize, b: weightIH.pointer, ldb: inputSize, beta: 0, c: acts, ldc: GH)

        // W_hh is used by every step: packed once here into the layout the step kernel streams (PanelGEMM).
        // With one to three sequences and a W_hh larger than a core's L2 (≥ 512 KB), a step is bound by
        // reading W_hh from L3 and RowGEMV reads it as it is, saving the packing pass (and the threads can
        // share its rows, below). Where W_hh fits L2, packed is faster: RowGEMV's per-output reductions then
        // cost as much as its FMAs. The cross-over is measured (docs/performance.md).
        let largeWeights = cell.gates * H * H >= Self.largeStepWeights
        let packed = layout.batch >= 4 || !largeWeights
        // Training (keep) changes W_hh between passes: no copy kept to recognise it.
        if packed { stepWeights.pack(weightHH.pointer, rows: H, columns: GH, transposed: true, reuse: !keep) }
        let buffers = StepBuffers(out: out, ldOut: ldOut, acts: acts, hPrev: hPrev, cells: cells,
                                  tanhCells: tanhCells, bias: bias, packed: packed, keep: keep)
        // How the threads share the time loop (StepSplit): groups of sequences, which are independent, and within
        // a group the hidden units of every step, each part computing the gates and cells of its own units
        // (reading only their rows of W_hh); step t + 1 starts when every part of step t is done.
        let split = StepSplit.plan(batch: layout.batch, hidden: H, gates: G, asStored: !packed,
                                   threads: ComputeThreads.available)
        let groups = split.sequenceRanges(layout)
        let units = split.unitRanges(hidden: H, granularity: packed ? 32 : 16)
        if units.count > 1 {
            let order = Array(steps(layout.maxLength))
            ComputeThreads.pipeline(steps: order.count, parts: groups.count * units.count) { s, part in
                forwardStep(order[s], groups[part / units.count], units[part % units.count], buffers, layout)
            }
        } else {
            ComputeThreads.parallel(groups) { range in
                for t in steps(layout.maxLength) { forwardStep(t, range, 0..<H, buffers, layout) }
            }
        }
    }

    /// Rows of step t that belong to `range`: (first packed row, count), count 0 when none.
    @inline(__always)
    fileprivate func rows(_ t: Int, _ range: Range<Int>, _ layout: PackedLayout) -> (row0: Int, count: Int) {
        (layout.offsets[t] + range.lowerBound, max(0, min(range.upperBound, layout.batchSizes[t]) - range.lowerBound))
    }

    /// Of `range`'s rows at step t, those whose sequence is still running at step `other` (a prefix).
    @inline(__always)
    fileprivate func rowsAlsoAt(_ other: Int, _ t: Int, _ range: Range<Int>, _ layout: PackedLayout) -> Int {
        guard other >= 0 && other < layout.maxLength else { return 0 }
        return max(0, min(range.upperBound, layout.batchSizes[t], layout.batchSizes[other]) - range.lowerBound)
    }

    /// Where a forward pass keeps its per-step state (see `forward`).
    fileprivate struct StepBuffers {
        let out: UnsafeMutablePointer<Float>, ldOut: Int
        let acts, hPrev, cells, tanhCells: UnsafeMutablePointer<Float>
        let bias: UnsafePointer<Float>
        let packed: Bool
        /// Save for backward: h_{t−1} copied to rows aligned with step t, activations and tanh(c) stored.
        let keep: Bool
    }

    /// Step t for the sequences `range` and the hidden `units`: the recurrent product into their gates, the
    /// cell, and h_t (c_t) handed to the rows of the next step.
    private func forwardStep(_ t: Int, _ range: Range<Int>, _ units: Range<Int>, _ b: StepBuffers, _ layout: PackedLayout) {
        let H = hidden, GH = cell.gates * hidden
        let (row0, count) = rows(t, range, layout)
        if count == 0 { return }
        let withPrev = rowsAlsoAt(previousStep(t), t, range, layout)
        /// Copies (or zeroes, when `from` is nil) these units of `rows` rows, row stride H at the destination.
        func copyUnits(_ rows: Int, to dst: UnsafeMutablePointer<Float>, from src: UnsafePointer<Float>?, ldSrc: Int) {
            for r in 0..<rows {
                let d = dst + r * H + units.lowerBound
                if let src { d.update(from: src + r * ldSrc + units.lowerBound, count: units.count) }
                else { d.update(repeating: 0, count: units.count) }
            }
        }
        // The previous state of the step's first `withPrev` rows (the others start here: h = c = 0). h_{t−1}: from
        // aligned rows that the previous step filled and whose other rows are zeroed here (keep), or where the
        // previous step left it (its rows in out); c_{t−1}: where the previous step left it (its rows in cells).
        let previous = withPrev > 0 ? layout.offsets[previousStep(t)] + range.lowerBound : row0
        let cPrev = UnsafePointer(b.cells + previous * H)
        let a: UnsafePointer<Float>, lda: Int
        if b.keep {
            // Sequences starting here: h_{−1} = 0 (read by backward's dW_hh).
            if withPrev < count { copyUnits(count - withPrev, to: b.hPrev + (row0 + withPrev) * H, from: nil, ldSrc: 0) }
            (a, lda) = (UnsafePointer(b.hPrev + row0 * H), H)
        } else {
            (a, lda) = (UnsafePointer(b.out + previous * b.ldOut), b.ldOut)
        }
        if b.packed && units.count == H {
            PanelGEMM.multiply(m: withPrev, a: a, lda: lda, b: stepWeights, c: b.acts + row0 * GH, ldc: GH,
                               accumulate: true)
        } else if b.packed {
            // Part of the units (on 32-column boundaries, H a multiple of 32): their panels of every gate.
            for gate in 0..<cell.gates {
                let first = (gate * H + units.lowerBound) / 32, last = (gate * H + units.upperBound + 31) / 32
                PanelGEMM.multiply(m: withPrev, a: a, lda: lda, b: stepWeights, c: b.acts + row0 * GH,
                                   ldc: GH, accumulate: true, panels: first..<last)
            }
        } else {
            for gate in 0..<cell.gates {
                RowGEMV.multiply(m: withPrev, a: a, lda: lda, w: weightHH.pointer, n: GH, k: H,
                                 c: b.acts + row0 * GH, ldc: GH, accumulate: true,
                                 columns: (gate * H + units.lowerBound)..<(gate * H + units.upperBound))
            }
        }
        switch cell {
        case .lstm:
            lstmCellForward(out: b.out + row0 * b.ldOut, ldOut: b.ldOut, cells: b.cells + row0 * H,
                            tanhCells: b.tanhCells + row0 * H, gates: b.acts + row0 * GH, bias: b.bias,
                            cPrev: cPrev, prevRows: withPrev, rows: count, hidden: H, units: units, keep: b.keep)
        case .rnn:
            rnnCellForward(out: b.out + row0 * b.ldOut, ldOut: b.ldOut, gates: b.acts + row0 * GH, bias: b.bias,
                           rows: count, hidden: H, units: units, keep: b.keep)
        }
        // Hand h_t to the next step's aligned rows.
        let n = nextStep(t)
        let handed = b.keep ? rowsAlsoAt(n, t, range, layout) : 0
        if handed > 0 {
            let dst = layout.offsets[n] + range.lowerBound
            copyUnits(handed, to: b.hPrev + dst * H, from: b.out + row0 * b.ldOut, ldSrc: b.ldOut)
        }
    }

    // backward: dout [N, ·] (d loss / d h_t at dout + row·ldDout), x [N, I] (the forward input)
    //           → dweight_ih, dweight_hh, dbias_ih, dbias_hh (+=); dx [N, I] (overwritten, or += when accumulate)
    public func backward(dx: UnsafeMutablePointer<Float>?, accumulate: Bool,
                         dout: UnsafePointer<Float>, ldDout: Int, x: UnsafePointer<Float>, layout: PackedLayout) {
        let N = layout.rows, H = hidden, G = cell.gates, GH = G * H
        let acts = self.acts.pointer
        let dGates = self.dGates.reserve(N * GH)
        let dhPrev = self.dhPrev.reserve(N * H)
        let dcPrev = self.dcPrev.reserve(N * H)

        stepWeightsBackward.pack(weightHH.pointer, rows: GH, columns: H, transposed: false, reuse: false)
        // Shared as forward shares it (StepSplit). Split by units, a step's product needs every part's gate
        // gradients of that step, and a part's cells need only its own units of the product of the step before:
        // pipeline step s runs the product of step s − 1 and then the cells of step s for the part's units.
        let split = StepSplit.plan(batch: layout.batch, hidden: H, gates: G, asStored: false,
                                   threads: ComputeThreads.available)
        let groups = split.sequenceRanges(layout)
        let units = split.unitRanges(hidden: H, granularity: 32)
        let buffers = BackwardBuffers(dGates: dGates, dhPrev: dhPrev, dcPrev: dcPrev, dout: dout, ldDout: ldDout, acts: acts)
        let order = Array(steps(layout.maxLength).reversed())
        if units.count > 1 {
            ComputeThreads.pipeline(steps: order.count + 1, parts: groups.count * units.count) { s, part in
                let range = groups[part / units.count], unitRange = units[part % units.count]
                if s > 0 { backwardProduct(order[s - 1], range, unitRange, buffers, layout) }
                if s < order.count { backwardCells(order[s], range, unitRange, buffers, layout) }
            }
        } else {
            ComputeThreads.parallel(groups) { range in
                for t in order {
                    backwardCells(t, range, 0..<H, buffers, layout)
                    backwardProduct(t, range, 0..<H, buffers, layout)
                }
            }
        }

        // Weight gradients: one GEMM each over all steps.
        GEMM.sgemm(transA: true, transB: false, m: GH, n: H, k: N,
                   a: dGates, lda: GH, b: hPrev.pointer, ldb: H, beta: 1, c: weightHH.gradPointer, ldc: H)
        GEMM.sgemm(transA: true, transB: false, m: GH, n: inputSize, k: N,
                   a: dGates, lda: GH, b: x, ldb: inputSize, beta: 1, c: weightIH.gradPointer, ldc: inputSize)
        // Both biases receive the same sums: computed once.
        let sums = biasGradient.reserve(GH, zeroed: true)
        columnSums(dGates, rows: N, columns: GH, into: sums)
        Elementwise.add(sums, into: biasIH.gradPointer, count: GH)
        Elementwise.add(sums, into: biasHH.gradPointer, count: GH)
        if let dx {
            GEMM.sgemm(transA: false, transB: false, m: N, n: inputSize, k: GH,
                       a: dGates, lda: GH, b: weightIH.pointer, ldb: inputSize, beta: accumulate ? 1 : 0,
                       c: dx, ldc: inputSize)
        }
    }
}

extension RecurrentDirection {
    /// Where a backward pass keeps its per-step gradients (see `backward`).
    fileprivate struct BackwardBuffers {
        let dGates, dhPrev, dcPrev: UnsafeMutablePointer<Float>
        let dout: UnsafePointer<Float>, ldDout: Int
        let acts: UnsafeMutablePointer<Float>
    }

    /// The cells of step t, backward, for the sequences `range` and the hidden `units`: their gate gradients
    /// (dGates) and dc_{t−1} (dcPrev), from d loss / d h_t and the gradients the next step handed back.
    fileprivate func backwardCells(_ t: Int, _ range: Range<Int>, _ units: Range<Int>, _ b: BackwardBuffers,
                                   _ layout: PackedLayout) {
        let H = hidden, GH = cell.gates * hidden
        let (row0, count) = rows(t, range, layout)
        if count == 0 { return }
        // Gradient arriving from the step that consumed h_t as its previous state.
        let n = nextStep(t)
        let fromNext = rowsAlsoAt(n, t, range, layout)
        let nextRow0 = fromNext > 0 ? layout.offsets[n] + range.lowerBound : 0
        // c_{t−1} where forward left it: the previous step's rows of these sequences (none for those starting here).
        let withPrev = rowsAlsoAt(previousStep(t), t, range, layout)
        let previousRow0 = withPrev > 0 ? layout.offsets[previousStep(t)] + range.lowerBound : row0
        switch cell {
        case .lstm:
            lstmCellBackward(dGates: b.dGates + row0 * GH, dcPrev: b.dcPrev + row0 * H,
                             dout: b.dout + row0 * b.ldDout, ldDout: b.ldDout,
                             dhNext: b.dhPrev + nextRow0 * H, dcNext: b.dcPrev + nextRow0 * H, nextRows: fromNext,
                             gates: b.acts + row0 * GH, tanhCells: tanhCells.pointer + row0 * H,
                             cPrev: cells.pointer + previousRow0 * H, prevRows: withPrev, rows: count, hidden: H,
                             units: units)
        case .rnn:
            rnnCellBackward(dGates: b.dGates + row0 * GH, dout: b.dout + row0 * b.ldDout, ldDout: b.ldDout,
                            dhNext: b.dhPrev + nextRow0 * H, nextRows: fromNext,
                            gates: b.acts + row0 * GH, rows: count, hidden: H, units: units)
        }
    }

    /// d loss / d h_{t−1} of step t's sequences in `range` that have a previous step, for the hidden `units`
    /// (on 32-column boundaries when not all): dhPrev rows = dGates rows · W_hh, every gate's gradient of the
    /// step read.
    fileprivate func backwardProduct(_ t: Int, _ range: Range<Int>, _ units: Range<Int>, _ b: BackwardBuffers,
                                     _ layout: PackedLayout) {
        let H = hidden, GH = cell.gates * hidden
        let (row0, count) = rows(t, range, layout)
        if count == 0 { return }
        let withPrev = rowsAlsoAt(previousStep(t), t, range, layout)
        PanelGEMM.multiply(m: withPrev, a: b.dGates + row0 * GH, lda: GH, b: stepWeightsBackward,
                           c: b.dhPrev + row0 * H, ldc: H, accumulate: false,
                           panels: units.lowerBound / 32..<(units.upperBound + 31) / 32)
    }

    /// Analytic cost on packed rows (valid steps only): every sequence's first step has no previous
    /// state, so the recurrent products cover N − B rows. Forward: input projection N·I·GH, recurrent
    /// (N − B)·H·GH MACs; LSTM 3H σ + 2H tanh per row, RNN H tanh per row. Backward: recurrent dh
    /// (N − B)·GH·H, dW_hh N·GH·H, dW_ih N·GH·I, and dX N·GH·I when `inputGradient`.
    public func flops(layout: PackedLayout, inputGradient: Bool) -> LayerFlops {
        let N = layout.rows, B = layout.batch, H = hidden, GH = cell.gates * hidden, I = inputSize
        let forward = FlopCount(macs: N * I * GH + (N - B) * H * GH,
                                sigmoid: cell == .lstm ? 3 * H * N : 0, tanh: (cell == .lstm ? 2 : 1) * H * N)
        let backward = FlopCount(macs: (N - B) * GH * H + N * GH * H + N * GH * I + (inputGradient ? N * GH * I : 0))
        return LayerFlops(forward: forward, backward: backward)
    }
}

// MARK: - Fused cell kernels (16 lanes at a time)

// LSTM step, forward. gates [rows, 4H] holds pre-activations without the bias [4H] on entry; cPrev [prevRows, H]
// (c_{t−1} = 0 for rows ≥ prevRows) → cells [rows, H]; h → out + r·ldOut. With `keep` (for backward) also
// i, f, g, o → gates and tanh(c) → tanhCells [rows, H]. Only the hidden `units` (gate columns g·H + units) are
// computed: threads sharing a step each take their own units.
@inline(__always)
func lstmCellForward(out: UnsafeMutablePointer<Float>, ldOut: Int, cells: UnsafeMutablePointer<Float>,
                     tanhCells: UnsafeMutablePointer<Float>, gates: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>,
                     cPrev: UnsafePointer<Float>, prevRows: Int, rows: Int, hidden H: Int, units: Range<Int>, keep: Bool) {
    FlopCounter.count(sigmoid: 3 * units.count * rows, tanh: 2 * units.count * rows)
    for r in 0..<rows {
        let g = gates + r * 4 * H, cp = cPrev + r * H, c = cells + r * H, tc = tanhCells + r * H, h = out + r * ldOut
        let hasPrev = r < prevRows
        @inline(__always) func lanes(_ j: Int, _ n: Int) {
            func preactivation(_ gate: Int) -> Vec16 {
                SIMDMath.load(g + gate * H + j, count: n) + SIMDMath.load(bias + gate * H + j, count: n)
            }
            let i = SIMDMath.sigmoid(preactivation(0))
            let f = SIMDMath.sigmoid(preactivation(1))
            let gg = SIMDMath.tanh(preactivation(2))
            let o = SIMDMath.sigmoid(preactivation(3))
            let cn = f * (hasPrev ? SIMDMath.load(cp + j, count: n) : Vec16()) + i * gg
            let tcn = SIMDMath.tanh(cn)
            if keep {
                SIMDMath.store(i, g + j, count: n)
                SIMDMath.store(f, g + H + j, count: n)
                SIMDMath.store(gg, g + 2 * H + j, count: n)
                SIMDMath.store(o, g + 3 * H + j, count: n)
                SIMDMath.store(tcn, tc + j, count: n)
            }
            SIMDMath.store(cn, c + j, count: n)
            SIMDMath.store(o * tcn, h + j, count: n)
        }
        var j = units.lowerBound
        while j + 16 <= units.upperBound { lanes(j, 16); j += 16 }
        if j < units.upperBound { lanes(j, units.upperBound - j) }
    }
}

// LSTM step, backward. dh = dout row + dhNext row (rows < nextRows); dc = dcNext row (rows < nextRows)
// + dh·o·(1 − tanh²c); c_{t−1} = cPrev row (rows < prevRows), else 0. Writes dGates [rows, 4H] (pre-activation
// gradients) and dcPrev [rows, H] = dc·f. Only the hidden `units` (gate columns g·H + units) are computed.
@inline(__always)
func lstmCellBackward(dGates: UnsafeMutablePointer<Float>, dcPrev: UnsafeMutablePointer<Float>,
                      dout: UnsafePointer<Float>, ldDout: Int,
                      dhNext: UnsafePointer<Float>, dcNext: UnsafePointer<Float>, nextRows: Int,
                      gates: UnsafePointer<Float>, tanhCells: UnsafePointer<Float>, cPrev: UnsafePointer<Float>,
                      prevRows: Int, rows: Int, hidden H: Int, units: Range<Int>) {
    for r in 0..<rows {
        let g = gates + r * 4 * H, dg = dGates + r * 4 * H, tc = tanhCells + r * H, cp = cPrev + r * H
        let hasNext = r < nextRows, hasPrev = r < prevRows
        @inline(__always) func lanes(_ j: Int, _ n: Int) {
            var dh = SIMDMath.load(dout + r * ldDout + j, count: n)
            var dc = Vec16()
            if hasNext {
                dh += SIMDMath.load(dhNext + r * H + j, count: n)
                dc = SIMDMath.load(dcNext + r * H + j, count: n)
            }
            let i = SIMDMath.load(g + j, count: n), f = SIMDMath.load(g + H + j, count: n)
            let gg = SIMDMath.load(g + 2 * H + j, count: n), o = SIMDMath.load(g + 3 * H + j, count: n)
            let t = SIMDMath.load(tc + j, count: n)
            dc += dh * o * (1 - t * t)
            SIMDMath.store(dc * gg * i * (1 - i), dg + j, count: n)
            let cPrev = hasPrev ? SIMDMath.load(cp + j, count: n) : Vec16()
            SIMDMath.store(dc * cPrev * f * (1 - f), dg + H + j, count: n)
            SIMDMath.store(dc * i * (1 - gg * gg), dg + 2 * H + j, count: n)
            SIMDMath.store(dh * t * o * (1 - o), dg + 3 * H + j, count: n)
            SIMDMath.store(dc * f, dcPrev + r * H + j, count: n)
        }
        var j = units.lowerBound
        while j + 16 <= units.upperBound { lanes(j, 16); j += 16 }
        if j < units.upperBound { lanes(j, units.upperBound - j) }
    }
}

// RNN step, forward. gates [rows, H]: pre-activations without the bias [H] on entry, h on exit with `keep`;
// h → out + r·ldOut. Only the hidden `units` are computed.
@inline(__always)
func rnnCellForward(out: UnsafeMutablePointer<Float>, ldOut: Int, gates: UnsafeMutablePointer<Float>,
                    bias: UnsafePointer<Float>, rows: Int, hidden H: Int, units: Range<Int>, keep: Bool) {
    FlopCounter.count(tanh: units.count * rows)
    for r in 0..<rows {
        let g = gates + r * H, h = out + r * ldOut
        @inline(__always) func lanes(_ j: Int, _ n: Int) {
            let v = SIMDMath.tanh(SIMDMath.load(g + j, count: n) + SIMDMath.load(bias + j, count: n))
            if keep { SIMDMath.store(v, g + j, count: n) }
            SIMDMath.store(v, h + j, count: n)
        }
        var j = units.lowerBound
        while j + 16 <= units.upperBound { lanes(j, 16); j += 16 }
        if j < units.upperBound { lanes(j, units.upperBound - j) }
    }
}

// RNN step, backward. dh = dout row + dhNext row (rows < nextRows); dGates [rows, H] = dh·(1 − h²). Only the
// hidden `units` are computed.
@inline(__always)
func rnnCellBackward(dGates: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>, ldDout: Int,
                     dhNext: UnsafePointer<Float>, nextRows: Int, gates: UnsafePointer<Float>, rows: Int, hidden H: Int,
                     units: Range<Int>) {
    for r in 0..<rows {
        @inline(__always) func lanes(_ j: Int, _ n: Int) {
            var dh = SIMDMath.load(dout + r * ldDout + j, count: n)
            if r < nextRows { dh += SIMDMath.load(dhNext + r * H + j, count: n) }
            let h = SIMDMath.load(gates + r * H + j, count: n)
            SIMDMath.store(dh * (1 - h * h), dGates + r * H + j, count: n)
        }
        var j = units.lowerBound
        while j + 16 <= units.upperBound { lanes(j, 16); j += 16 }
        if j < units.upperBound { lanes(j, units.upperBound - j) }
    }
}
