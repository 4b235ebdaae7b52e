import Foundation
import SeqData
import SeqHarness
import SeqModels
import XCTest

final class ExperimentConfigTests: XCTestCase {
    let base = """
        name: demo
        task:
          name: contains
          length: 12
          train_size: 64
        model:
          hidden: 16
        models: [lstm, {name: bilstm_attention, attention_dim: 8}]
        train:
          epochs: 2
          lr: 0.01
        seeds: [1, 2]
        sweep:
          task.length: [8, 12]
        """

    private func plan(_ yaml: String, overrides: [String] = []) throws -> ExperimentPlan {
        var c = try ExperimentConfig.parse(yaml: yaml, source: "x.yaml")
        for o in overrides { try c.apply(override: o) }
        return try c.plan()
    }

    /// The error's one-line description for a config that must fail.
    private func failure(_ yaml: String, overrides: [String] = []) -> String {
        do { _ = try plan(yaml, overrides: overrides); return "no error" } catch { return "\(error)" }
    }

    func testExpandsModelsTimesSweepTimesSeedsWithReadableIds() throws {
        let p = try plan(base)
        XCTAssertEqual(p.name, "demo")
        XCTAssertEqual(p.runs.map(\.id), [
            "lstm.length=8.seed=1", "lstm.length=8.seed=2",
            "bilstm_attention-attention_dim=8.length=8.seed=1", "bilstm_attention-attention_dim=8.length=8.seed=2",
            "lstm.length=12.seed=1", "lstm.length=12.seed=2",
            "bilstm_attention-attention_dim=8.length=12.seed=1", "bilstm_attention-attention_dim=8.length=12.seed=2",
        ])
        let first = p.runs[0].config, attention = p.runs[2].config
        XCTAssertEqual(first.task.int("length"), 8)
        XCTAssertEqual(first.task.int("train_size"), 64)
        XCTAssertEqual(first.task.int("vocab"), 12, "task defaults fill the rest")
        XCTAssertEqual(first.modelConfig.hidden, 16)
        XCTAssertEqual(first.modelConfig.attentionDim, 128, "schema default")
        XCTAssertEqual(attention.modelConfig.attentionDim, 8, "entry override")
        XCTAssertEqual(first.train.epochs, 2)
        XCTAssertEqual(first.train.learningRate, 0.01)
        XCTAssertEqual(first.train.batchSize, 32)
        XCTAssertEqual(p.runs[1].config.seed, 2)
        XCTAssertEqual(p.runs[4].point, ["task.length": "12"])
        XCTAssertEqual(Set(p.runs.map(\.id)).count, p.runs.count)
    }

    func testOverridesApplyBeforeTheSweepExpands() throws {
        let p = try plan(base, overrides: ["model.hidden=32", "train.epochs=1", "seeds=[7]", "sweep.task.length=[10]", "models=[rnn]"])
        XCTAssertEqual(p.runs.map(\.id), ["rnn.length=10.seed=7"])
        XCTAssertEqual(p.runs[0].config.modelConfig.hidden, 32)
        XCTAssertEqual(p.runs[0].config.train.epochs, 1)
        let typed = try plan(base, overrides: ["train.lr=1", "task.vocab=20"])
        XCTAssertEqual(typed.runs[0].config.train.learningRate, 1, "an integer is a valid number")
        XCTAssertEqual(typed.runs[0].config.task.int("vocab"), 20)
    }

    func testDefaultModelsAreEveryRegisteredModel() throws {
        let p = try plan("task: {name: contains}\n", overrides: [])
        XCTAssertEqual(p.runs.map(\.config.model), ModelRegistry.names)
        XCTAssertEqual(p.name, "x", "name defaults to the file name")
    }

    func testUnknownKeyNamesFileLineAndSuggestsTheNearest() {
        let yaml = base.replacingOccurrences(of: "  epochs: 2", with: "  epoch: 2")
        XCTAssertEqual(failure(yaml), "x.yaml:10: unknown key 'train.epoch'; did you mean 'train.epochs'?")
        XCTAssertEqual(failure(base.replacingOccurrences(of: "  length: 12", with: "  lenght: 12")),
                       "x.yaml:4: unknown key 'task.lenght'; did you mean 'task.length'?")
    }

    func testWrongTypesAndNonPositiveSizes() {
        XCTAssertEqual(failure(base.replacingOccurrences(of: "  epochs: 2", with: "  epochs: two")),
                       "x.yaml:10: 'train.epochs' must be an integer in 1…100000, got two")
        XCTAssertEqual(failure(base.replacingOccurrences(of: "  hidden: 16", with: "  hidden: 0")),
                       "x.yaml:7: 'model.hidden' must be an integer in 1…65536, got 0")
        XCTAssertEqual(failure(base.replacingOccurrences(of: "  hidden: 16", with: "  hidden: -4")),
                       "x.yaml:7: 'model.hidden' must be an integer in 1…65536, got -4")
        XCTAssertTrue(failure(base.replacingOccurrences(of: "  train_size: 64", with: "  train_size: 0")).contains("'train_size' must be a positive integer"))
        XCTAssertEqual(failure(base, overrides: ["train.optimizer=rmsprop"]),
                       "--set train.optimizer=rmsprop: 'train.optimizer' must be one of adam, adamw, sgd, got rmsprop")
        XCTAssertEqual(failure(base.replacingOccurrences(of: "  length: 12", with: "  vocab: many")),
                       "x.yaml:4: task contains: 'vocab' must be an integer, got a string")
    }

    func testUnknownModelOrTaskListsTheValidOnes() {
        XCTAssertEqual(failure(base.replacingOccurrences(of: "[lstm,", with: "[lstn,")),
                       "x.yaml:8: unknown model 'lstn'; expected one of: \(ModelRegistry.names.joined(separator: ", "))")
        XCTAssertEqual(failure(base.replacingOccurrences(of: "  name: contains", with: "  name: imdb")),
                       "x.yaml:3: unknown task 'imdb'; expected one of: \(TaskRegistry.names.joined(separator: ", "))")
    }

    func testEmptySweepAndBadOverrides() {
        XCTAssertEqual(failure(base.replacingOccurrences(of: "task.length: [8, 12]", with: "task.length: []")),
                       "x.yaml:14: 'sweep.task.length' is an empty list: a sweep needs at least one value")
        XCTAssertEqual(failure(base, overrides: ["train.epohcs=3"]), "--set train.epohcs=3: unknown key 'train.epohcs'; did you mean 'train.epochs'?")
        XCTAssertEqual(failure(base, overrides: ["nothing.here=1"]), "--set nothing.here=1: unknown key 'nothing.here'")
        XCTAssertEqual(failure(base, overrides: ["model.hidden"]), "--set model.hidden: expected key=value, e.g. --set train.epochs=5")
        XCTAssertEqual(failure(base, overrides: ["sweep.model.hiden=[1]"]), "--set sweep.model.hiden=[1]: unknown key 'model.hiden'; did you mean 'model.hidden'?")
    }

    func testExperimentNameMustNotEscapeTheResultsFolder() {
        XCTAssertTrue(failure(base.replacingOccurrences(of: "name: demo", with: "name: ../escape")).hasPrefix("x.yaml:1: experiment name '../escape' must be a plain folder name"))
        XCTAssertTrue(failure(base.replacingOccurrences(of: "name: demo", with: "name: a/b")).contains("must be a plain folder name"))
    }

    func testMissingDataFileIsReportedWithItsLine() throws {
        guard TaskRegistry.names.contains("hdf5") else { throw XCTSkip("the hdf5 task is not registered") }
        let yaml = "name: mine\ntask:\n  name: hdf5\n  path: no-such-file.h5\n"
        XCTAssertTrue(failure(yaml).hasPrefix("x.yaml:4: data file"), failure(yaml))
        XCTAssertTrue(failure(yaml).hasSuffix("no-such-file.h5 does not exist"), failure(yaml))
    }

    func testMalformedYAML() {
        XCTAssertTrue(failure("task: [unclosed\n").hasPrefix("x.yaml: not valid YAML"), failure("task: [unclosed\n"))
        XCTAssertEqual(failure("- just\n- a list\n"), "x.yaml: expected a mapping of keys (name, task, model, models, train, seeds, measure, threads, sweep)")
        XCTAssertEqual(failure("name: x\ntask:\n  name: [a]\n"), "x.yaml:3: 'task.name' must be a task name")
    }

    func testShippedExperimentsParse() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let folder = root.appendingPathComponent("Experiments").path
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".yaml") }.sorted()
        XCTAssertTrue(files.contains("default.yaml"), "the shipped experiments are found: \(files)")
        var planned = 0
        for file in files {
            do {
                let plan = try ExperimentConfig.load(folder + "/" + file).plan()
                XCTAssertFalse(plan.runs.isEmpty, file)
                XCTAssertEqual(plan.name, URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent, file)
                planned += 1
            } catch let error as ConfigError where error.message.contains("word lists") {
                continue   // langid without Debian's word lists installed
            }
        }
        XCTAssertGreaterThanOrEqual(planned, files.count - 1, "at most the langid experiment may be skipped")
    }
}
