import ArgumentParser
import Foundation
import SeqData
import SeqHarness
import SeqStore

/// `seqbench import DATA.csv --text-column C --label-column L --out data.h5`
struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Turn a CSV, TSV or TXT file of labelled texts into an HDF5 file for the hdf5 task.",
        discussion: """
            .csv and .tsv files have a header row and RFC 4180 quoting (a quoted field may hold separators, line breaks and "" for one quote); a .txt file holds \
            one example per line as label<TAB>text, no header, its columns called label and text. Text is cut into \
            tokens by grapheme cluster (--tokens chars: a letter with its combining marks, an emoji with its \
            modifiers, a flag is one token; precomposed and decomposed forms are equal), by Unicode scalar of the \
            NFC form (scalars) or at whitespace (words). Without --split-column the split is stratified and seeded: \
            per label, round(n × test-fraction) examples (at least one) go to test, round(n × val-fraction) to \
            validation, the rest (at least one) to training. The vocabulary comes from the training split only, by \
            frequency then text: id 0 is padding, id 1 is <unk>, which validation and test tokens outside it map to. \
            Classes are sorted by name (numerically when every label is an integer). Writes tokens, lengths, \
            labels, split, class_names and vocabulary (attributes tokenization, unknown_id), whole or not at all; \
            then train with: task: {name: hdf5, path: data.h5}.
            """)

    @Argument(help: "The data: a .csv, .tsv or .txt file.") var data: String
    @Option(help: "The column with the text.") var textColumn = "text"
    @Option(help: "The column with the label.") var labelColumn = "label"
    @Option(help: "How text becomes tokens: chars (grapheme clusters), scalars (Unicode code points, NFC) or words.")
    var tokens: Tokenization = .chars
    @Option(help: "A column holding train, validation or test per example (instead of a stratified split).")
    var splitColumn: String?
    @Option(help: "Share of each label's examples for validation (stratified split).") var valFraction = 0.1
    @Option(help: "Share of each label's examples for testing (stratified split).") var testFraction = 0.1
    @Option(help: "Seed of the stratified split.") var seed: UInt64 = 1
    @Option(help: "Keep at most this many tokens of each text (default: all).") var maxLength: Int?
    @Option(help: "The HDF5 file to write.") var out: String
    @Flag(help: "Replace --out if it exists.") var force = false

    func validate() throws {
        for (name, f) in [("--val-fraction", valFraction), ("--test-fraction", testFraction)] where !(f > 0 && f < 1) {
            throw ValidationError("\(name) must be in (0, 1), got \(f)")
        }
        if valFraction + testFraction >= 1 {
            throw ValidationError("--val-fraction plus --test-fraction must be below 1, got \(valFraction + testFraction)")
        }
        if let m = maxLength, !(1...TaskParameter.maxLength).contains(m) {
            throw ValidationError("--max-length must be in 1…\(TaskParameter.maxLength), got \(m)")
        }
    }

    func run() throws {
        guard let format = DelimitedTable.Format(path: data) else {
            throw StoreError(file: data, "expected a .csv, .tsv or .txt file")
        }
        func resolved(_ path: String) -> String { URL(fileURLWithPath: path).resolvingSymlinksInPath().path }
        if resolved(out) == resolved(data) { throw StoreError(file: out, "is the data file; write the HDF5 file elsewhere") }
        if FileManager.default.fileExists(atPath: out) && !force {
            throw StoreError(file: out, "exists; add --force to replace it")
        }
        let bytes = try InputFile.read(data)
        let imported: ImportedData
        do {
            let table = try DelimitedTable.parse(bytes, format: format)
            let splitting: TextImport.Splitting = splitColumn.map { .column($0) }
                ?? .stratified(validation: valFraction, test: testFraction, seed: seed)
            imported = try TextImport(textColumn: textColumn, labelColumn: labelColumn, tokenization: tokens,
                                      splitting: splitting, maxLength: maxLength).run(table)
        } catch let error as ImportError {
            throw StoreError(file: data, error.description)
        }
        try imported.write(to: out)

        let counts = imported.counts
        var table = TextTable(Array(counts.indices) + [-1])
        table.column("label", left: true) { $0 < 0 ? "total" : imported.classNames[$0] }
        for (s, name) in TextImport.splitNames.enumerated() {
            table.column(name) { c in String(c < 0 ? counts.map { $0[s] }.reduce(0, +) : counts[c][s]) }
        }
        table.column("total") { c in String(c < 0 ? imported.labels.count : counts[c].reduce(0, +)) }
        print(table.plain())
        let how = splitColumn.map { "split from column '\($0)'" }
            ?? "stratified split, seed \(seed), validation \(valFraction), test \(testFraction)"
        let cut = ["chars": "grapheme clusters", "scalars": "Unicode scalars (NFC)", "words": "words"][tokens.rawValue]!
        print("\(out): \(imported.labels.count) examples, \(imported.classNames.count) labels, \(how)")
        print("tokens: \(cut), padded length T = \(imported.length)"
              + (maxLength.map { ", \(imported.truncated) texts cut to --max-length \($0)" } ?? ""))
        print("vocabulary: \(imported.vocabulary.count) ids from the training split (0 padding, 1 <unk>); "
              + "\(imported.unknownTokens) validation/test tokens outside it map to <unk>")
    }
}

extension Tokenization: ExpressibleByArgument {}
