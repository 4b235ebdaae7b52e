import SeqTensor

/// A layer's analytic cost for one batch: what its forward and backward kernels execute.
/// Counted over valid steps only (layers compute on packed rows; padding costs nothing).
public struct LayerFlops: Equatable, Sendable {
    public var forward: FlopCount
    public var backward: FlopCount
    public init(forward: FlopCount, backward: FlopCount) { self.forward = forward; self.backward = backward }
}

/// One row of a model's per-layer cost table.
public struct NamedLayerFlops: Equatable, Sendable {
    /// Module name as in the parameter names: `embedding`, `rnn.l0`, `rnn.l0_reverse`, `attention`, `classifier`, `loss`.
    public var name: String
    public var flops: LayerFlops
    public init(name: String, flops: LayerFlops) { self.name = name; self.flops = flops }
}

extension Array where Element == NamedLayerFlops {
    /// Sum over layers.
    public var total: LayerFlops {
        reduce(LayerFlops(forward: FlopCount(), backward: FlopCount())) {
            LayerFlops(forward: $0.forward + $1.flops.forward, backward: $0.backward + $1.flops.backward)
        }
    }
}

/// Softmax cross-entropy's cost: one exp per logit (forward; its gradient needs no more).
public func crossEntropyFlops(batch: Int, classes: Int) -> NamedLayerFlops {
    NamedLayerFlops(name: "loss", flops: LayerFlops(forward: FlopCount(exp: batch * classes), backward: FlopCount()))
}
