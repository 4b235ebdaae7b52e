# Write a word-language-ID data set for seqbench's hdf5 task: each word is a sequence of character ids,
# labelled with its language; the names stay with the data as string attributes.
import sys

import h5py
import numpy as np

words = {"en": ["house", "water", "green", "night", "bread", "small"],
         "de": ["haus", "wasser", "grün", "nacht", "brot", "klein"],
         "fr": ["maison", "eau", "vert", "nuit", "pain", "petit"]}
classes = list(words)                                         # label 0 = en, 1 = de, 2 = fr
vocab = "".join(sorted({c for ws in words.values() for w in ws for c in w}))   # ids 1, 2, …; 0 is padding
examples = [(w, classes.index(lang)) for lang, ws in words.items() for w in ws]
T = max(len(w) for w, _ in examples)

tokens = np.zeros((len(examples), T), dtype=np.int32)
for i, (w, _) in enumerate(examples):
    tokens[i, :len(w)] = [vocab.index(c) + 1 for c in w]

with h5py.File(sys.argv[1], "w") as f:
    f["tokens"] = tokens
    f["lengths"] = np.array([len(w) for w, _ in examples], dtype=np.int32)
    f["labels"] = np.array([y for _, y in examples], dtype=np.int32)
    f["split"] = np.array([0, 0, 0, 0, 1, 2] * len(classes), dtype=np.int32)  # 0 train, 1 validation, 2 test
    f.attrs["classes"] = ",".join(classes)                    # "en,de,fr"
    f.attrs["vocab"] = vocab                                  # the characters of ids 1, 2, … in order
