import Foundation
import SeqData
@testable import SeqHDF5
import XCTest

/// The hdf5 task keeps class names and the vocabulary with the data: string datasets, string attributes
/// (comma-separated, one string of characters, arrays), fixed- and variable-length; integer counts optional.
final class HDF5TaskNamesTests: XCTestCase {
    private var directory = ""

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "seqdata-names-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: directory) }

    /// Nine words of three classes over the characters "abcü" (ids 1…4), three per split.
    private func write(_ name: String, names: (HDF5Group) throws -> Void) throws -> String {
        let path = directory + "/" + name
        try HDF5File.writeAtomically(to: path) { f in
            let words = [[1, 2], [2, 3, 4], [4], [1, 1, 3], [2], [3, 4, 1], [4, 4], [1], [2, 4]]
            var tokens = [Int32](repeating: 0, count: 9 * 3)
            for (i, w) in words.enumerated() { for (t, id) in w.enumerated() { tokens[i * 3 + t] = Int32(id) } }
            try f.root.write("tokens", values: tokens, shape: [9, 3])
            try f.root.write("lengths", values: words.map { Int32($0.count) }, shape: [9])
            try f.root.write("labels", values: (0..<9).map { Int32($0 % 3) }, shape: [9])
            try f.root.write("split", values: (0..<9).map { Int32($0 / 3) }, shape: [9])
            try names(f.root)
        }
        return path
    }

    private func load(_ path: String) throws -> TaskData {
        try TaskRegistry.generate(TaskRegistry.resolve("hdf5", settings: ["path": .string(path)]), seed: 1)
    }

    private func check(_ path: String) throws -> TaskSize {
        try TaskRegistry.check(TaskRegistry.resolve("hdf5", settings: ["path": .string(path)]))
    }

    func testEveryLayoutGivesTheSameNames() throws {
        let layouts: [(String, (HDF5Group) throws -> Void)] = [
            ("string attributes", { root in
                try root.setAttribute("classes", "en, de ,fr"); try root.setAttribute("vocab", "abcü")
            }),
            ("string datasets", { root in
                try root.writeStrings("class_names", ["en", "de", "fr"])
                try root.writeStrings("vocabulary", ["", "a", "b", "c", "ü"])
            }),
            ("fixed-length datasets and attributes, integer counts", { root in
                try root.writeFixedLengthStrings("class_names", ["en", "de", "fr"])
                try root.setFixedLengthStringAttribute("vocabulary", "abcü", utf8: true)
                try root.setAttribute("classes", 3); try root.setAttribute("vocab", 5)
            }),
            ("class_names attribute, decomposed ü", { root in
                try root.setFixedLengthStringAttribute("class_names", "en,de,fr")
                try root.writeFixedLengthStrings("vocabulary", ["", "a", "b", "c", "u\u{308}"], utf8: true)
            }),
        ]
        for (what, names) in layouts {
            let data = try load(try write(what + ".h5", names: names))
            XCTAssertEqual(data.classNames, ["en", "de", "fr"], what)
            XCTAssertEqual(data.vocabulary?.tokens.dropFirst().map { $0.precomposedStringWithCanonicalMapping },
                           ["a", "b", "c", "ü"], what)
            XCTAssertEqual(data.vocabulary?.tokenization, .chars, what)
            XCTAssertEqual(data.vocabulary?.encode("bü").ids, [2, 4], what)
            XCTAssertEqual(data.classes, 3, what)
            XCTAssertEqual(data.vocab, 5, what)
            XCTAssertEqual(try check(write("check-" + what + ".h5", names: names)).vocab, 5, what)
        }
        // Nothing named: counts inferred, no names.
        let plain = try load(try write("plain.h5") { _ in })
        XCTAssertNil(plain.classNames)
        XCTAssertNil(plain.vocabulary)
        XCTAssertEqual(plain.classes, 3)
        XCTAssertEqual(plain.vocab, 5)
    }

    func testTokenizationAndUnknownAttributes() throws {
        let data = try load(try write("words.h5") { root in
            try root.writeStrings("vocabulary", ["", "<unk>", "hallo", "welt", "!"])
            try root.setAttribute("tokenization", "words"); try root.setAttribute("unknown_id", 1)
            try root.writeStrings("class_names", ["en", "de", "fr"])
        })
        XCTAssertEqual(data.vocabulary?.tokenization, .words)
        XCTAssertEqual(data.vocabulary?.encode("hallo schöne welt").ids, [2, 1, 3])
    }

    /// Bad names are one line naming the file and the object, found by the plan's check (before anything
    /// is written) as well as when the data is read.
    func testBadNamesGiveOneLineNamingTheObject() throws {
        let cases: [(String, (HDF5Group) throws -> Void, String)] = [
            ("few-names", { try $0.setAttribute("classes", "en,de") }, "/labels: has label 2 but attribute classes names 2 classes (labels 0…1)"),
            ("dataset-few", { _ = try $0.writeStrings("class_names", ["en", "de"]) }, "/labels: has label 2 but /class_names names 2 classes"),
            ("count", { root in try root.setAttribute("classes", 4); _ = try root.writeStrings("class_names", ["en", "de", "fr"]) },
             "/class_names: names 3 classes but attribute classes is 4"),
            ("duplicate", { try $0.setAttribute("classes", "en,de,en") }, "/: attribute classes names class 0 and class 2 'en'; class names must differ"),
            ("empty-name", { try $0.setAttribute("classes", "en,,fr") }, "/: attribute classes names class 1 ''; class names must not be empty"),
            ("both", { root in try root.setAttribute("classes", "en,de,fr"); _ = try root.writeStrings("class_names", ["en", "de", "fr"]) },
             "/: has class names in both /class_names and attribute classes; keep one"),
            ("float", { try $0.setAttribute("classes", 2.5) }, "/: attribute classes is 2.5; expected class names"),
            ("short-vocab", { try $0.setAttribute("vocab", "abc") }, "has token id 4 but the vocabulary (attribute vocab) has 4 entries"),
            ("vocab-count", { root in try root.setAttribute("vocab", 9); try root.setAttribute("vocabulary", "abcü") },
             "/: attribute vocabulary has 5 entries but attribute vocab is 9"),
            ("repeated-token", { _ = try $0.writeStrings("vocabulary", ["", "a", "b", "a", "c"]) },
             "/vocabulary: entries 1 and 3 are the same token 'a'"),
            ("tokenization", { root in try root.setAttribute("vocab", "abcü"); try root.setAttribute("tokenization", "bytes") },
             "/: attribute tokenization is 'bytes'; expected chars, scalars, words"),
            ("unknown-alone", { try $0.setAttribute("unknown_id", 1) }, "/: attribute unknown_id needs a vocabulary"),
            ("vocab-2d", { _ = try $0.write("vocabulary", values: [Int32](repeating: 1, count: 4), shape: [2, 2]) },
             "/vocabulary: must hold strings, found int32"),
        ]
        for (name, names, fragment) in cases {
            let path = try write(name + ".h5", names: names)
            // The token-id check needs the tokens, which only generate reads.
            if name != "short-vocab" {
                assertTaskError(try check(path), contains: ["task hdf5: \(path): ", fragment])
            }
            assertTaskError(try load(path), contains: ["task hdf5: \(path): ", fragment])
        }
    }
}
