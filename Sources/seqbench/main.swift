import SeqBenchCLI

SeqBench.main()
