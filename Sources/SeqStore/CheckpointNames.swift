import SeqData
import SeqHDF5

// The names a checkpoint keeps with its weights, so analysis needs no data file:
//
//     /class_names   [C] UTF-8 strings            (optional) class index → name
//     /vocabulary    [V] UTF-8 strings            (optional) token id → text; entry 0 is padding
//         attrs      tokenization  "chars" | "scalars" | "words"
//                    unknown_id    the id of unknown tokens, or -1 for none

/// Writes the class names and the vocabulary that a checkpoint carries (nothing for data without them).
func writeNames(_ classNames: [String]?, _ vocabulary: TextVocabulary?, into root: HDF5Group) throws {
    if let classNames { try root.writeStrings("class_names", classNames) }
    if let vocabulary {
        let dataset = try root.writeStrings("vocabulary", vocabulary.tokens)
        try dataset.setAttribute("tokenization", vocabulary.tokenization.rawValue)
        try dataset.setAttribute("unknown_id", vocabulary.unknownID ?? -1)
    }
}

/// Reads them back, checked against the model the stored config describes: one name per class, one entry
/// per token id, a known tokenization and distinct tokens.
func readNames(_ root: HDF5Group, config: RunConfig, path: String) throws -> ([String]?, TextVocabulary?) {
    var classNames: [String]?
    if root.exists("class_names") {
        let names = try root.readStrings("class_names")
        guard names.count == config.modelConfig.classes else {
            throw StoreError(file: path, object: "/class_names",
                             "has \(names.count) names; the model has \(config.modelConfig.classes) classes")
        }
        classNames = names
    }
    var vocabulary: TextVocabulary?
    if root.exists("vocabulary") {
        let tokens = try root.readStrings("vocabulary")
        guard config.modelConfig.input == .tokens, tokens.count == config.modelConfig.vocab else {
            throw StoreError(file: path, object: "/vocabulary", config.modelConfig.input == .tokens
                             ? "has \(tokens.count) entries; the model's vocabulary has \(config.modelConfig.vocab) ids"
                             : "is present but the model reads dense features, not tokens")
        }
        let dataset = try root.dataset("vocabulary")
        let name = try dataset.stringAttribute("tokenization")
        guard let tokenization = Tokenization(rawValue: name) else {
            throw StoreError(file: path, object: "/vocabulary", "attribute 'tokenization' is '\(name)'; expected "
                             + Tokenization.allCases.map(\.rawValue).joined(separator: ", "))
        }
        let unknown = try dataset.intAttribute("unknown_id")
        do {
            vocabulary = try TextVocabulary(tokens: tokens, tokenization: tokenization, unknownID: unknown < 0 ? nil : unknown)
        } catch let error as VocabularyError {
            throw StoreError(file: path, object: "/vocabulary", error.description)
        }
    }
    return (classNames, vocabulary)
}
