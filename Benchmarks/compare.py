#!/usr/bin/env python3
"""seqbench / PyTorch per benchmark case.

  compare.py run [--torch-python P] [--seqbench B] [--hidden ..] [--length ..] [--models ..] [--min-time S]
                 [--rounds R] [--threads N [N ..]]
      Measures both side by side, interleaved: for each (thread count, hidden, length, model) group PyTorch's
      cases and seqbench's run back to back at that thread count (which goes first alternates), so drifting load
      on a shared machine hits both alike. With R rounds every group is measured R times; each side's figure is
      then the median of its R medians, and the ratio the median of the R same-round ratios. Writes
      Results/bench/torch.json and Results/bench/seqbench.json (the round-medians; per-round medians under
      "rounds_ms"), then prints one ratio table per thread count (default: one count, this machine's cores).
  compare.py [SEQBENCH_JSON TORCH_JSON]
      Prints the ratios from two result files.

  The table's "rounds" column is the lowest and highest same-round ratio; a target that some rounds meet and
  others miss is marked "on the line". With several thread counts, "torch best" is PyTorch's fastest median over
  all the counts measured (and at which count), and "vs best" seqbench's ratio to it; a last table gives each
  side's speed-up from the fewest threads to every other count.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

MODELS = ["rnn", "lstm", "bilstm", "bilstm_attention"]
TARGETS = {"train_b32": 0.8, "infer_b1": 0.5, "infer_b32": 1.0}


def load(path):
    """The file's meta and its results by case key (model, mode, hidden, length, threads)."""
    with open(path) as f:
        data = json.load(f)
    meta = data["meta"]
    return meta, {(r["model"], r["mode"], r["hidden"], r["length"], r.get("threads", meta["threads"])): r
                  for r in data["results"]}


def median(values):
    values = sorted(values)
    n = len(values)
    return values[n // 2] if n % 2 else (values[n // 2 - 1] + values[n // 2]) / 2


def report(ours_meta, ours, torch_meta, theirs):
    """One ratio table per thread count, then (several counts) how each side scales."""
    counts = sorted({k[4] for k in ours})
    for i, threads in enumerate(counts):
        if i:
            print()
        table(threads, ours_meta, {k: v for k, v in ours.items() if k[4] == threads}, torch_meta, theirs,
              several=len(counts) > 1)
    if len(counts) > 1:
        print()
        scaling(counts, ours, theirs)


def scaling(counts, ours, theirs):
    """Each case's speed-up from the fewest threads measured to each other count, seqbench then PyTorch. A
    train_b32 case at H 512 is checked against the target of ≥ 6× from 1 to 16 threads where both were measured."""
    first = counts[0]
    print(f"speed-up over {first} thread(s): seqbench | PyTorch")
    header = " ".join(f"{'@' + str(c):>6s}" for c in counts[1:])
    print(f"{'model':17s} {'mode':9s} {'H':>4s} {'T':>4s} {header} | {header}")
    order = lambda k: (k[2], k[3], MODELS.index(k[0]) if k[0] in MODELS else 9, k[1])
    for key in sorted({k[:4] for k in ours}, key=order):
        def row(results):
            base = results.get(key + (first,))
            cells = []
            for c in counts[1:]:
                other = results.get(key + (c,))
                cells.append(f"{base['median_ms'] / other['median_ms']:5.2f}×" if base and other else f"{'—':>6s}")
            return " ".join(cells)
        note = ""
        if key[1] == "train_b32" and key[2] == 512 and first == 1 and 16 in counts and key + (16,) in ours:
            gain = ours[key + (1,)]["median_ms"] / ours[key + (16,)]["median_ms"]
            note = f"  1 → 16: {gain:.1f}× (target ≥ 6×) {'ok' if gain >= 6 else 'MISS'}"
        print(f"{key[0]:17s} {key[1]:9s} {key[2]:4d} {key[3]:4d} {row(ours)} | {row(theirs)}{note}")


def table(threads, ours_meta, ours, torch_meta, theirs, several):
    print(f"{threads} threads: seqbench {ours_meta['seqbench_version']} ({ours_meta['build']}) vs "
          f"PyTorch {torch_meta['torch']} ({torch_meta['cpu_capability']}); {ours_meta['cpu']}"
          + (f", L2 {ours_meta['l2_bytes'] >> 10} KiB per core" if "l2_bytes" in ours_meta else ""))
    best_header = f" {'torch best':>14s} {'vs best':>7s}" if several else ""
    print(f"{'model':17s} {'mode':9s} {'H':>4s} {'T':>4s} {'seqbench ms':>12s} {'torch ms':>10s} {'ratio':>7s} "
          f"{'rounds':>11s}{best_header} {'target':>7s}")
    met = total = 0
    order = lambda k: (k[2], k[3], MODELS.index(k[0]) if k[0] in MODELS else 9, k[1])
    for key in sorted(ours, key=order):
        if key not in theirs:
            continue
        a, b = ours[key]["median_ms"], theirs[key]["median_ms"]
        ratio, target = ours[key].get("ratio", a / b), TARGETS.get(key[1])
        ok = "" if target is None else ("ok" if ratio <= target else "MISS")
        # The spread of the same-round ratios: a case whose rounds straddle its target is on the line.
        pairs = list(zip(ours[key].get("rounds_ms", []), theirs[key].get("rounds_ms", [])))
        spread = f"{min(x / y for x, y in pairs):.2f}–{max(x / y for x, y in pairs):.2f}" if len(pairs) > 1 else ""
        if spread and target is not None and ok == "ok" and max(x / y for x, y in pairs) > target:
            ok = "ok (on the line)"
        elif spread and target is not None and ok == "MISS" and min(x / y for x, y in pairs) <= target:
            ok = "MISS (on the line)"
        if target is not None and key[0] != "rnn":
            total += 1
            met += ratio <= target
        best = ""
        if several:
            # PyTorch's fastest thread count for this case, among all counts measured.
            same_case = [(v["median_ms"], k[4]) for k, v in theirs.items() if k[:4] == key[:4]]
            best_ms, best_threads = min(same_case)
            best = f" {best_ms:8.3f} @{best_threads:<4d} {a / best_ms:6.2f}×"
        print(f"{key[0]:17s} {key[1]:9s} {key[2]:4d} {key[3]:4d} {a:12.3f} {b:10.3f} {ratio:6.2f}× {spread:>11s}{best} "
              f"{('≤ %.1f×' % target) if target else '':>7s} {ok}")
    print(f"targets met at {threads} threads (lstm family): {met}/{total}")


def write(path, meta, results):
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path + ".tmp", "w") as f:
        json.dump(dict(meta=meta, results=results), f, indent=1, sort_keys=True)
    os.replace(path + ".tmp", path)


def run(argv):
    p = argparse.ArgumentParser(prog="compare.py run")
    p.add_argument("--torch-python", default=".venv-torch/bin/python")
    p.add_argument("--seqbench", default=".build/release/SeqBenchmarks")
    p.add_argument("--hidden", type=int, nargs="+", default=[128, 512])
    p.add_argument("--length", type=int, nargs="+", default=[64, 256])
    p.add_argument("--models", nargs="+", default=MODELS, choices=MODELS)
    p.add_argument("--min-time", default="0.5")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--threads", type=int, nargs="+", default=[os.cpu_count()],
                   help="thread counts; each side runs every case at each count (default: this machine's cores)")
    p.add_argument("--out", default="Results/bench")
    args = p.parse_args(argv)
    if any(n < 1 for n in args.threads) or len(set(args.threads)) != len(args.threads):
        p.error("--threads takes distinct counts of at least 1")
    p_rounds = args.rounds
    merged = None
    here = os.path.dirname(os.path.abspath(__file__))
    metas, rounds = {}, {"torch": {}, "seqbench": {}}   # side → case key → [result per round]
    groups = [(n, h, t, m) for n in args.threads for h in args.hidden for t in args.length for m in args.models]
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(p_rounds):
            for i, (n, h, t, m) in enumerate(groups):
                case = ["--hidden", str(h), "--length", str(t), "--models", m, "--min-time", args.min_time,
                        "--threads", str(n)]
                commands = {
                    "torch": [args.torch_python, os.path.join(here, "torch_bench.py")] + case,
                    "seqbench": [args.seqbench, "--no-step-products"] + case,
                }
                print(f"[round {r + 1}/{p_rounds}, {i + 1}/{len(groups)}] {m}, H {h}, T {t}, {n} threads", flush=True)
                for side in (["torch", "seqbench"] if (i + r) % 2 == 0 else ["seqbench", "torch"]):
                    out = os.path.join(tmp, f"{side}.json")
                    subprocess.run(commands[side] + ["--out", out], check=True, stdout=subprocess.DEVNULL)
                    metas[side], results = load(out)
                    for key, result in results.items():
                        result["threads"] = key[4]
                        rounds[side].setdefault(key, []).append(result)
                # Both files after every group: a run stopped early (a time limit) keeps what it measured.
                merged = save(args, metas, rounds)
    report(metas["seqbench"], merged["seqbench"], metas["torch"], merged["torch"])


def save(args, metas, rounds):
    """Each side's round medians and the same-round ratios so far, written to --out; returns them by side."""
    merged = {}
    for side in ("torch", "seqbench"):
        merged[side] = {}
        for key, results in rounds[side].items():
            row = dict(results[0])
            row["rounds_ms"] = [x["median_ms"] for x in results]
            row["median_ms"] = median(row["rounds_ms"])
            merged[side][key] = row
    for key, row in merged["seqbench"].items():
        if key in merged["torch"]:
            pairs = zip(row["rounds_ms"], merged["torch"][key]["rounds_ms"])
            row["ratio"] = median([a / b for a, b in pairs])
    for side, name in (("torch", "torch.json"), ("seqbench", "seqbench.json")):
        meta = dict(metas[side], rounds=args.rounds, thread_counts=args.threads)
        write(os.path.join(args.out, name), meta, list(merged[side].values()))
    return merged


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "run":
        run(sys.argv[2:])
    else:
        paths = sys.argv[1:] or ["Results/bench/seqbench.json", "Results/bench/torch.json"]
        ours_meta, ours = load(paths[0])
        torch_meta, theirs = load(paths[1])
        report(ours_meta, ours, torch_meta, theirs)


if __name__ == "__main__":
    main()
