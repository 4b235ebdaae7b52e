import SeqData
import SeqModels
import SeqTrain
import XCTest

/// Every registered model really learns: ≥ 95 % test accuracy on "does token 1 occur?" over
/// sequences of length 5–20, within a small budget.
final class LearningTests: XCTestCase {
    func testEveryModelLearnsTheContainsTokenTask() throws {
        let task = ContainsTokenTask(length: 20, minLength: 5, vocab: 12, trainSize: 2000, validationSize: 300, testSize: 500)
        let data = task.generate(seed: 1)
        let config = ModelConfig(input: .tokens, vocab: task.vocab, embedDim: 16, hidden: 32, layers: 1,
                                 attentionDim: 16, classes: data.classes)
        let train = TrainConfig(epochs: 12, batchSize: 32, optimizer: .adam, learningRate: 0.01, clip: 1, patience: 4)
        for descriptor in ModelRegistry.all {
            let model = try ModelRegistry.make(descriptor.name, config: config, seed: 1)
            let trainer = Trainer(model: model, config: train, seed: 1)
            try trainer.fit(data)
            let accuracy = evaluate(model, on: data.test, batchSize: 64).accuracy
            print("\(descriptor.name): test accuracy \(accuracy) after \(trainer.history.count) epochs (best epoch \(trainer.bestEpoch))")
            XCTAssertGreaterThanOrEqual(accuracy, 0.95, "\(descriptor.name) did not learn the task")
        }
    }
}
