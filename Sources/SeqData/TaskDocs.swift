import Foundation

/// The task documentation, generated from the registry's descriptors (name, summary, each parameter's
/// default, range and help): `seqbench list tasks` (plain and `--markdown`, the README's table) and the task
/// part of `seqbench run --help` all come from here, so they cannot disagree.
public enum TaskDocs {
    /// `name: summary`, then one indented line per setting: `name = default (range)    help`.
    public static func plain(_ tasks: [TaskDescriptor] = TaskRegistry.all) -> String {
        tasks.map { d in
            (["\(d.name): \(d.summary)"] + d.parameters.map { p in
                "    \(p.name) = \(shown(p.defaultValue))" + (p.rangeSummary.map { " (\($0))" } ?? "") + "    \(p.help)"
            }).joined(separator: "\n")
        }.joined(separator: "\n")
    }

    /// Two GitHub pipe tables: the tasks with their summaries, then every setting (the README's copy).
    public static func markdown(_ tasks: [TaskDescriptor] = TaskRegistry.all) -> String {
        func cell(_ s: String) -> String { s.replacingOccurrences(of: "|", with: "\\|") }
        var lines = ["| task | what it is |", "|:---|:---|"]
        lines += tasks.map { "| \($0.name) | \(cell($0.summary)) |" }
        lines += ["", "| task | setting | default | range | meaning |", "|:---|:---|:---|:---|:---|"]
        for d in tasks {
            for p in d.parameters {
                lines.append("| \(d.name) | \(p.name) | \(cell(shown(p.defaultValue))) | \(p.rangeSummary ?? "—") | \(cell(p.help)) |")
            }
        }
        return lines.joined(separator: "\n")
    }

    /// One paragraph for a command's help: each task's name and summary.
    public static func helpParagraph(_ tasks: [TaskDescriptor] = TaskRegistry.all) -> String {
        "Tasks (task.name; their settings are task.<setting>, listed by `seqbench list tasks`): "
            + tasks.map { "\($0.name): \($0.summary)." }.joined(separator: " ")
    }

    /// A default as a config would spell it; an empty string shows as "".
    private static func shown(_ value: ConfigValue) -> String {
        if case .string(let s) = value, s.isEmpty { return "\"\"" }
        return value.description
    }

    /// The lines between `<!-- tasks:begin -->` and `<!-- tasks:end -->` of a Markdown text (the README), nil
    /// when the markers are missing: what the README test compares with `markdown()`.
    public static func section(of markdown: String) -> String? {
        guard let begin = markdown.range(of: beginMarker + "\n"),
              let end = markdown.range(of: "\n" + endMarker, range: begin.upperBound..<markdown.endIndex) else { return nil }
        return String(markdown[begin.upperBound..<end.lowerBound])
    }

    public static let beginMarker = "<!-- tasks:begin -->", endMarker = "<!-- tasks:end -->"
}
