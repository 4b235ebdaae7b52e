#!/usr/bin/env python3
"""Prints seqbench / PyTorch per benchmark case from the two JSON files `make bench-compare` writes."""
import json
import sys


def load(path):
    with open(path) as f:
        data = json.load(f)
    return data["meta"], {(r["model"], r["mode"], r["hidden"], r["length"]): r for r in data["results"]}


def main(ours_path="Results/bench/seqbench.json", torch_path="Results/bench/torch.json"):
    ours_meta, ours = load(ours_path)
    torch_meta, theirs = load(torch_path)
    print(f"seqbench {ours_meta['seqbench_version']} ({ours_meta['build']}, {ours_meta['threads']} threads) vs "
          f"PyTorch {torch_meta['torch']} ({torch_meta['cpu_capability']}, {torch_meta['threads']} threads); "
          f"{ours_meta['cpu']}")
    targets = {"train_b32": 0.8, "infer_b1": 0.5, "infer_b32": 1.0}
    print(f"{'model':17s} {'mode':9s} {'H':>4s} {'T':>4s} {'seqbench ms':>12s} {'torch ms':>10s} {'ratio':>7s} {'target':>7s}")
    met = total = 0
    for key in sorted(ours, key=lambda k: (k[2], k[3], ["rnn", "lstm", "bilstm", "bilstm_attention"].index(k[0])
                                           if k[0] in ["rnn", "lstm", "bilstm", "bilstm_attention"] else 9, k[1])):
        if key not in theirs:
            continue
        a, b = ours[key]["median_ms"], theirs[key]["median_ms"]
        ratio, target = a / b, targets.get(key[1])
        ok = "" if target is None else ("ok" if ratio <= target else "MISS")
        if target is not None and key[0] != "rnn":
            total += 1
            met += ratio <= target
        print(f"{key[0]:17s} {key[1]:9s} {key[2]:4d} {key[3]:4d} {a:12.3f} {b:10.3f} {ratio:6.2f}× {('≤ %.1f×' % target) if target else '':>7s} {ok}")
    print(f"\ntargets met (lstm family): {met}/{total}")


if __name__ == "__main__":
    main(*sys.argv[1:])
