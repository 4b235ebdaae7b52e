import Foundation
import SeqHDF5
import SeqTensor

/// Turns a table of labelled texts into the `hdf5` task's layout (`seqbench import`): token ids, lengths,
/// labels, a stratified seeded split, the class names and the vocabulary of the training split.
public struct TextImport: Sendable {
    /// How examples are assigned to splits.
    public enum Splitting: Sendable, Equatable {
        /// A column holding `train`, `validation` (or `val`, `valid`, `dev`) or `test` (or 0, 1, 2).
        case column(String)
        /// Per class, a seeded shuffle puts round(n · test) examples in the test split (at least one),
        /// round(n · validation) in the validation split, the rest in training (at least one).
        case stratified(validation: Double, test: Double, seed: UInt64)
    }

    public var textColumn: String
    public var labelColumn: String
    public var tokenization: Tokenization
    public var splitting: Splitting
    /// Longer texts keep their first `maxLength` tokens; nil keeps every token.
    public var maxLength: Int?

    public init(textColumn: String, labelColumn: String, tokenization: Tokenization, splitting: Splitting,
                maxLength: Int? = nil) {
        self.textColumn = textColumn; self.labelColumn = labelColumn; self.tokenization = tokenization
        self.splitting = splitting; self.maxLength = maxLength
    }

    /// Padding's entry (id 0) and the unknown token's (id 1) in every imported vocabulary.
    public static let padding = "", unknown = "<unk>"
    public static let splitNames = ["train", "validation", "test"]
    /// The most N × T an import writes (2^30 int32 ids: 4 GiB).
    public static let maxTokenSlots = 1 << 30

    /// Reads `table` into examples, splits them and builds the vocabulary. Throws one `ImportError` per
    /// problem: a missing column, no rows, an empty text or label, a single label, a class too small to
    /// stratify, an unknown split name.
    public func run(_ table: DelimitedTable) throws -> ImportedData {
        let textIndex = try table.column(textColumn, option: "--text-column")
        let labelIndex = try table.column(labelColumn, option: "--label-column")
        var splitIndex: Int?
        if case .column(let name) = splitting { splitIndex = try table.column(name, option: "--split-column") }
        guard !table.rows.isEmpty else { throw ImportError("the file has a header but no examples") }

        // Texts and labels.
        var texts: [[String]] = [], labelTexts: [String] = [], truncated = 0
        for (row, line) in zip(table.rows, table.lines) {
            let label = row[labelIndex].trimmingCharacters(in: .whitespaces)
            if label.isEmpty { throw ImportError("line \(line): the label ('\(labelColumn)') is empty") }
            var tokens = tokenization.tokens(of: row[textIndex])
            if tokens.isEmpty { throw ImportError("line \(line): the text ('\(textColumn)') has no tokens") }
            if let m = maxLength, tokens.count > m { tokens.removeSubrange(m...); truncated += 1 }
            texts.append(tokens); labelTexts.append(label)
        }

        // Classes: sorted by name, numerically when every label is an integer.
        let distinct = Set(labelTexts)
        guard distinct.count >= 2 else {
            throw ImportError("column '\(labelColumn)' has only one label ('\(labelTexts[0])'); a classifier needs at least 2")
        }
        let classNames = distinct.allSatisfy({ Int($0) != nil })
            ? distinct.sorted { Int($0)! < Int($1)! } : distinct.sorted()
        let classOf = Dictionary(uniqueKeysWithValues: classNames.enumerated().map { ($1, $0) })
        let labels = labelTexts.map { classOf[$0]! }

        let split = try assignSplits(labels: labels, classNames: classNames, table: table, splitIndex: splitIndex)
        for (s, name) in Self.splitNames.enumerated() where !split.contains(s) {
            throw ImportError("the \(name) split has no examples; every split needs at least one")
        }

        // The vocabulary of the training split: by frequency, then by text; 0 = padding, 1 = unknown.
        var frequency: [String: Int] = [:]
        for (i, tokens) in texts.enumerated() where split[i] == 0 {
            for t in tokens { frequency[t, default: 0] += 1 }
        }
        let ranked = frequency.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map(\.key)
        let vocabulary = try TextVocabulary(tokens: [Self.padding, Self.unknown] + ranked, tokenization: tokenization,
                                            unknownID: 1)

        let length = texts.map(\.count).max()!
        // Every example is padded to the longest: one very long text would make the file N times its size.
        let slots = texts.count.multipliedReportingOverflow(by: length)
        if slots.overflow || slots.partialValue > Self.maxTokenSlots {
            throw ImportError("\(texts.count) examples padded to \(length) tokens exceed \(Self.maxTokenSlots) token slots; "
                              + "keep fewer tokens with --max-length")
        }
        var ids = [Int32](repeating: 0, count: texts.count * length), unknown = 0
        for (i, tokens) in texts.enumerated() {
            for (t, token) in tokens.enumerated() {
                let id = vocabulary.id(of: token) ?? 1
                if id == 1 { unknown += 1 }
                ids[i * length + t] = Int32(id)
            }
        }
        return ImportedData(tokens: ids, length: length, lengths: texts.map(\.count), labels: labels, split: split,
                            classNames: classNames, vocabulary: vocabulary, truncated: truncated,
                            unknownTokens: unknown)
    }

    private func assignSplits(labels: [Int], classNames: [String], table: DelimitedTable, splitIndex: Int?) throws -> [Int] {
        switch splitting {
        case .column(let name):
            let aliases = ["train": 0, "training": 0, "0": 0, "validation": 1, "val": 1, "valid": 1, "dev": 1, "1": 1,
                           "test": 2, "2": 2]
            return try zip(table.rows, table.lines).map { row, line in
                let value = row[splitIndex!].trimmingCharacters(in: .whitespaces)
                guard let s = aliases[value.lowercased()] else {
                    throw ImportError("line \(line): split '\(value)' in column '\(name)'; expected train, validation or test (or 0, 1, 2)")
                }
                return s
            }
        case .stratified(let validation, let test, let seed):
            var members = [[Int]](repeating: [], count: classNames.count)
            for (i, c) in labels.enumerated() { members[c].append(i) }
            var split = [Int](repeating: 0, count: labels.count)
            var rng = SeededRNG(seed: seed, stream: "import.split")
            for (c, indices) in members.enumerated() {
                let n = indices.count
                if n < 2 {
                    throw ImportError("label '\(classNames[c])' has 1 example; a stratified split needs at least 2 of each "
                                      + "label (one to train on, one to test), or use --split-column")
                }
                let nTest = min(max(1, Int((Double(n) * test).rounded())), n - 1)
                let nValidation = max(0, min(Int((Double(n) * validation).rounded()), n - 1 - nTest))
                var order = indices
                rng.shuffle(&order)
                for i in order[..<nTest] { split[i] = 2 }
                for i in order[nTest..<(nTest + nValidation)] { split[i] = 1 }
            }
            return split
        }
    }
}

/// The imported examples in the `hdf5` task's layout.
public struct ImportedData: Sendable {
    /// Token ids [N, T], row-major, 0 after each example's length.
    public var tokens: [Int32]
    /// T: the longest example's token count.
    public var length: Int
    public var lengths: [Int], labels: [Int]
    /// 0 train, 1 validation, 2 test.
    public var split: [Int]
    public var classNames: [String]
    public var vocabulary: TextVocabulary
    /// Examples cut to the maximum length.
    public var truncated: Int
    /// Tokens of the validation and test splits outside the training vocabulary (mapped to id 1).
    public var unknownTokens: Int

    /// Examples per class (rows) and split (columns: train, validation, test).
    public var counts: [[Int]] {
        var counts = [[Int]](repeating: [0, 0, 0], count: classNames.count)
        for (c, s) in zip(labels, split) { counts[c][s] += 1 }
        return counts
    }

    /// Writes the file whole or not at all (`HDF5File.writeAtomically`).
    public func write(to path: String) throws {
        let n = labels.count
        try HDF5File.writeAtomically(to: path) { file in
            let root = file.root
            try root.write("tokens", values: tokens, shape: [n, length])
            try root.write("lengths", values: lengths.map { Int32($0) }, shape: [n])
            try root.write("labels", values: labels.map { Int32($0) }, shape: [n])
            try root.write("split", values: split.map { Int32($0) }, shape: [n])
            try root.writeStrings("class_names", classNames)
            try root.writeStrings("vocabulary", vocabulary.tokens)
            try root.setAttribute("tokenization", vocabulary.tokenization.rawValue)
            if let u = vocabulary.unknownID { try root.setAttribute("unknown_id", u) }
        }
    }
}
