#!/usr/bin/env python3
"""compare-metrics.py SEQBENCH A/metrics.h5 B/metrics.h5

Asserts that two experiments' metrics.h5 hold the same runs, run for run and metric for metric, except the
measurements that depend on the clock or the process (latency, throughput, achieved GFLOP/s, sgemm rate,
training seconds, peak memory). Reads the files through `seqbench inspect --json` (no h5py needed).
Exit 0 when equal; prints every difference and exits 1 otherwise."""
import json, subprocess, sys

LIVE = ("latency_", "sequences_per_second_", "gflops_", "sgemm_gflops", "train_seconds", "peak_rss_mb")

def runs(seqbench, path):
    tree = json.loads(subprocess.check_output([seqbench, "inspect", "--json", path]))
    group = next(c for c in tree["children"] if c["path"] == "/runs")
    out = {}
    for run in group["children"]:
        children = {c["path"].rsplit("/", 1)[1]: c for c in run["children"]}
        attrs = {k: v for k, v in run["attributes"].items()}
        metrics = {k: v for k, v in children["metrics"]["attributes"].items() if not k.startswith(LIVE)}
        settings = children["settings"]["attributes"]
        modes = sorted(c["path"].rsplit("/", 1)[1] for c in children["latency"]["children"])
        out[attrs["run_id"]] = {"attributes": attrs, "metrics": metrics, "settings": settings, "latency modes": modes}
    return out

def main():
    seqbench, a_path, b_path = sys.argv[1:4]
    a, b = runs(seqbench, a_path), runs(seqbench, b_path)
    problems = []
    if sorted(a) != sorted(b):
        problems.append(f"run ids differ: {sorted(a)} vs {sorted(b)}")
    for rid in sorted(set(a) & set(b)):
        for part in ("attributes", "metrics", "settings", "latency modes"):
            x, y = a[rid][part], b[rid][part]
            if isinstance(x, dict):
                for k in sorted(set(x) | set(y)):
                    if x.get(k) != y.get(k):
                        problems.append(f"{rid} {part} {k}: {x.get(k)!r} vs {y.get(k)!r}")
            elif x != y:
                problems.append(f"{rid} {part}: {x!r} vs {y!r}")
    if problems:
        print("compare-metrics: DIFFERENT\n  " + "\n  ".join(problems))
        return 1
    n = len(next(iter(a.values()))["metrics"]) if a else 0
    print(f"compare-metrics: identical: {len(a)} runs, {n} metrics each (timings excluded), status, settings, config")
    return 0

if __name__ == "__main__":
    sys.exit(main())
