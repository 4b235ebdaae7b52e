import SeqTensor

/// Mean softmax cross-entropy over a batch, PyTorch's `F.cross_entropy(logits, labels)`.
public enum CrossEntropy {
    // forward + backward in one pass: logits [B, C], labels [B] → loss (mean), dlogits [B, C] = (softmax − onehot)/B
    /// Returns the mean loss (in Double; the log is the only part not on the gradient path) and writes
    /// d loss / d logits into `dlogits` when given.
    public static func lossAndGradient(logits: Tensor, labels: [Int], dlogits: inout Tensor?) -> Double {
        let B = logits.shape[0], C = logits.shape[1]
        precondition(labels.count == B, "labels must have one entry per sequence")
        var probs = logits.data
        var loss = 0.0
        probs.withUnsafeMutableBufferPointer { p in
            for b in 0..<B {
                let row = p.baseAddress! + b * C
                let label = labels[b]
                precondition(label >= 0 && label < C, "label \(label) outside 0..<\(C)")
                // log-sum-exp form: loss = log Σ e^(x − m) − (x_label − m), exact for tiny probabilities.
                var m = row[0]
                for c in 1..<C where row[c] > m { m = row[c] }
                for c in 0..<C { row[c] -= m }
                let shiftedLabelLogit = Double(row[label])
                Elementwise.exp(row, row, count: C)
                var sum: Float = 0
                for c in 0..<C { sum += row[c] }
                loss += portableLog(Double(sum)) - shiftedLabelLogit
                let inv = 1 / sum
                for c in 0..<C { row[c] *= inv }
            }
        }
        if dlogits != nil {
            let scale = 1 / Float(B)
            for b in 0..<B { probs[b * C + labels[b]] -= 1 }
            for i in probs.indices { probs[i] *= scale }
            dlogits = Tensor(shape: [B, C], data: probs)
        }
        return loss / Double(B)
    }

    /// Mean loss only.
    public static func loss(logits: Tensor, labels: [Int]) -> Double {
        var none: Tensor? = nil
        return lossAndGradient(logits: logits, labels: labels, dlogits: &none)
    }
}

extension SequenceModel {
    /// One forward → mean cross-entropy → backward pass on `batch`: the step every trainer, FLOP count and
    /// gradient check shares. Accumulates d loss / d parameter into the gradients (zero them first for a
    /// fresh step) and returns the loss; backward is skipped when the loss is not finite.
    @discardableResult
    public func accumulateGradients(_ batch: SequenceBatch, labels: [Int]) -> Double {
        let logits = forward(batch)
        var dLogits: Tensor? = Tensor(zeros: [0])
        let loss = CrossEntropy.lossAndGradient(logits: logits, labels: labels, dlogits: &dLogits)
        if loss.isFinite { backward(dLogits!) }
        return loss
    }
}
