import SeqData
import SeqModels
import SeqTrain
import XCTest

/// Runs that did not train are recognised from their own history and labels.
final class TrainingCheckTests: XCTestCase {
    let data = ContainsTokenTask(length: 12, minLength: 4, vocab: 10, trainSize: 400, validationSize: 200, testSize: 50).generate(seed: 3)
    let config = ModelConfig(input: .tokens, vocab: 10, embedDim: 8, hidden: 12, layers: 1, attentionDim: 8, classes: 2)

    private func fit(lr: Float, epochs: Int = 4) throws -> TrainingOutcome {
        let trainer = Trainer(model: try ModelRegistry.make("lstm", config: config, seed: 1),
                              config: TrainConfig(epochs: epochs, batchSize: 16, learningRate: lr, patience: 0), seed: 1)
        try trainer.fit(data)
        return TrainingCheck.judge(history: trainer.history, bestValidationAccuracy: trainer.bestValidationAccuracy,
                                   trainLabels: data.train.labels, validationLabels: data.validation.labels)
    }

    /// A run that cannot learn (learning rate 0) is flagged, with a hint.
    func testARunThatCannotLearnIsFlagged() throws {
        let outcome = try fit(lr: 0)
        XCTAssertFalse(outcome.trained)
        XCTAssertTrue(outcome.note.hasPrefix("did not train:"), outcome.note)
        XCTAssertTrue(outcome.note.contains("train.lr"), outcome.note)
    }

    func testARunThatLearnsIsNotFlagged() throws {
        let outcome = try fit(lr: 0.02, epochs: 8)
        XCTAssertTrue(outcome.trained, outcome.note)
        XCTAssertEqual(outcome.note, "")
    }

    func testAFiniteButExplodingLossIsFlagged() {
        let history = [1.2, 3e4, 3e31].enumerated().map {
            EpochRecord(epoch: $0.offset + 1, trainLoss: $0.element, validationLoss: 1, validationAccuracy: 0.9, seconds: 0)
        }
        let outcome = TrainingCheck.judge(history: history, bestValidationAccuracy: 0.9, trainLabels: [0, 1, 0, 1],
                                          validationLabels: [0, 1, 0, 1])
        guard case .lossExploded(let highest, let reference)? = outcome.problem else { return XCTFail("\(outcome)") }
        XCTAssertEqual(highest, 3e31)
        XCTAssertEqual(reference, log(2), accuracy: 1e-12, "the loss of predicting the class frequencies")
    }

    func testChanceIsTheMajorityClassOfTheValidationSplit() {
        let history = [EpochRecord(epoch: 1, trainLoss: 0.2, validationLoss: 0.5, validationAccuracy: 0.75, seconds: 0)]
        // 3 of 4 validation labels are class 0: 75 % is what always answering 0 gets.
        let outcome = TrainingCheck.judge(history: history, bestValidationAccuracy: 0.75, trainLabels: [0, 1],
                                          validationLabels: [0, 0, 0, 1])
        XCTAssertEqual(outcome.problem, .stayedAtChance(best: 0.75, chance: 0.75))
    }
}
