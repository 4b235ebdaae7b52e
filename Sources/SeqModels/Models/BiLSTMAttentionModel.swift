import SeqTensor

/// `bilstm_attention`: stacked bidirectional LSTM with additive attention pooling over the top
/// layer's outputs (masked to valid steps); exposes the attention weights of its last forward.
public enum BiLSTMAttentionModel {
    public static let descriptor = ModelDescriptor(
        name: "bilstm_attention", summary: "bidirectional LSTM, additive attention pooling → linear classifier",
        order: 3, style: ModelStyle(color: "#D55E00", marker: .diamond),
        roles: ModelRoles(noAttentionCounterpart: "bilstm")
    ) { config, rng in
        RecurrentClassifier(config: config, cell: .lstm, bidirectional: true, pooling: .attention, rng: &rng)
    }
}
