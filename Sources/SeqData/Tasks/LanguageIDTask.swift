import Foundation
import SeqTensor

/// Language identification from spelling: which language's word list holds this word? Real data: Debian's
/// word lists (packages wamerican, wngerman, wfrench, wspanish, witalian, wportuguese, wdutch, installed by
/// `make data`), read from `dict_dir` (default /usr/share/dict).
///
/// How the words are prepared:
/// - every line of a list is one word; it is lowercased (Unicode full lowercase mapping, per scalar) and
///   kept only when every resulting character is alphabetic (so possessives such as "cat's", hyphenated
///   and abbreviated forms are dropped) and its length in Unicode scalars is in `min_length...max_length`;
/// - lowercasing may merge entries of one list (e.g. "Polish"/"polish"): each word counts once per language;
/// - a word found in two or more of the chosen languages' lists is dropped, so every word has one answer;
/// - from each language's remaining words, `per_language` are drawn at random (the seed decides), then
///   divided into test (`test_fraction`, rounded), validation (`val_fraction`, rounded) and training (the
///   rest) — stratified, so each split is balanced over the languages;
/// - `train_size`, `val_size` and `test_size` cap the splits: a split larger than its cap keeps the first
///   cap examples of a round-robin over the languages (still balanced within one example); the order of
///   every split is then shuffled.
///
/// Tokens: one id per character. The character vocabulary is every character of every kept word (all of
/// them, not only the sampled ones, so it does not depend on the seed), sorted by Unicode scalar value,
/// ids 1…; id 0 is padding. Labels are the index of the language in `languages`.
///
/// Deterministic: the same seed and the same word-list files give the same data on any machine (words are
/// taken in file order and drawn with `SeededRNG`; no hash-table order is ever used).
public struct LanguageIDTask: Sendable {
    /// A language the task knows: its name, word-list file and Debian package.
    public struct Language: Sendable, Equatable {
        public let name: String, file: String, package: String
    }

    public static let knownLanguages: [Language] = [
        Language(name: "english", file: "american-english", package: "wamerican"),
        Language(name: "german", file: "ngerman", package: "wngerman"),
        Language(name: "french", file: "french", package: "wfrench"),
        Language(name: "spanish", file: "spanish", package: "wspanish"),
        Language(name: "italian", file: "italian", package: "witalian"),
        Language(name: "portuguese", file: "portuguese", package: "wportuguese"),
        Language(name: "dutch", file: "dutch", package: "wdutch"),
    ]

    public var languages: [String] = knownLanguages.map(\.name)
    public var minLength = 3
    public var maxLength = 16
    public var perLanguage = 3000
    public var validationFraction = 0.1, testFraction = 0.1
    /// Caps on the split sizes.
    public var trainSize = 1_000_000_000, validationSize = 1_000_000_000, testSize = 1_000_000_000
    public var dictionaryDirectory = "/usr/share/dict"

    public init() {}

    /// Registry entry `langid`.
    public static let descriptor = TaskDescriptor(
        name: "langid",
        summary: "which language is this word? (Debian word lists, `make data`; one token per lowercased character, "
            + "classes = languages)",
        parameters: [
            TaskParameter("languages", .string(knownLanguages.map(\.name).joined(separator: ",")),
                          "comma-separated languages (classes, in this order); at least 2 of the default"),
            TaskParameter("min_length", .int(3), "shortest word kept (characters)"),
            TaskParameter("max_length", .int(16), "longest word kept (characters) = padded length T"),
            TaskParameter("per_language", .int(3000), "words drawn from each language (before the split)"),
            TaskParameter("val_fraction", .double(0.1), "share of each language's words for validation"),
            TaskParameter("test_fraction", .double(0.1), "share of each language's words for testing"),
            TaskParameter("train_size", .int(1_000_000_000), "at most this many training examples (balanced over languages)"),
            TaskParameter("val_size", .int(1_000_000_000), "at most this many validation examples"),
            TaskParameter("test_size", .int(1_000_000_000), "at most this many test examples"),
            TaskParameter("dict_dir", .string("/usr/share/dict"), "folder holding the word lists"),
        ]
    ) { config, seed in
        var task = LanguageIDTask()
        task.languages = config.string("languages").split(separator: ",", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces) }
        task.minLength = config.int("min_length"); task.maxLength = config.int("max_length")
        task.perLanguage = config.int("per_language")
        task.validationFraction = config.double("val_fraction"); task.testFraction = config.double("test_fraction")
        task.trainSize = config.int("train_size"); task.validationSize = config.int("val_size")
        task.testSize = config.int("test_size")
        task.dictionaryDirectory = config.string("dict_dir")
        return try task.generate(seed: seed)
    }

    private func invalid(_ key: String, _ message: String) -> TaskError {
        TaskError.invalidValue(task: "langid", key: key, message: message)
    }

    /// The chosen languages, checked.
    func chosenLanguages() throws -> [Language] {
        var chosen = [Language]()
        for name in languages {
            guard let language = Self.knownLanguages.first(where: { $0.name == name }) else {
                throw invalid("languages", "has unknown language '\(name)'; known: "
                              + Self.knownLanguages.map(\.name).joined(separator: ", "))
            }
            if chosen.contains(language) { throw invalid("languages", "names \(name) twice") }
            chosen.append(language)
        }
        if chosen.count < 2 { throw invalid("languages", "needs at least 2 languages, got \(chosen.count)") }
        return chosen
    }

    /// Per-language examples after the fractions: (test, validation, train) counts.
    func splitCounts() throws -> (test: Int, validation: Int, train: Int) {
        for (key, f) in [("val_fraction", validationFraction), ("test_fraction", testFraction)] where !(f > 0 && f < 1) {
            throw invalid(key, "must be in (0, 1), got \(f)")
        }
        let test = Int((Double(perLanguage) * testFraction).rounded())
        let validation = Int((Double(perLanguage) * validationFraction).rounded())
        let train = perLanguage - test - validation
        if test < 1 || validation < 1 || train < 1 {
            throw invalid("per_language", "gives an empty split: \(perLanguage) words per language make "
                          + "\(train) train / \(validation) validation / \(test) test; raise it or change the fractions")
        }
        return (test, validation, train)
    }

    public func validate() throws {
        _ = try chosenLanguages()
        if minLength < 1 || minLength > maxLength {
            throw invalid("min_length", "must be in 1...max_length (\(maxLength)), got \(minLength)")
        }
        if maxLength > 256 { throw invalid("max_length", "must be at most 256, got \(maxLength)") }
        if perLanguage < 3 { throw invalid("per_language", "must be at least 3, got \(perLanguage)") }
        _ = try splitCounts()
    }

    /// Every word of each language that is in no other chosen language's list, in file order, plus the
    /// character vocabulary of those words (sorted scalars).
    public func candidateWords() throws -> (words: [[[Unicode.Scalar]]], characters: [Unicode.Scalar]) {
        try validate()
        let chosen = try chosenLanguages()
        let directory = dictionaryDirectory.hasSuffix("/") ? String(dictionaryDirectory.dropLast()) : dictionaryDirectory
        let paths = chosen.map { directory + "/" + $0.file }
        let missing = chosen.indices.filter { !FileManager.default.isReadableFile(atPath: paths[$0]) }
        if !missing.isEmpty {
            throw TaskError.data("langid: word list\(missing.count > 1 ? "s" : "") missing: "
                                 + missing.map { paths[$0] }.joined(separator: ", ")
                                 + "; install with `make data` or `apt-get install -y "
                                 + missing.map { chosen[$0].package }.joined(separator: " ") + "`")
        }
        // Words as UTF-8 of their lowercased form; `owners` holds the languages (bit mask) listing each.
        var owners = [[UInt8]: UInt8]()
        var perLanguage = [[[UInt8]]](repeating: [], count: chosen.count)
        var lowercase = LowercaseTable()
        for (index, path) in paths.enumerated() {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw TaskError.data("langid: cannot read word list \(path)")
            }
            let bit = UInt8(1) << UInt8(index)
            let bytes = [UInt8](data)
            var word = [UInt8]()
            var start = 0
            while start < bytes.count {
                var end = start
                while end < bytes.count && bytes[end] != 0x0A { end += 1 }
                if lowercase.normalize(bytes[start..<end], into: &word, minLength: minLength, maxLength: maxLength) {
                    let mask = owners[word, default: 0]
                    if mask & bit == 0 {  // first time in this language's list
                        owners[word] = mask | bit
                        perLanguage[index].append(word)
                    }
                }
                start = end + 1
            }
        }
        var words = [[[Unicode.Scalar]]](repeating: [], count: chosen.count)
        var seen = Set<UInt32>()
        for index in chosen.indices {
            let bit = UInt8(1) << UInt8(index)
            for word in perLanguage[index] where owners[word] == bit {
                let scalars = Array(String(decoding: word, as: UTF8.self).unicodeScalars)
                for s in scalars { seen.insert(s.value) }
                words[index].append(scalars)
            }
        }
        return (words, seen.sorted().map { Unicode.Scalar($0)! })
    }

    public func generate(seed: UInt64) throws -> TaskData {
        let chosen = try chosenLanguages()
        let counts = try splitCounts()
        let (candidates, characters) = try candidateWords()
        for (index, list) in candidates.enumerated() where list.count < perLanguage {
            throw invalid("per_language", "is \(perLanguage) but only \(list.count) \(chosen[index].name) words of "
                          + "\(minLength)...\(maxLength) letters are in no other chosen list; lower it")
        }
        var ids = [UInt32: Int32]()
        for (i, c) in characters.enumerated() { ids[c.value] = Int32(i + 1) }

        var rng = SeededRNG(seed: seed, stream: "data.langid")
        // Per language: a uniform random draw of per_language words (partial Fisher–Yates over file order).
        var drawn = [[Int]]()
        for list in candidates {
            var order = Array(list.indices)
            for i in 0..<perLanguage { order.swapAt(i, i + rng.int(below: order.count - i)) }
            drawn.append(Array(order[0..<perLanguage]))
        }
        let T = maxLength
        func split(_ range: Range<Int>, cap: Int) -> Dataset {
            // Round-robin over the languages, so a cap keeps the split balanced.
            var examples = [(language: Int, word: Int)]()
            for i in range { for l in chosen.indices { examples.append((l, drawn[l][i])) } }
            if examples.count > cap { examples.removeSubrange(cap...) }
            rng.shuffle(&examples)
            var tokens = [Int32](repeating: 0, count: examples.count * T)
            var lengths = [Int](), labels = [Int]()
            for (row, e) in examples.enumerated() {
                let word = candidates[e.language][e.word]
                for (t, c) in word.enumerated() { tokens[row * T + t] = ids[c.value]! }
                lengths.append(word.count); labels.append(e.language)
            }
            return Dataset(sequences: SequenceBatch(tokens: tokens, lengths: lengths, length: T), labels: labels)
        }
        let test = split(0..<counts.test, cap: testSize)
        let validation = split(counts.test..<(counts.test + counts.validation), cap: validationSize)
        let train = split((counts.test + counts.validation)..<perLanguage, cap: trainSize)
        return TaskData(train: train, validation: validation, test: test, classes: chosen.count,
                        vocab: characters.count + 1, features: nil)
    }
}

/// Lowercases UTF-8 words scalar by scalar, keeping only alphabetic ones; caches non-ASCII mappings.
struct LowercaseTable {
    /// Lowercase form of a non-ASCII scalar, or [] when the scalar (or its lowercase form) is not alphabetic.
    private var cache = [UInt32: [Unicode.Scalar]]()

    private mutating func lowered(_ value: UInt32) -> [Unicode.Scalar] {
        if let hit = cache[value] { return hit }
        var result = [Unicode.Scalar]()
        if let scalar = Unicode.Scalar(value) {
            result = Array(scalar.properties.lowercaseMapping.unicodeScalars)
            if result.isEmpty || !result.allSatisfy({ $0.properties.isAlphabetic }) { result = [] }
        }
        cache[value] = result
        return result
    }

    /// Writes the lowercased UTF-8 of `line` into `word` and returns true when the line is one alphabetic
    /// word of `minLength...maxLength` scalars (a trailing carriage return is ignored).
    mutating func normalize(_ line: ArraySlice<UInt8>, into word: inout [UInt8], minLength: Int, maxLength: Int) -> Bool {
        word.removeAll(keepingCapacity: true)
        var i = line.startIndex, end = line.endIndex
        if end > i && line[end - 1] == 0x0D { end -= 1 }
        var count = 0
        while i < end {
            let b0 = line[i]
            if b0 < 0x80 {
                switch b0 {
                case 0x61...0x7A: word.append(b0)
                case 0x41...0x5A: word.append(b0 + 0x20)
                default: return false
                }
                count += 1; i += 1
            } else {
                // Decode one multi-byte scalar; reject malformed input.
                let need: Int, initial: UInt32
                switch b0 {
                case 0xC2...0xDF: need = 1; initial = UInt32(b0 & 0x1F)
                case 0xE0...0xEF: need = 2; initial = UInt32(b0 & 0x0F)
                case 0xF0...0xF4: need = 3; initial = UInt32(b0 & 0x07)
                default: return false
                }
                guard i + need < end else { return false }
                var value = initial
                for k in 1...need {
                    let b = line[i + k]
                    guard b & 0xC0 == 0x80 else { return false }
                    value = value << 6 | UInt32(b & 0x3F)
                }
                i += need + 1
                let mapped = lowered(value)
                if mapped.isEmpty { return false }
                for s in mapped { UTF8.encode(s) { word.append($0) }; count += 1 }
            }
            if count > maxLength { return false }
        }
        return count >= minLength
    }
}
