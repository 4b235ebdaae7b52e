import Foundation

/// A problem with a text file being imported, as one line (the caller prefixes the file name).
public struct ImportError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// A table read from a text file: a header and rows of equal width, each row with its line number (1-based,
/// the line where the row starts) for error messages.
public struct DelimitedTable: Equatable, Sendable {
    public var header: [String]
    public var rows: [[String]]
    public var lines: [Int]

    /// The kinds of text file `seqbench import` reads, by file extension.
    public enum Format: String, Sendable, CaseIterable {
        /// Comma-separated, RFC 4180: a header row; fields may be quoted with `"`, a quote inside doubled.
        case csv
        /// Tab-separated, with the same quoting and a header row.
        case tsv
        /// One example per line, `label<TAB>text`, no header and no quoting (the text may contain tabs:
        /// only the first one separates). Its columns are called `label` and `text`.
        case txt

        /// The format of `path` by its extension (case-insensitive), nil for any other.
        public init?(path: String) {
            self.init(rawValue: URL(fileURLWithPath: path).pathExtension.lowercased())
        }
    }

    /// Parses `data` (UTF-8, an optional byte-order mark, LF or CRLF line ends). Blank lines are skipped.
    /// Throws on bad UTF-8, an unterminated quote, or a row whose field count differs from the header's,
    /// naming the line.
    public static func parse(_ data: Data, format: Format) throws -> DelimitedTable {
        var bytes = [UInt8](data)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        // Check the encoding line by line so that the error can say where.
        var line = 1, start = 0
        for (i, b) in bytes.enumerated() where b == 0x0A || i == bytes.count - 1 {
            if String(validating: bytes[start...i], as: UTF8.self) == nil {
                throw ImportError("line \(line) is not valid UTF-8")
            }
            line += 1; start = i + 1
        }
        let text = String(decoding: bytes, as: UTF8.self)
        if text.allSatisfy(\.isWhitespace) { throw ImportError("the file is empty") }
        switch format {
        case .txt: return try parseLines(text)
        case .csv: return try parseQuoted(text, separator: ",")
        case .tsv: return try parseQuoted(text, separator: "\t")
        }
    }

    /// `label<TAB>text` lines.
    private static func parseLines(_ text: String) throws -> DelimitedTable {
        var table = DelimitedTable(header: ["label", "text"], rows: [], lines: [])
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.hasSuffix("\r") ? raw.dropLast() : raw
            if line.allSatisfy(\.isWhitespace) { continue }
            guard let tab = line.firstIndex(of: "\t") else {
                throw ImportError("line \(i + 1) has no tab; a .txt file holds one example per line as label<TAB>text")
            }
            table.rows.append([String(line[..<tab]), String(line[line.index(after: tab)...])])
            table.lines.append(i + 1)
        }
        return table
    }

    /// RFC 4180 records: fields separated by `separator`, records by LF or CRLF, `"` quoting (a quoted field may
    /// hold separators, line breaks and `""` for one quote).
    private static func parseQuoted(_ text: String, separator: UnicodeScalar) throws -> DelimitedTable {
        var records: [(fields: [String], line: Int)] = []
        var fields: [String] = [], field = String.UnicodeScalarView()
        var line = 1, recordLine = 1
        var quoted = false, wasQuoted = false, quoteLine = 0
        let scalars = Array(text.unicodeScalars)
        var i = 0
        func endField() { fields.append(String(field)); field = .init(); wasQuoted = false }
        func endRecord() {
            endField()
            // A blank line is no record.
            if !(fields.count == 1 && fields[0].isEmpty) { records.append((fields, recordLine)) }
            fields = []
        }
        while i < scalars.count {
            let c = scalars[i]
            if quoted {
                if c == "\"" {
                    if i + 1 < scalars.count && scalars[i + 1] == "\"" { field.append("\""); i += 1 } else { quoted = false }
                } else {
                    if c == "\n" { line += 1 }
                    field.append(c)
                }
            } else if c == "\"" && field.isEmpty && !wasQuoted {
                quoted = true; wasQuoted = true; quoteLine = line
            } else if c == "\"" {
                throw ImportError("line \(line): a quote inside an unquoted field; quote the whole field and double the quote (\"\")")
            } else if wasQuoted && c != separator && c != "\n" && c != "\r" {
                throw ImportError("line \(line): text after a closing quote; a quoted field must end at the separator")
            } else if c == separator {
                endField()
            } else if c == "\n" || c == "\r" {
                if c == "\r" && i + 1 < scalars.count && scalars[i + 1] == "\n" { i += 1 }
                endRecord(); line += 1; recordLine = line
            } else {
                field.append(c)
            }
            i += 1
        }
        if quoted { throw ImportError("line \(quoteLine): a quoted field is never closed") }
        if !field.isEmpty || !fields.isEmpty || wasQuoted { endRecord() }
        guard let header = records.first else { throw ImportError("the file is empty") }
        var table = DelimitedTable(header: header.fields.map { $0.trimmingCharacters(in: .whitespaces) }, rows: [], lines: [])
        for record in records.dropFirst() {
            guard record.fields.count == header.fields.count else {
                throw ImportError("line \(record.line) has \(record.fields.count) fields; the header has \(header.fields.count)")
            }
            table.rows.append(record.fields); table.lines.append(record.line)
        }
        return table
    }

    /// The index of column `name`, or an error listing the columns.
    public func column(_ name: String, option: String) throws -> Int {
        guard let i = header.firstIndex(of: name) else {
            throw ImportError("no column '\(name)' (\(option)); the columns are: " + header.joined(separator: ", "))
        }
        return i
    }
}
