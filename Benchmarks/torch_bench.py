#!/usr/bin/env python3
"""PyTorch timings of seqbench's benchmark cases (make bench-compare), for a side-by-side ratio.

Same cases as Benchmarks/SeqBenchmarks: models rnn, lstm, bilstm, bilstm_attention (docs/models.md);
dense input of 32 features (or --tokens: an embedding of 32); attention dim = hidden; 10 classes; 1 layer;
full-length sequences, so PyTorch takes its fastest CPU path (oneDNN's fused RNN primitive).
Modes: infer_b1 and infer_b32 (forward under inference_mode) and train_b32 (forward + cross-entropy +
backward + Adam). Each case: warm-up, then single-iteration timings until both --min-iters and --min-time.
Writes {"meta": …, "results": [{model, mode, hidden, length, median_ms, p90_ms, min_ms, spread, iters}]}.
"""
import argparse
import json
import math
import os
import platform
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

MODELS = ["rnn", "lstm", "bilstm", "bilstm_attention"]


class Classifier(nn.Module):
    """Module names match seqbench's parameter names: embedding, rnn, attention.proj, attention.v, classifier."""

    def __init__(self, kind, inputs, hidden, classes, tokens):
        super().__init__()
        self.kind, self.tokens = kind, tokens
        if tokens:
            self.embedding = nn.Embedding(inputs, inputs, padding_idx=0)
        recurrent = nn.RNN if kind == "rnn" else nn.LSTM
        bidirectional = kind.startswith("bilstm")
        self.rnn = recurrent(inputs, hidden, batch_first=True, bidirectional=bidirectional)
        width = 2 * hidden if bidirectional else hidden
        if kind == "bilstm_attention":
            self.attention = nn.Module()
            self.attention.proj = nn.Linear(width, hidden)
            self.attention.v = nn.Parameter(torch.empty(hidden).uniform_(-1 / math.sqrt(hidden), 1 / math.sqrt(hidden)))
        self.classifier = nn.Linear(width, classes)

    def forward(self, x):
        if self.tokens:
            x = self.embedding(x)
        out, state = self.rnn(x)
        h_n = state[0] if isinstance(state, tuple) else state
        if self.kind == "bilstm_attention":
            scores = torch.tanh(self.attention.proj(out)) @ self.attention.v          # [B, T]
            weights = torch.softmax(scores, dim=1)
            pooled = torch.bmm(weights.unsqueeze(1), out).squeeze(1)                  # [B, 2H]
        elif self.kind == "bilstm":
            pooled = torch.cat([h_n[-2], h_n[-1]], dim=-1)
        else:
            pooled = h_n[-1]
        return self.classifier(pooled)


def measure(step, warmup, min_iters, min_time):
    for _ in range(warmup):
        step()
    samples, start = [], time.perf_counter()
    while (len(samples) < min_iters or time.perf_counter() - start < min_time) and len(samples) < 5000:
        t0 = time.perf_counter_ns()
        step()
        samples.append((time.perf_counter_ns() - t0) / 1e6)
    a = np.asarray(samples)
    q1, q2, q3 = np.percentile(a, [25, 50, 75])
    return dict(median_ms=float(q2), p90_ms=float(np.percentile(a, 90)), min_ms=float(a.min()),
                spread=float((q3 - q1) / q2), iters=len(samples))


def run_case(kind, mode, hidden, length, args):
    torch.manual_seed(0)
    model = Classifier(kind, 32, hidden, 10, args.tokens)
    batch = 1 if mode == "infer_b1" else 32
    gen = torch.Generator().manual_seed(1)
    x = (torch.randint(1, 32, (batch, length), generator=gen) if args.tokens
         else torch.randn(batch, length, 32, generator=gen))
    if mode.startswith("infer"):
        model.eval()

        def step():
            with torch.inference_mode():
                model(x)
    else:
        labels = torch.randint(0, 10, (batch,), generator=gen)
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

        def step():
            optimizer.zero_grad(set_to_none=True)
            F.cross_entropy(model(x), labels).backward()
            optimizer.step()
    return measure(step, args.warmup, args.min_iters, args.min_time)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--models", nargs="+", default=MODELS, choices=MODELS)
    p.add_argument("--modes", nargs="+", default=["infer_b1", "infer_b32", "train_b32"])
    p.add_argument("--hidden", type=int, nargs="+", default=[128, 512])
    p.add_argument("--length", type=int, nargs="+", default=[64, 256])
    p.add_argument("--tokens", action="store_true")
    p.add_argument("--warmup", type=int, default=10)
    p.add_argument("--min-iters", type=int, default=30)
    p.add_argument("--min-time", type=float, default=1.0)
    p.add_argument("--out", default="Results/bench/torch.json")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    results = []
    for hidden in args.hidden:
        for length in args.length:
            for kind in args.models:
                for mode in args.modes:
                    r = dict(model=kind, mode=mode, hidden=hidden, length=length, **run_case(kind, mode, hidden, length, args))
                    print(f"{kind:17s} {mode:9s} {hidden:6d} {length:6d} {r['median_ms']:10.3f} ms", flush=True)
                    results.append(r)
    meta = dict(torch=torch.__version__, threads=args.threads, cpu=platform.processor(),
                cpu_capability=torch.backends.cpu.get_cpu_capability(), tokens=args.tokens)
    os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
    with open(args.out + ".tmp", "w") as f:
        json.dump(dict(meta=meta, results=results), f, indent=1)
    os.replace(args.out + ".tmp", args.out)


if __name__ == "__main__":
    main()
