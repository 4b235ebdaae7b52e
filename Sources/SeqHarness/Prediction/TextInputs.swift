import Foundation
import SeqData
import SeqStore
import SeqTensor

/// One text input as a checkpoint's vocabulary reads it.
public struct TextInput: Sendable, Equatable {
    /// The text as given.
    public let text: String
    /// Token ids, one per kept token.
    public let ids: [Int]
    /// The kept tokens' text (unknown tokens included when they map to the unknown id).
    public let tokens: [String]
    /// Tokens outside the vocabulary (mapped to the unknown id, or left out when the vocabulary has none).
    public let unknown: Int
}

/// Text given on the command line or in a file, made into token sequences with a checkpoint's vocabulary.
public enum TextInputs {
    /// Encodes each text with the checkpoint's vocabulary. Throws one line naming the checkpoint when it has
    /// no vocabulary, or naming the input when no token of it is left (empty, or every token unknown and no
    /// unknown id to map them to).
    public static func encode(_ texts: [String], with loaded: LoadedCheckpoint) throws -> [TextInput] {
        guard let vocabulary = loaded.checkpoint.vocabulary else {
            throw StoreError(file: loaded.path, "has no vocabulary, so text cannot be encoded for it: text input needs a checkpoint "
                             + "trained on data with one (the langid task, an hdf5 task file with /vocabulary, or data from `seqbench import`)")
        }
        return try texts.enumerated().map { index, text in
            let (ids, tokens, unknown) = vocabulary.encode(text)
            guard !ids.isEmpty else {
                let what = unknown == 0 ? "has no token" : "has no token in the checkpoint's vocabulary (\(unknown) unknown, and the vocabulary has no unknown id)"
                throw TextInputError(description: "input \(index + 1) '\(text)' \(what)")
            }
            return TextInput(text: text, ids: ids, tokens: tokens, unknown: unknown)
        }
    }

    /// The inputs as one padded batch (T = the longest input).
    public static func batch(_ inputs: [TextInput]) -> SequenceBatch {
        let T = inputs.map(\.ids.count).max() ?? 1
        var tokens = [Int32](repeating: 0, count: inputs.count * T)
        for (n, input) in inputs.enumerated() { for (t, id) in input.ids.enumerated() { tokens[n * T + t] = Int32(id) } }
        return SequenceBatch(tokens: tokens, lengths: inputs.map(\.ids.count), length: T)
    }

    /// The inputs of a UTF-8 text file, one per line. Lines that are empty or only whitespace are skipped (a
    /// trailing newline or a blank separator line is not an input); a CR before the LF and a leading byte-order
    /// mark are dropped. Throws one line naming the file when it is not a regular file (``InputFile``), is not UTF-8
    /// or has no input.
    public static func lines(ofFile path: String) throws -> [String] {
        let data = try InputFile.read(path)
        guard var text = String(data: data, encoding: .utf8) else { throw StoreError(file: path, "is not UTF-8 text") }
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        // Split on "\n" scalars, not Characters: "\r\n" is one Character in Swift.
        let lines = text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            var s = String(String.UnicodeScalarView(line))
            if s.unicodeScalars.last == "\r" { s.unicodeScalars.removeLast() }
            return s
        }.filter { !$0.allSatisfy(\.isWhitespace) }
        guard !lines.isEmpty else { throw StoreError(file: path, "has no input (every line is empty)") }
        return lines
    }
}

/// A text input that cannot be used, as one line naming it.
public struct TextInputError: Error, CustomStringConvertible, Equatable, Sendable {
    public let description: String
}
