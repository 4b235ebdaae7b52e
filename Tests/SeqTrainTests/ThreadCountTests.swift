import SeqModels
import SeqTensor
import SeqTrain
import TestSupport
import XCTest

/// Training does not depend on the thread count: large GEMMs split by rows of the output and recurrent steps
/// by sequences or hidden units, so every value is summed in the same order however many threads share the
/// work. Sizes are chosen so that every split happens (products of several million multiply-adds, batches of
/// one to three sequences sharing steps, and many sequences split across threads, by sequences or in sequence
/// groups × hidden-unit parts).
final class ThreadCountTests: XCTestCase {
    override func tearDown() { ComputeThreads.set(nil) }

    private func trainedWeights(model name: String, threads: Int, batchSize: Int, hidden: Int) throws -> [[Float]] {
        ComputeThreads.set(threads)
        let config = ModelConfig(input: .tokens, vocab: 50, embedDim: 64, features: 1, hidden: hidden, layers: 2,
                                 attentionDim: 64, classes: 5)
        let model = try ModelRegistry.make(name, config: config, seed: 3)
        let trainer = Trainer(model: model, config: TrainConfig(epochs: 1, batchSize: batchSize, learningRate: 0.01), seed: 3)
        let lengths = (0..<batchSize).map { 20 + ($0 * 7) % 21 }
        let batch = Samples.batch(for: config, lengths: lengths, length: 40)
        let labels = Samples.labels(count: batchSize, classes: 5)
        for _ in 0..<3 { trainer.step(batch, labels: labels) }
        return model.parameters.map(\.values)
    }

    func testTrainingIsBitIdenticalAtOneToFourThreads() throws {
        for (name, batch, hidden) in [("bilstm_attention", 32, 256), ("bilstm", 2, 256), ("lstm", 2, 512), ("rnn", 3, 128)] {
            let reference = try trainedWeights(model: name, threads: 1, batchSize: batch, hidden: hidden)
            // 8 and 16 threads (oversubscribed here) take the many-core splits: bidirectional layers of two
            // sequences with the threads shared between the directions, batch 32 in sequence groups × unit parts.
            for threads in [2, 3, 4, 8, 16] {
                let weights = try trainedWeights(model: name, threads: threads, batchSize: batch, hidden: hidden)
                XCTAssertEqual(weights, reference, "\(name), batch \(batch), H \(hidden): \(threads) threads against 1")
            }
        }
    }
}
