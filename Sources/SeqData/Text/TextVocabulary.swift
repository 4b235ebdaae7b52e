import Foundation

/// How text is cut into tokens.
public enum Tokenization: String, Codable, Sendable, CaseIterable {
    /// User-perceived characters (extended grapheme clusters, Swift's `Character`): "ñ" typed as n + U+0303 is
    /// one token, and so is an emoji with its skin-tone modifier or a flag. Equal under canonical equivalence,
    /// so a precomposed and a decomposed "ñ" are the same token.
    case chars
    /// Unicode scalars (code points) of the NFC form: the `langid` task's tokens.
    case scalars
    /// Runs of characters between whitespace.
    case words

    /// The tokens of `text`, in order.
    public func tokens(of text: String) -> [String] {
        switch self {
        case .chars: return text.map(String.init)
        case .scalars: return text.precomposedStringWithCanonicalMapping.unicodeScalars.map { String($0) }
        case .words: return text.split(whereSeparator: \.isWhitespace).map(String.init)
        }
    }
}

/// A problem with a vocabulary's entries.
public struct VocabularyError: Error, CustomStringConvertible, Equatable {
    public let description: String
}

/// The text of each token id of a token task, and how text becomes ids: what `predict --text` and the
/// attention pictures need, stored with the data and in every checkpoint.
public struct TextVocabulary: Equatable, Sendable {
    /// Token text by id. Id 0 is padding: its entry is never matched (usually "").
    public let tokens: [String]
    public let tokenization: Tokenization
    /// The id that tokens outside the vocabulary map to; nil when the data has none (such tokens are then
    /// left out of the sequence, and counted).
    public let unknownID: Int?
    private let ids: [String: Int]

    /// Checks that the entries after padding are distinct and not empty, and that `unknownID` is one of them.
    public init(tokens: [String], tokenization: Tokenization, unknownID: Int?) throws {
        guard !tokens.isEmpty else { throw VocabularyError(description: "the vocabulary is empty; entry 0 is padding") }
        if let u = unknownID, !(1..<tokens.count).contains(u) {
            throw VocabularyError(description: "the unknown id \(u) must be in 1..<\(tokens.count)")
        }
        var ids = [String: Int]()
        for (id, token) in tokens.enumerated().dropFirst() {
            if token.isEmpty && id != unknownID { throw VocabularyError(description: "entry \(id) is empty; only padding (0) and the unknown token may be") }
            if let first = ids[token] {
                throw VocabularyError(description: "entries \(first) and \(id) are the same token '\(token)'")
            }
            if id != unknownID { ids[token] = id }
        }
        self.tokens = tokens; self.tokenization = tokenization; self.unknownID = unknownID; self.ids = ids
    }

    public static func == (a: TextVocabulary, b: TextVocabulary) -> Bool {
        a.tokens == b.tokens && a.tokenization == b.tokenization && a.unknownID == b.unknownID
    }

    /// Number of ids, padding included (the model's `vocab`).
    public var count: Int { tokens.count }

    /// The id of one token, or nil outside the vocabulary.
    public func id(of token: String) -> Int? { ids[token] }

    /// The ids of `text`'s tokens and how many were outside the vocabulary (mapped to `unknownID`, or left out
    /// without one). Tokens are the vocabulary's `tokenization` of the text.
    public func encode(_ text: String) -> (ids: [Int], tokens: [String], unknown: Int) {
        var out = [Int](), kept = [String](), unknown = 0
        for token in tokenization.tokens(of: text) {
            if let id = ids[token] { out.append(id); kept.append(token) } else {
                unknown += 1
                if let u = unknownID { out.append(u); kept.append(token) }
            }
        }
        return (out, kept, unknown)
    }
}
