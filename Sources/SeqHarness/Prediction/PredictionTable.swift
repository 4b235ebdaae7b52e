/// `predict`'s terminal table.
public enum PredictionTable {
    /// One row per input: the input (its text, cut at 40 characters, or `#n`), its kept tokens and unknown
    /// tokens, the predicted class, its probability and the three most probable classes with theirs.
    public static func render(_ set: PredictionSet) -> String {
        let p = set.predictions
        func probability(_ x: Float) -> String { NumberFormat.fixed(Double(x), 3) }
        var table = TextTable(Array(0..<p.count))
        table.column("input", left: true) { n in
            let label = set.label(n)
            return label.count > 40 ? String(label.prefix(39)) + "…" : label
        }
        table.column("tokens") { String(p.lengths[$0]) }
        if let inputs = set.inputs { table.column("unknown") { String(inputs[$0].unknown) } }
        table.column("prediction", left: true) { set.className(p.predicted[$0]) }
        table.column("probability") { probability(p.confidence($0)) }
        table.column("top-3", left: true) { n in
            p.top(3, of: n).map { "\(set.className($0.index)) \(probability($0.probability))" }.joined(separator: ", ")
        }
        return table.plain()
    }
}
