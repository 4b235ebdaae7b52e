import Foundation
import SeqHDF5

/// The class names and token vocabulary that an `hdf5` task file keeps with its data, read from the root
/// group. Everything is optional; what is there is checked. h5py users write string attributes
/// (`f.attrs["classes"] = "en,de,fr"`), so those are read as well as string datasets.
///
/// Class names, from at most one of:
///
///     /class_names          dataset [C] of strings, index = label
///     attribute class_names a comma-separated string, or an array of strings
///     attribute classes     the same forms as class_names; an integer is the count C instead
///
/// Vocabulary, from at most one of:
///
///     /vocabulary           dataset [V] of strings, index = token id (entry 0 = padding, usually "")
///     attribute vocabulary  an array of strings as /vocabulary, or one string: the tokens of ids 1, 2, … in
///                           order, cut by `tokenization` (chars: grapheme clusters, so "abcü" is a, b, c, ü)
///     attribute vocab       the same forms; an integer is the count V instead
///     attribute tokenization  chars (default), scalars or words: how text becomes tokens
///     attribute unknown_id  the id that tokens outside the vocabulary map to (optional)
///
/// Strings may be variable- or fixed-length, ASCII or UTF-8.
struct HDF5DataNames {
    /// The class count declared by an integer `classes` attribute.
    var declaredClasses: Int?
    var classNames: [String]?
    /// Where the class names came from, as error messages name it (`/class_names`, `attribute classes`).
    var classSource = ""
    /// The vocabulary size declared by an integer `vocab` attribute.
    var declaredVocab: Int?
    var vocabulary: TextVocabulary?
    var vocabularySource = ""

    /// The class count the names or the `classes` attribute give, if any.
    var classes: Int? { classNames?.count ?? declaredClasses }
    /// The vocabulary size the vocabulary or the `vocab` attribute give, if any.
    var vocab: Int? { vocabulary?.count ?? declaredVocab }

    /// Where the class count comes from, for errors: `/class_names names 3 classes (labels 0…2)`.
    var classesDescription: String {
        guard let c = classes else { return "" }
        return classNames == nil ? "attribute classes is \(c)" : "\(classSource) names \(c) classes (labels 0…\(c - 1))"
    }

    /// The most classes and token ids a file may declare.
    static let maxClasses = 1_000_000, maxVocab = 1 << 24

    /// Reads and checks the names of `root`. `fail(object, message)` makes the one-line error naming the
    /// object (`/class_names`, or `/` for a root attribute).
    static func read(_ root: HDF5Group, isTokens: Bool, fail: (String, String) -> Error) throws -> HDF5DataNames {
        var names = HDF5DataNames()

        // Class names and count.
        var classSources: [(source: String, names: [String])] = []
        if let strings = try stringDataset(root, "class_names", fail: fail) {
            classSources.append(("/class_names", strings))
        }
        for attribute in ["class_names", "classes"] where root.hasAttribute(attribute) {
            switch try root.attributeValue(attribute) {
            case .int(let c) where attribute == "classes":
                if c < 2 { throw fail("/", "attribute classes is \(c); it must be at least 2") }
                if c > maxClasses { throw fail("/", "attribute classes is \(c); it must be at most \(maxClasses)") }
                names.declaredClasses = c
            case .string(let text):
                classSources.append(("attribute \(attribute)",
                                     text.split(separator: ",", omittingEmptySubsequences: false)
                                         .map { $0.trimmingCharacters(in: .whitespaces) }))
            case .strings(let list):
                classSources.append(("attribute \(attribute)", list))
            case let other:
                throw fail("/", "attribute \(attribute) is \(other); expected class names (a comma-separated string "
                           + "or an array of strings)" + (attribute == "classes" ? " or the class count" : ""))
            }
        }
        if classSources.count > 1 {
            throw fail("/", "has class names in both \(classSources[0].source) and \(classSources[1].source); keep one")
        }
        if let (source, list) = classSources.first {
            if list.count < 2 { throw fail(object(source), "\(what(source))names \(list.count) class; a classifier needs at least 2") }
            if list.count > maxClasses { throw fail(object(source), "\(what(source))names \(list.count) classes; at most \(maxClasses)") }
            var seen: [String: Int] = [:]
            for (i, name) in list.enumerated() {
                if name.isEmpty { throw fail(object(source), "\(what(source))names class \(i) ''; class names must not be empty") }
                if let first = seen[name] {
                    throw fail(object(source), "\(what(source))names class \(first) and class \(i) '\(name)'; class names must differ")
                }
                seen[name] = i
            }
            if let c = names.declaredClasses, c != list.count {
                throw fail(object(source), "\(what(source))names \(list.count) classes but attribute classes is \(c)")
            }
            names.classNames = list; names.classSource = source
        }

        // Vocabulary: how text is tokenized, the entries, the count.
        var tokenization = Tokenization.chars
        if root.hasAttribute("tokenization") {
            let text = try root.stringAttribute("tokenization")
            guard let t = Tokenization(rawValue: text) else {
                throw fail("/", "attribute tokenization is '\(text)'; expected "
                           + Tokenization.allCases.map(\.rawValue).joined(separator: ", "))
            }
            tokenization = t
        }
        var vocabularySources: [(source: String, tokens: [String])] = []
        if let strings = try stringDataset(root, "vocabulary", fail: fail) {
            vocabularySources.append(("/vocabulary", strings))
        }
        for attribute in ["vocabulary", "vocab"] where root.hasAttribute(attribute) {
            switch try root.attributeValue(attribute) {
            case .int(let v) where attribute == "vocab":
                if v < 2 { throw fail("/", "attribute vocab is \(v); it must be at least 2 (padding and one token)") }
                if v > maxVocab { throw fail("/", "attribute vocab is \(v); it must be at most 2^24") }
                names.declaredVocab = v
            case .string(let text):
                // One string: the tokens of ids 1, 2, …; id 0 is padding.
                vocabularySources.append(("attribute \(attribute)", [""] + tokenization.tokens(of: text)))
            case .strings(let list):
                vocabularySources.append(("attribute \(attribute)", list))
            case let other:
                throw fail("/", "attribute \(attribute) is \(other); expected the vocabulary (a string of its tokens "
                           + "or an array of strings, index = id)" + (attribute == "vocab" ? " or its size" : ""))
            }
        }
        if vocabularySources.count > 1 {
            throw fail("/", "has a vocabulary in both \(vocabularySources[0].source) and \(vocabularySources[1].source); keep one")
        }
        var unknownID: Int?
        if root.hasAttribute("unknown_id") { unknownID = try root.intAttribute("unknown_id") }
        if let (source, tokens) = vocabularySources.first {
            if !isTokens { throw fail(object(source), "\(what(source))is a vocabulary, but the file holds /features, not /tokens") }
            if tokens.count > maxVocab { throw fail(object(source), "\(what(source))has \(tokens.count) entries; at most 2^24") }
            do {
                names.vocabulary = try TextVocabulary(tokens: tokens, tokenization: tokenization, unknownID: unknownID)
            } catch let error as VocabularyError {
                throw fail(object(source), "\(what(source))\(error)")
            }
            if let v = names.declaredVocab, v != tokens.count {
                throw fail(object(source), "\(what(source))has \(tokens.count) entries but attribute vocab is \(v)")
            }
            names.vocabularySource = source
        } else if unknownID != nil {
            throw fail("/", "attribute unknown_id needs a vocabulary (/vocabulary or attribute vocabulary)")
        }
        return names
    }

    /// The object an error about `source` names: the dataset, or `/` for a root attribute.
    private static func object(_ source: String) -> String { source.hasPrefix("/") ? source : "/" }
    /// The message prefix for `source`: nothing for a dataset (the object says it), `attribute x ` otherwise.
    private static func what(_ source: String) -> String { source.hasPrefix("/") ? "" : source + " " }

    /// The strings of the 1-D dataset `name`, nil when there is none.
    private static func stringDataset(_ root: HDF5Group, _ name: String, fail: (String, String) -> Error) throws -> [String]? {
        switch root.kind(of: name) {
        case .none:
            // A soft or external link shows as `.none` but exists: reading it reports why it is refused.
            guard root.exists(name) else { return nil }
        case .group: throw fail("/" + name, "is a group; expected a 1-D dataset of strings")
        case .dataset: break
        }
        let info = try root.datasetInfo(name)
        guard info.typeDescription.hasPrefix("string") else {
            throw fail("/" + name, "must hold strings, found \(info.typeDescription)")
        }
        guard info.shape.count == 1 else {
            throw fail("/" + name, "must be 1-D, found shape [" + info.shape.map(String.init).joined(separator: ", ") + "]")
        }
        return try root.readStrings(name)
    }
}
