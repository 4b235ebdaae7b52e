import Foundation
import SeqTensor
import Synchronization

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
            TaskParameter("min_length", .int(3), "shortest word kept (characters)", range: 1...256),
            TaskParameter("max_length", .int(16), "longest word kept (characters) = padded length T", range: 1...256),
            TaskParameter("per_language", .int(3000), "words drawn from each language (before the split)",
                          range: 3...Double(TaskParameter.maxSplitSize)),
            TaskParameter("val_fraction", .double(0.1), "share of each language's words for validation", range: 0...1),
            TaskParameter("test_fraction", .double(0.1), "share of each language's words for testing", range: 0...1),
        ] + TaskParameter.splitCaps(train: " (balanced over languages)") + [
            TaskParameter("dict_dir", .string("/usr/share/dict"), "folder holding the word lists"),
        ],
        check: { config in
            let task = make(config)
            try task.validate()
            let languages = try task.chosenLanguages().count
            let counts = try task.splitCounts()
            let train = min(task.trainSize, counts.train * languages)
            let total = train + min(task.validationSize, counts.validation * languages) + min(task.testSize, counts.test * languages)
            return TaskSize(train: train, total: total, length: task.maxLength, vocab: 256)
        }
    ) { config, seed in
        try make(config).generate(seed: seed)
    }

    private static func make(_ config: TaskConfig) -> LanguageIDTask {
        var task = LanguageIDTask()
        task.languages = config.string("languages").split(separator: ",", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces) }
        task.minLength = config.int("min_length"); task.maxLength = config.int("max_length")
        task.perLanguage = config.int("per_language")
        task.validationFraction = config.double("val_fraction"); task.testFraction = config.double("test_fraction")
        task.trainSize = config.int("train_size"); task.validationSize = config.int("val_size")
        task.testSize = config.int("test_size")
        task.dictionaryDirectory = config.string("dict_dir")
        return task
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

    /// The kept words of the chosen languages (see the type's documentation), read from the word lists.
    /// The last result is cached for the process (keyed by the files' paths, sizes and modification times
    /// and the length range), so training several models on the task reads the lists once.
    public func lexicon() throws -> Lexicon {
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
        var key = "\(minLength)...\(maxLength)"
        for path in paths {
            let attributes = try? FileManager.default.attributesOfItem(atPath: path)
            let size = (attributes?[.size] as? NSNumber)?.int64Value ?? -1
            let modified = (attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? -1
            key += "|\(path):\(size):\(modified)"
        }
        if let cached = lexiconCache.withLock({ $0?.key == key ? $0?.lexicon : nil }) { return cached }
        var contents = [[UInt8]]()
        for path in paths {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw TaskError.data("langid: cannot read word list \(path)")
            }
            contents.append([UInt8](data))
        }
        let lexicon = Lexicon(languages: chosen, lists: contents, minLength: minLength, maxLength: maxLength)
        lexiconCache.withLock { $0 = (key, lexicon) }
        return lexicon
    }

    public func generate(seed: UInt64) throws -> TaskData {
        let chosen = try chosenLanguages()
        let counts = try splitCounts()
        let lexicon = try lexicon()
        for index in chosen.indices where lexicon.count(index) < perLanguage {
            throw invalid("per_language", "is \(perLanguage) but only \(lexicon.count(index)) \(chosen[index].name) words of "
                          + "\(minLength)...\(maxLength) letters are in no other chosen list; lower it")
        }
        var ids = [UInt32: Int32]()
        for (i, c) in lexicon.characters.enumerated() { ids[c.value] = Int32(i + 1) }

        var rng = SeededRNG(seed: seed, stream: "data.langid")
        // Per language: a uniform random draw of per_language words (partial Fisher–Yates over file order).
        var drawn = [[Int]]()
        for index in chosen.indices {
            var order = Array(0..<lexicon.count(index))
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
                let word = lexicon.scalars(e.language, e.word)
                for (t, c) in word.enumerated() { tokens[row * T + t] = ids[c.value]! }
                lengths.append(word.count); labels.append(e.language)
            }
            return Dataset(sequences: SequenceBatch(tokens: tokens, lengths: lengths, length: T), labels: labels)
        }
        let test = split(0..<counts.test, cap: testSize)
        let validation = split(counts.test..<(counts.test + counts.validation), cap: validationSize)
        let train = split((counts.test + counts.validation)..<perLanguage, cap: trainSize)
        // Words are lowercased scalars; id 0 is padding, and a character no list has has no id.
        let vocabulary = try TextVocabulary(tokens: [""] + lexicon.characters.map { String($0) }, tokenization: .scalars,
                                            unknownID: nil)
        return TaskData(train: train, validation: validation, test: test, classes: chosen.count,
                        vocab: lexicon.characters.count + 1, features: nil, classNames: chosen.map(\.name),
                        vocabulary: vocabulary)
    }
}

/// The most recently read lexicon and its key.
private let lexiconCache = Mutex<(key: String, lexicon: LanguageIDTask.Lexicon)?>(nil)

extension LanguageIDTask {
    /// The words kept for each chosen language — lowercased, alphabetic, within the length range and in no
    /// other chosen list — in file order, and their character vocabulary.
    public struct Lexicon: Sendable {
        public let languages: [Language]
        /// Every distinct word of all lists, as lowercased UTF-8, back to back.
        private let arena: [UInt8]
        private let starts: [Int32]
        /// Kept words of each language: indices into `starts`.
        private let kept: [[Int32]]
        /// Every character of the kept words, sorted by scalar value.
        public let characters: [Unicode.Scalar]

        /// Number of kept words of language `language` (index into `languages`).
        public func count(_ language: Int) -> Int { kept[language].count }

        /// Kept word `i` of language `language`, as Unicode scalars.
        public func scalars(_ language: Int, _ i: Int) -> [Unicode.Scalar] {
            let w = Int(kept[language][i])
            return Array(String(decoding: arena[Int(starts[w])..<Int(starts[w + 1])], as: UTF8.self).unicodeScalars)
        }

        /// Kept word `i` of language `language`.
        public func word(_ language: Int, _ i: Int) -> String {
            let w = Int(kept[language][i])
            return String(decoding: arena[Int(starts[w])..<Int(starts[w + 1])], as: UTF8.self)
        }

        /// Prepares the word lists' contents (one UTF-8 file per language, in `languages` order).
        init(languages: [Language], lists: [[UInt8]], minLength: Int, maxLength: Int) {
            self.languages = languages
            var arena = [UInt8](), starts: [Int32] = [0], owners = [UInt8]()
            var perLanguage = [[Int32]](repeating: [], count: lists.count)
            // Open-addressing hash table of word indices (−1 = empty), FNV-1a over the bytes. A hand-made
            // table because Dictionary<[UInt8], _> costs an allocation and a byte-wise Hasher per word.
            var table = [Int32](repeating: -1, count: 1 << 16), hashes = [UInt64]()
            var lowercase = LowercaseTable()
            var word = [UInt8]()
            func hash(_ bytes: [UInt8]) -> UInt64 {
                var h: UInt64 = 0xcbf2_9ce4_8422_2325
                for b in bytes { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01b3 }
                return h ^ (h >> 29)
            }
            func insert(_ index: Int32, _ h: UInt64, into table: inout [Int32]) {
                let mask = table.count - 1
                var slot = Int(truncatingIfNeeded: h) & mask
                while table[slot] >= 0 { slot = (slot + 1) & mask }
                table[slot] = index
            }
            for (language, bytes) in lists.enumerated() {
                let bit = UInt8(1) << UInt8(language)
                var start = 0
                while start < bytes.count {
                    var end = start
                    while end < bytes.count && bytes[end] != 0x0A { end += 1 }
                    defer { start = end + 1 }
                    guard lowercase.normalize(bytes[start..<end], into: &word, minLength: minLength, maxLength: maxLength)
                    else { continue }
                    let h = hash(word), mask = table.count - 1
                    var slot = Int(truncatingIfNeeded: h) & mask
                    var found = -1
                    while table[slot] >= 0 {
                        let w = Int(table[slot])
                        if hashes[w] == h && Int(starts[w + 1] - starts[w]) == word.count
                            && arena[Int(starts[w])..<Int(starts[w + 1])].elementsEqual(word) {
                            found = w; break
                        }
                        slot = (slot + 1) & mask
                    }
                    if found < 0 {
                        found = owners.count
                        arena.append(contentsOf: word); starts.append(Int32(arena.count))
                        owners.append(0); hashes.append(h)
                        table[slot] = Int32(found)
                        if owners.count * 2 > table.count {  // keep the load under one half
                            table = [Int32](repeating: -1, count: table.count * 2)
                            for (w, wh) in hashes.enumerated() { insert(Int32(w), wh, into: &table) }
                        }
                    }
                    if owners[found] & bit == 0 {  // first time in this language's list
                        owners[found] |= bit
                        perLanguage[language].append(Int32(found))
                    }
                }
            }
            // Keep the words of exactly one list; collect their characters.
            var kept = [[Int32]]()
            var ascii = [Bool](repeating: false, count: 128), others = Set<UInt32>()
            for (language, words) in perLanguage.enumerated() {
                let bit = UInt8(1) << UInt8(language)
                let mine = words.filter { owners[Int($0)] == bit }
                for w in mine {
                    var i = Int(starts[Int(w)])
                    let end = Int(starts[Int(w) + 1])
                    while i < end {
                        let b = arena[i]
                        if b < 0x80 { ascii[Int(b)] = true; i += 1; continue }
                        let need = b >= 0xF0 ? 3 : b >= 0xE0 ? 2 : 1
                        var value = UInt32(b) & (need == 1 ? 0x1F : need == 2 ? 0x0F : 0x07)
                        for k in 1...need { value = value << 6 | UInt32(arena[i + k] & 0x3F) }
                        others.insert(value)
                        i += need + 1
                    }
                }
                kept.append(mine)
            }
            self.arena = arena; self.starts = starts; self.kept = kept
            characters = ((0..<128).filter { ascii[$0] }.map { UInt32($0) } + others.sorted()).map { Unicode.Scalar($0)! }
        }
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
