import SeqTensor

/// `bilstm`: stacked bidirectional LSTM; the representation is [h_fwd(last valid step) ; h_bwd(step 0)].
public enum BiLSTMModel {
    public static let descriptor = ModelDescriptor(
        name: "bilstm", summary: "bidirectional LSTM, final states of both directions → linear classifier",
        order: 2, style: ModelStyle(color: "#009E73", marker: .triangle)
    ) { config, rng in
        RecurrentClassifier(config: config, cell: .lstm, bidirectional: true, pooling: .bidirectionalEnds, rng: &rng)
    }
}
