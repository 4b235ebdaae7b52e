import ArgumentParser
import SeqData
import SeqHarness
import SeqModels

/// `seqbench list models`
struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List the registered models, the tasks and their settings, or every setting key.",
        discussion: """
            `list keys` prints every setting an experiment config, `--set` and `train`, `flops` and `bench` accept, \
            with its type, default and meaning; `task.<setting>` keys depend on the task (`list tasks`). A bare name \
            that is not a top-level key is a short alias for the one key ending in it: hidden = model.hidden, \
            lr = train.lr, length = task.length, batch_size = train.batch_size.
            """)

    enum What: String, ExpressibleByArgument, CaseIterable { case models, tasks, keys }

    @Argument(help: "What to list: \(What.allCases.map(\.rawValue).joined(separator: ", ")).")
    var what: What = .models
    @Flag(help: "Print keys or tasks as Markdown tables (the README's).") var markdown = false

    func run() {
        switch what {
        case .models:
            let width = ModelRegistry.names.map(\.count).max() ?? 0
            for d in ModelRegistry.all {
                print(d.name + String(repeating: " ", count: width + 2 - d.name.count) + d.summary)
            }
        case .keys:
            print(markdown ? SettingsSchema.table.markdown() : SettingsSchema.table.plain())
        case .tasks:
            print(markdown ? TaskDocs.markdown() : TaskDocs.plain())
        }
    }
}
