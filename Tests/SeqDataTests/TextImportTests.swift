import Foundation
import SeqData
import XCTest

/// `seqbench import`'s parsing, tokenizing, splitting and vocabulary, without the CLI.
final class TextImportTests: XCTestCase {
    private func table(_ text: String, _ format: DelimitedTable.Format = .csv) throws -> DelimitedTable {
        try DelimitedTable.parse(Data(text.utf8), format: format)
    }

    private func failure(_ body: () throws -> Any) -> String {
        do { _ = try body(); return "no error" } catch { return "\(error)" }
    }

    func testCSVQuotingLineEndsAndTXT() throws {
        let csv = try table("\u{FEFF}text,label\r\n\"a, \"\"quoted\"\" text\",en\r\n\"two\nlines\",de\n\nplain,fr\n")
        XCTAssertEqual(csv.header, ["text", "label"])
        XCTAssertEqual(csv.rows, [["a, \"quoted\" text", "en"], ["two\nlines", "de"], ["plain", "fr"]])
        XCTAssertEqual(csv.lines, [2, 3, 6])
        let tsv = try table("label\ttext\nen\t\"x\ty\"\n", .tsv)
        XCTAssertEqual(tsv.rows, [["en", "x\ty"]])
        let txt = try table("en\tthe house\ttab\n\nde\tdas Haus\n", .txt)
        XCTAssertEqual(txt.header, ["label", "text"])
        XCTAssertEqual(txt.rows, [["en", "the house\ttab"], ["de", "das Haus"]])
        XCTAssertEqual(DelimitedTable.Format(path: "x/Data.TSV"), .tsv)
        XCTAssertNil(DelimitedTable.Format(path: "data.json"))
    }

    func testBadFilesGiveOneLineEach() throws {
        XCTAssertEqual(failure { try self.table("") }, "the file is empty")
        XCTAssertEqual(failure { try self.table(" \n\n") }, "the file is empty")
        XCTAssertEqual(failure { try self.table("text,label\na,en,extra\n") }, "line 2 has 3 fields; the header has 2")
        XCTAssertEqual(failure { try self.table("text,label\n\"open,en\n") }, "line 2: a quoted field is never closed")
        XCTAssertEqual(failure { try self.table("text,label\nsa\"y,en\n") },
                       "line 2: a quote inside an unquoted field; quote the whole field and double the quote (\"\")")
        XCTAssertEqual(failure { try self.table("de das Haus\n", .txt) },
                       "line 1 has no tab; a .txt file holds one example per line as label<TAB>text")
        var bytes = Data("text,label\nok,en\n".utf8); bytes.append(contentsOf: [0x61, 0xFF, 0x2C, 0x65, 0x6E, 0x0A])
        XCTAssertEqual(failure { try DelimitedTable.parse(bytes, format: .csv) }, "line 3 is not valid UTF-8")

        let importer = TextImport(textColumn: "text", labelColumn: "lang", tokenization: .chars,
                                  splitting: .stratified(validation: 0.2, test: 0.2, seed: 1))
        XCTAssertEqual(failure { try importer.run(self.table("text,language\nab,en\n")) },
                       "no column 'lang' (--label-column); the columns are: text, language")
        XCTAssertEqual(failure { try importer.run(self.table("text,lang\n")) }, "the file has a header but no examples")
        XCTAssertEqual(failure { try importer.run(self.table("text,lang\nab,en\ncd,en\n")) },
                       "column 'lang' has only one label ('en'); a classifier needs at least 2")
        XCTAssertEqual(failure { try importer.run(self.table("text,lang\nab,en\ncd,en\nef,de\n")) },
                       "label 'de' has 1 example; a stratified split needs at least 2 of each label (one to train on, one to test), or use --split-column")
        XCTAssertEqual(failure { try importer.run(self.table("text,lang\nab,en\n,de\n")) }, "line 3: the text ('text') has no tokens")
        XCTAssertEqual(failure { try importer.run(self.table("text,lang\nab, \n")) }, "line 2: the label ('lang') is empty")
        let bySplit = TextImport(textColumn: "text", labelColumn: "lang", tokenization: .chars, splitting: .column("part"))
        XCTAssertEqual(failure { try bySplit.run(self.table("text,lang,part\nab,en,train\ncd,de,holdout\n")) },
                       "line 3: split 'holdout' in column 'part'; expected train, validation or test (or 0, 1, 2)")
        XCTAssertEqual(failure { try bySplit.run(self.table("text,lang,part\nab,en,train\ncd,de,test\n")) },
                       "the validation split has no examples; every split needs at least one")
    }

    /// Per label: at least one test and one training example, the shares rounded; the same seed, the same split.
    func testStratifiedSeededSplitAndTrainingVocabulary() throws {
        var csv = "text,lang\n"
        for i in 0..<20 { csv += "en\(i % 7),en\n" }
        for i in 0..<10 { csv += "de\(i % 5)ß,de\n" }
        for accent in ["é", "è"] { csv += "fr\(accent),fr\n" }
        func run(seed: UInt64) throws -> ImportedData {
            try TextImport(textColumn: "text", labelColumn: "lang", tokenization: .chars,
                           splitting: .stratified(validation: 0.1, test: 0.2, seed: seed)).run(table(csv))
        }
        let a = try run(seed: 1)
        XCTAssertEqual(a.classNames, ["de", "en", "fr"])
        XCTAssertEqual(a.counts, [[7, 1, 2], [14, 2, 4], [1, 0, 1]])
        XCTAssertEqual(try run(seed: 1).split, a.split)
        XCTAssertNotEqual(try run(seed: 2).split, a.split)
        // The vocabulary: padding, <unk>, then the training split's tokens by frequency, then text.
        XCTAssertEqual(Array(a.vocabulary.tokens.prefix(2)), ["", "<unk>"])
        let training = a.split.indices.filter { a.split[$0] == 0 }
        let seen = Set(training.flatMap { i in (0..<a.lengths[i]).map { a.vocabulary.tokens[Int(a.tokens[i * a.length + $0])] } })
        XCTAssertEqual(Set(a.vocabulary.tokens.dropFirst(2)), seen.subtracting(["<unk>"]))
        XCTAssertTrue(a.vocabulary.tokens.contains("ß"))
        let counts = a.vocabulary.tokens.dropFirst(2).map { t in
            training.reduce(0) { n, i in n + (0..<a.lengths[i]).filter { a.vocabulary.tokens[Int(a.tokens[i * a.length + $0])] == t }.count }
        }
        XCTAssertEqual(counts, counts.sorted(by: >), "by frequency")
        // One of "fré" and "frè" is in the test split only: its accented letter is unknown there.
        XCTAssertGreaterThan(a.unknownTokens, 0)
    }

    /// chars: grapheme clusters (a letter with combining marks, an emoji with modifiers, a flag: one token each);
    /// scalars: code points of the NFC form; words: at whitespace. --max-length cuts and counts.
    func testUnicodeTokenizationAndMaxLength() throws {
        let csv = "text,label,split\n\"nin\u{303}o 👍🏽🇩🇪\",a,train\n\"niño\",b,train\nx,a,validation\ny,b,test\n"
        func run(_ t: Tokenization, max: Int? = nil) throws -> ImportedData {
            try TextImport(textColumn: "text", labelColumn: "label", tokenization: t, splitting: .column("split"),
                           maxLength: max).run(table(csv))
        }
        let chars = try run(.chars)
        XCTAssertEqual(chars.lengths, [7, 4, 1, 1], "n i ñ o ␠ 👍🏽 🇩🇪")
        XCTAssertEqual(chars.tokens[2], chars.tokens[chars.length + 2], "ñ decomposed and precomposed are one token")
        XCTAssertTrue(chars.vocabulary.tokens.contains("👍🏽"))
        let scalars = try run(.scalars)
        XCTAssertEqual(scalars.lengths, [9, 4, 1, 1], "n i ñ o ␠ 👍 🏽 🇩 🇪 (NFC)")
        let words = try run(.words)
        XCTAssertEqual(words.lengths, [2, 1, 1, 1])
        XCTAssertEqual(words.vocabulary.tokenization, .words)
        let cut = try run(.chars, max: 3)
        XCTAssertEqual(cut.lengths, [3, 3, 1, 1])
        XCTAssertEqual(cut.truncated, 2)
        XCTAssertEqual(cut.length, 3)
    }
}
