import SeqTensor

/// `rnn`: stacked tanh RNN; the representation is the top layer's hidden state at the last valid step.
public enum RNNModel {
    public static let descriptor = ModelDescriptor(
        name: "rnn", summary: "Elman RNN (tanh), last valid hidden state → linear classifier",
        order: 0, style: ModelStyle(color: "#0072B2", marker: .circle)
    ) { config, rng in
        RecurrentClassifier(config: config, cell: .rnn, bidirectional: false, pooling: .lastStep, rng: &rng)
    }
}
