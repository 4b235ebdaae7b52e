#!/usr/bin/env python3
"""Writes words.csv (columns word, language) from the Debian word lists in /usr/share/dict (`make data`).

Each language keeps up to --per-language words of 3–16 letters that appear in no other chosen list, lowercased,
drawn with --seed; rows are shuffled. Then:

    seqbench import words.csv --text-column word --label-column language --out words.h5
    seqbench run words.yaml
"""
import argparse
import csv
import os
import random

LISTS = {"en": "american-english", "de": "ngerman", "fr": "french", "es": "spanish", "it": "italian",
         "pt": "portuguese", "nl": "dutch"}


def words(path):
    kept = set()
    with open(path, encoding="utf-8") as f:
        for line in f:
            w = line.strip().lower()
            if w.isalpha() and 3 <= len(w) <= 16:
                kept.add(w)
    return kept


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--dict", default="/usr/share/dict")
    p.add_argument("--per-language", type=int, default=2000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--out", default="words.csv")
    args = p.parse_args()
    lists = {lang: words(os.path.join(args.dict, name)) for lang, name in LISTS.items()
             if os.path.exists(os.path.join(args.dict, name))}
    if len(lists) < 2:
        raise SystemExit(f"{args.dict}: fewer than two word lists; install them with `make data`")
    rng = random.Random(args.seed)
    rows = []
    for lang, kept in sorted(lists.items()):
        others = set().union(*(v for k, v in lists.items() if k != lang))
        unique = sorted(kept - others)
        rng.shuffle(unique)
        rows += [(w, lang) for w in unique[:args.per_language]]
    rng.shuffle(rows)
    tmp = args.out + ".tmp"
    with open(tmp, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["word", "language"])
        writer.writerows(rows)
    os.replace(tmp, args.out)
    print(f"{args.out}: {len(rows)} words in {len(lists)} languages")


if __name__ == "__main__":
    main()
