import SeqTensor

/// `lstm`: stacked LSTM; the representation is the top layer's hidden state at the last valid step.
public enum LSTMModel {
    public static let descriptor = ModelDescriptor(
        name: "lstm", summary: "LSTM, last valid hidden state → linear classifier",
        order: 1, style: ModelStyle(color: "#E69F00", marker: .square)
    ) { config, rng in
        RecurrentClassifier(config: config, cell: .lstm, bidirectional: false, pooling: .lastStep, rng: &rng)
    }
}
