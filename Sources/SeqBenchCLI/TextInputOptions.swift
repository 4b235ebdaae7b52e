import ArgumentParser
import SeqHarness

/// `--text` and `--text-file`: the text inputs `predict` and `attention` take.
struct TextInputOptions: ParsableArguments {
    @Option(name: .customLong("text"), help: ArgumentHelp("An input text, tokenized with the checkpoint's vocabulary (repeatable).", valueName: "text"))
    var texts: [String] = []
    @Option(help: ArgumentHelp("A UTF-8 file with one input per line (empty lines are skipped).", valueName: "file"))
    var textFile: String?

    /// Whether any text input was given.
    var given: Bool { !texts.isEmpty || textFile != nil }

    /// The option names given, for the "one source only" error.
    var names: [String] { (texts.isEmpty ? [] : ["--text"]) + (textFile == nil ? [] : ["--text-file"]) }

    /// The inputs: the `--text`s, or the lines of `--text-file`.
    func read() throws -> [String] {
        if let textFile { return try TextInputs.lines(ofFile: textFile) }
        return texts
    }

    /// Throws unless exactly one of `others` (name, given) and the text options is given.
    func requireOneSource(among others: [(name: String, given: Bool)]) throws {
        let given = others.filter(\.given).map(\.name) + names
        let all = others.map(\.name) + ["--text", "--text-file"]
        guard given.count == 1 else {
            throw UsageError(given.isEmpty ? "give the inputs with one of \(all.joined(separator: ", "))"
                             : "give the inputs with one of \(all.joined(separator: ", ")), not \(given.joined(separator: " and "))")
        }
    }
}

/// A command-line mistake, reported as one line (ArgumentParser's `ValidationError` adds the usage text).
struct UsageError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
