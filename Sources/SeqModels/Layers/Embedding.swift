import SeqTensor

/// Token embedding, PyTorch's `nn.Embedding(V, E, padding_idx=0)`.
/// Parameter `weight [V, E]`, initialised N(0, 1) with row 0 (padding) zero; row 0 gets no gradient.
public final class Embedding {
    public let weight: Parameter
    public let vocab: Int, width: Int

    public init(prefix: String, vocab: Int, width: Int, rng: inout SeededRNG) {
        self.vocab = vocab; self.width = width
        weight = Parameter(name: prefix + "weight", shape: [vocab, width])
        weight.initNormal(rng: &rng)
        weight.pointer.update(repeating: 0, count: width)
    }

    // forward:  ids [N] → out [N, E]
    public func forward(out: UnsafeMutablePointer<Float>, ids: UnsafePointer<Int32>, rows: Int) {
        let E = width
        for r in 0..<rows {
            let id = Int(ids[r])
            precondition(id >= 0 && id < vocab, "token id \(id) outside the vocabulary 0..<\(vocab)")
            (out + r * E).update(from: weight.pointer + id * E, count: E)
        }
    }

    // backward: dout [N, E] → dweight [V, E] (+=); the padding row stays without gradient
    public func backward(dout: UnsafePointer<Float>, ids: UnsafePointer<Int32>, rows: Int) {
        let E = width
        for r in 0..<rows {
            let id = Int(ids[r])
            if id == 0 { continue }
            Elementwise.add(dout + r * E, into: weight.gradPointer + id * E, count: E)
        }
    }
}
