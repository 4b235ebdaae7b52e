print("seqbench")
