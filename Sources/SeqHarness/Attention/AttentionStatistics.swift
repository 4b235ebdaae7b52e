import Foundation

/// How one sequence's attention is spread, in two numbers that compare across lengths.
public struct AttentionShape: Sendable, Equatable {
    /// Valid tokens of the sequence.
    public let length: Int
    /// Entropy of the weights (nats) divided by ln(length): 0 = all weight on one token, 1 = spread evenly
    /// over every token. nil for a one-token sequence (nothing to spread over).
    public let normalizedEntropy: Double?
    /// Where the largest weight sits: its position / (length − 1), 0 = the first token, 1 = the last (the
    /// first of equal maxima). nil for a one-token sequence.
    public let peakPosition: Double?

    /// `weights` are a sequence's attention over its valid tokens (they sum to 1).
    public init(weights: [Float]) {
        length = weights.count
        guard weights.count > 1 else { normalizedEntropy = nil; peakPosition = nil; return }
        let entropy = weights.reduce(0.0) { $1 > 0 ? $0 - Double($1) * log(Double($1)) : $0 }
        normalizedEntropy = min(1, max(0, entropy / log(Double(weights.count))))
        let peak = weights.indices.max { (weights[$0], -$0) < (weights[$1], -$1) }!
        peakPosition = Double(peak) / Double(weights.count - 1)
    }
}

/// The distribution of `AttentionShape`s per class over a split: does attention look at a few tokens or
/// spread out, and where?
public struct AttentionStatistics: Sendable {
    /// One class's sequences (by their true label).
    public struct ClassDistribution: Sendable, Equatable {
        public let name: String
        /// Normalised entropies and peak positions of the class's sequences longer than one token.
        public let entropies: [Double], positions: [Double]
    }

    /// One per class, in class order (classes without sequences included, empty).
    public let classes: [ClassDistribution]
    /// Sequences of one token, left out of both distributions.
    public let singleTokenSequences: Int

    /// `weights[n]` is sequence n's attention over its valid tokens, `labels[n]` its class, indexing `classNames`.
    public init(weights: [[Float]], labels: [Int], classNames: [String]) {
        precondition(weights.count == labels.count, "one label per sequence")
        var entropies = Array(repeating: [Double](), count: classNames.count), positions = entropies, single = 0
        for (w, label) in zip(weights, labels) {
            let shape = AttentionShape(weights: w)
            guard let entropy = shape.normalizedEntropy, let position = shape.peakPosition else { single += 1; continue }
            entropies[label].append(entropy); positions[label].append(position)
        }
        classes = classNames.indices.map { ClassDistribution(name: classNames[$0], entropies: entropies[$0], positions: positions[$0]) }
        singleTokenSequences = single
    }

    /// Sequences in the distributions.
    public var count: Int { classes.reduce(0) { $0 + $1.entropies.count } }

    /// The q quantile (numpy's "linear") of `values`; nil when there are none.
    public static func quantile(_ values: [Double], _ q: Double) -> Double? {
        values.isEmpty ? nil : PairedStatistics.percentile(values.sorted(), q)
    }

    /// Median normalised entropy and peak position over every class.
    public var medianEntropy: Double? { Self.quantile(classes.flatMap(\.entropies), 0.5) }
    public var medianPosition: Double? { Self.quantile(classes.flatMap(\.positions), 0.5) }

    /// One line with the numbers and what they mean, e.g. "median normalised entropy 0.21 over 160 test
    /// sequences (0 = one token, 1 = even): attention concentrates on a few tokens; the peak sits at 0.93 of
    /// the length (median; 0 = first token, 1 = last)".
    public func summary(split: String = "test") -> String {
        guard let entropy = medianEntropy, let position = medianPosition else {
            return "no \(split) sequence longer than one token: nothing to summarise"
        }
        // Thresholds for the wording only; the numbers are what counts. Uniform weights over k of L tokens
        // have normalised entropy ln k / ln L: 0.5 is about √L tokens.
        let verdict = entropy < 0.1 ? "attention puts nearly all its weight on one token"
            : entropy < 0.5 ? "attention concentrates on a few tokens"
            : entropy < 0.85 ? "attention is spread over several tokens" : "attention is spread almost evenly over the tokens"
        let place = position < 0.25 ? "near the start" : position > 0.75 ? "near the end" : "in the middle"
        return "median normalised entropy \(NumberFormat.fixed(entropy, 2)) over \(count) \(split) sequences "
            + "(0 = one token, 1 = evenly spread): \(verdict); the largest weight sits \(place) "
            + "(median relative position \(NumberFormat.fixed(position, 2)); 0 = first token, 1 = last)"
    }

    /// Per class: sequences, median and quartiles of the normalised entropy, median peak position.
    public func table() -> String {
        func f(_ x: Double?) -> String { x.map { NumberFormat.fixed($0, 2) } ?? "-" }
        var table = TextTable(classes)
        table.column("class", left: true) { $0.name }
        table.column("sequences") { String($0.entropies.count) }
        table.column("entropy q25") { f(Self.quantile($0.entropies, 0.25)) }
        table.column("median") { f(Self.quantile($0.entropies, 0.5)) }
        table.column("q75") { f(Self.quantile($0.entropies, 0.75)) }
        table.column("peak position median") { f(Self.quantile($0.positions, 0.5)) }
        return table.plain()
    }
}
