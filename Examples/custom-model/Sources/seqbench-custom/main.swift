import GRUModel
import SeqBenchCLI
import SeqModels

// The whole seqbench CLI (train, eval, predict, inspect, flops, bench, list, …) with `gru` registered.
ModelRegistry.register(GRUModel.descriptor)
SeqBench.main()
