import Foundation
import SeqData
import SeqTensor
import XCTest

final class LanguageIDTaskTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("seqdata-langid-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        if let directory { try? FileManager.default.removeItem(at: directory) }
    }

    private func write(_ file: String, _ lines: [String]) throws {
        try (lines.joined(separator: "\n") + "\n").write(to: directory.appendingPathComponent(file), atomically: true,
                                                         encoding: .utf8)
    }

    /// Small word lists for every language: `count` generated words each, plus the given extra lines.
    private func writeLists(count: Int, extra: [String: [String]] = [:]) throws {
        let letters = Array("abcdefghij")
        for (index, language) in LanguageIDTask.knownLanguages.enumerated() {
            // Words unique to a language: a language letter prefix, then the number spelled in letters.
            let prefix = String(Array("klmnopq")[index])
            var lines = (0..<count).map { n in prefix + String(String(n).map { letters[Int(String($0))!] }) + "zz" }
            lines += extra[language.name] ?? []
            try write(language.file, lines)
        }
    }

    private func decode(_ d: Dataset, _ i: Int, _ characters: [Unicode.Scalar]) -> String {
        String(String.UnicodeScalarView(row(d, i).map { characters[Int($0) - 1] }))
    }

    private func words(_ lexicon: LanguageIDTask.Lexicon, _ language: Int) -> [String] {
        (0..<lexicon.count(language)).map { lexicon.word(language, $0) }
    }

    // MARK: With small word lists (always run)

    func testPreparationOfWords() throws {
        try writeLists(count: 40, extra: [
            "english": ["Apple", "apple", "cat's", "shared", "Über", "x", "averyveryverylongword", "", "naïve"],
            "german": ["SHARED", "Äpfel", "straße", "über", "week-end"],
            "french": ["crème", "aujourd'hui", "été\r"],
        ])
        var task = LanguageIDTask()
        task.dictionaryDirectory = directory.path
        task.minLength = 2; task.maxLength = 12
        let lexicon = try task.lexicon()
        let characters = lexicon.characters
        let (english, german, french) = (words(lexicon, 0), words(lexicon, 1), words(lexicon, 2))
        XCTAssertEqual(english.filter { !$0.hasPrefix("k") }, ["apple", "naïve"],
                       "lowercased and merged, no apostrophes, lengths 2...12, words also in German dropped")
        XCTAssertEqual(german.filter { !$0.hasPrefix("l") }, ["äpfel", "straße"])
        XCTAssertEqual(french.filter { !$0.hasPrefix("m") }, ["crème", "été"], "CR line ends are ignored")
        XCTAssertEqual(lexicon.count(0), 42)
        XCTAssertEqual(lexicon.scalars(2, lexicon.count(2) - 1), Array("été".unicodeScalars))
        XCTAssertEqual(characters, characters.sorted { $0.value < $1.value })
        XCTAssertEqual(Set(characters.map { Character($0) }),
                       Set("abcdefghijklmnopqrz" + "aplenïv" + "äfstrß" + "crèmeét"))
    }

    func testSplitsAreBalancedDisjointAndDeterministic() throws {
        try writeLists(count: 300)
        let settings: [String: ConfigValue] = ["dict_dir": .string(directory.path), "per_language": .int(200)]
        let d = try generate("langid", settings, seed: 3)
        XCTAssertEqual(d.classes, 7)
        XCTAssertEqual([d.train.count, d.validation.count, d.test.count], [7 * 160, 7 * 20, 7 * 20])
        for split in [d.train, d.validation, d.test] {
            var counts = [Int](repeating: 0, count: 7)
            for y in split.labels { counts[y] += 1 }
            XCTAssertEqual(Set(counts).count, 1, "balanced: \(counts)")
        }
        var seen = Set<[Int32]>()
        for split in [d.train, d.validation, d.test] {
            for i in 0..<split.count {
                XCTAssertTrue(seen.insert(row(split, i)).inserted, "a word in two splits or twice")
                // The generated words start with their language's letter.
                XCTAssertEqual(row(split, i)[0] - row(split, 0)[0], Int32(split.labels[i] - split.labels[0]))
            }
        }
        assertIdentical(d, try generate("langid", settings, seed: 3))
        XCTAssertTrue(differ(d, try generate("langid", settings, seed: 4)))

        // Caps keep the splits balanced.
        let capped = try generate("langid", settings.merging(["train_size": .int(71), "test_size": .int(14)]) { $1 })
        XCTAssertEqual([capped.train.count, capped.validation.count, capped.test.count], [71, 140, 14])
        var counts = [Int](repeating: 0, count: 7)
        for y in capped.train.labels { counts[y] += 1 }
        XCTAssertEqual(counts.sorted(), [10, 10, 10, 10, 10, 10, 11])
        XCTAssertEqual(capped.test.labels.sorted(), [0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6])

        // A subset of languages, in the given order.
        let two = try generate("langid", settings.merging(["languages": .string("dutch, english")]) { $1 })
        XCTAssertEqual(two.classes, 2)
        XCTAssertEqual(two.train.count, 320)
    }

    func testSettingsAndMissingListsGiveOneLineErrors() throws {
        try writeLists(count: 50)
        let dir: [String: ConfigValue] = ["dict_dir": .string(directory.path)]
        assertTaskError(try generate("langid", dir), contains: ["task langid: 'per_language' is 3000 but only 50 english words"])
        assertTaskError(try generate("langid", dir.merging(["languages": .string("english,klingon")]) { $1 }),
                        contains: ["task langid: 'languages' has unknown language 'klingon'"])
        assertTaskError(try generate("langid", dir.merging(["languages": .string("english")]) { $1 }),
                        contains: ["'languages' needs at least 2 languages"])
        assertTaskError(try generate("langid", dir.merging(["languages": .string("dutch,dutch")]) { $1 }),
                        contains: ["'languages' names dutch twice"])
        assertTaskError(try generate("langid", dir.merging(["min_length": .int(20)]) { $1 }),
                        contains: ["'min_length' must be in 1...max_length (16), got 20"])
        assertTaskError(try generate("langid", dir.merging(["per_language": .int(3)]) { $1 }),
                        contains: ["'per_language' gives an empty split"])
        assertTaskError(try generate("langid", dir.merging(["val_fraction": .double(1.5)]) { $1 }),
                        contains: ["'val_fraction' must be in 0…1, got 1.5"])

        try FileManager.default.removeItem(at: directory.appendingPathComponent("ngerman"))
        try FileManager.default.removeItem(at: directory.appendingPathComponent("dutch"))
        assertTaskError(try generate("langid", dir),
                        contains: ["langid: word lists missing: \(directory.path)/ngerman, \(directory.path)/dutch",
                                   "make data", "apt-get install -y wngerman wdutch"])
    }

    // MARK: With Debian's word lists (skipped when they are not installed)

    func testDebianWordLists() throws {
        let missing = LanguageIDTask.knownLanguages.filter {
            !FileManager.default.isReadableFile(atPath: "/usr/share/dict/" + $0.file)
        }
        try XCTSkipUnless(missing.isEmpty, "Debian word lists not installed (\(missing.map(\.package).joined(separator: " "))); "
                          + "`make data` installs them")
        let start = ContinuousClock.now
        let lexicon = try LanguageIDTask().lexicon()
        let characters = lexicon.characters
        print("langid: read and prepared the 7 word lists in \((ContinuousClock.now - start) / .seconds(1)) s; "
              + "kept words per language: \((0..<7).map(lexicon.count)); \(characters.count) characters: \(String(String.UnicodeScalarView(characters)))")
        XCTAssertTrue((0..<7).allSatisfy { lexicon.count($0) > 20_000 })

        let d = try TaskRegistry.generate(TaskRegistry.resolve("langid"), seed: 1)
        XCTAssertEqual(d.classes, 7)
        XCTAssertEqual(d.vocab, characters.count + 1)
        XCTAssertEqual([d.train.count, d.validation.count, d.test.count], [7 * 2400, 7 * 300, 7 * 300])
        // Every example's word, its language and split.
        var examples = [String: (label: Int, split: Int)]()
        for (s, split) in [d.train, d.validation, d.test].enumerated() {
            XCTAssertEqual(split.sequences.length, 16)
            for i in 0..<split.count {
                let word = decode(split, i, characters)
                XCTAssertTrue((3...16).contains(word.unicodeScalars.count))
                XCTAssertEqual(word, word.lowercased())
                XCTAssertNil(examples.updateValue((split.labels[i], s), forKey: word), "\(word) twice: splits are disjoint")
            }
        }
        XCTAssertEqual(examples.count, 21_000)
        // Independently of the task's code: scan the raw lists and record which lists hold each example word.
        var holders = [String: Set<Int>]()
        for (language, info) in LanguageIDTask.knownLanguages.enumerated() {
            let text = try String(contentsOfFile: "/usr/share/dict/" + info.file, encoding: .utf8)
            for line in text.split(separator: "\n") where line.utf8.count <= 64 {
                let word = line.lowercased()
                if examples[word] != nil { holders[word, default: []].insert(language) }
            }
        }
        for (word, e) in examples {
            XCTAssertEqual(holders[word], [e.label], "\(word): labelled \(e.label), found in the lists \(holders[word] ?? [])")
        }
        print("langid: default generation and its checks in \((ContinuousClock.now - start) / .seconds(1)) s")
    }
}
