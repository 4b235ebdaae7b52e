import SeqData
import XCTest

final class TextVocabularyTests: XCTestCase {
    /// Characters are grapheme clusters: a combining mark stays with its letter, an emoji with its modifier,
    /// and a decomposed "ñ" is the same token as the precomposed one.
    func testCharsAreGraphemeClusters() throws {
        let decomposed = "man\u{0303}ana"          // n + COMBINING TILDE
        XCTAssertEqual(Tokenization.chars.tokens(of: decomposed).count, 6)
        XCTAssertEqual(Tokenization.chars.tokens(of: "👍🏽ok🇩🇪"), ["👍🏽", "o", "k", "🇩🇪"])
        let vocab = try TextVocabulary(tokens: ["", "<unk>", "m", "a", "ñ", "n"], tokenization: .chars, unknownID: 1)
        let encoded = vocab.encode(decomposed)
        XCTAssertEqual(encoded.ids, [2, 3, 4, 3, 5, 3])
        XCTAssertEqual(encoded.unknown, 0)
        XCTAssertEqual(vocab.encode("mañana!").ids.last, 1, "an unknown character maps to the unknown id")
        XCTAssertEqual(vocab.encode("mañana!").unknown, 1)
    }

    /// Scalars are code points of the NFC form: a decomposed input matches a precomposed vocabulary entry.
    func testScalarsAreNFCCodePoints() throws {
        XCTAssertEqual(Tokenization.scalars.tokens(of: "man\u{0303}ana"), ["m", "a", "ñ", "a", "n", "a"])
        XCTAssertEqual(Tokenization.scalars.tokens(of: "👍🏽"), ["👍", "🏽"], "a modifier is its own scalar")
        // Without an unknown id, tokens outside the vocabulary are left out and counted.
        let vocab = try TextVocabulary(tokens: ["", "a", "b"], tokenization: .scalars, unknownID: nil)
        let encoded = vocab.encode("abcab")
        XCTAssertEqual(encoded.ids, [1, 2, 1, 2])
        XCTAssertEqual(encoded.tokens, ["a", "b", "a", "b"])
        XCTAssertEqual(encoded.unknown, 1)
    }

    func testWordsSplitOnWhitespace() {
        XCTAssertEqual(Tokenization.words.tokens(of: "  the\tcat\nsat "), ["the", "cat", "sat"])
    }

    func testDuplicateAndMisplacedEntriesAreRefused() {
        XCTAssertThrowsError(try TextVocabulary(tokens: ["", "a", "a"], tokenization: .chars, unknownID: nil)) {
            XCTAssertEqual("\($0)", "entries 1 and 2 are the same token 'a'")
        }
        XCTAssertThrowsError(try TextVocabulary(tokens: ["", "a"], tokenization: .chars, unknownID: 2))
        XCTAssertThrowsError(try TextVocabulary(tokens: ["", "a", ""], tokenization: .chars, unknownID: nil))
        XCTAssertThrowsError(try TextVocabulary(tokens: [], tokenization: .chars, unknownID: nil))
    }
}
