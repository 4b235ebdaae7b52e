#!/usr/bin/env python3
"""Writes Tests/SeqTrainTests/Resources/training_reference.h5: what PyTorch's optimizers, learning-rate
schedulers and dropout compute, for seqbench's tests to compare against (the tests only read the file).

Needs torch==2.15.0 (pinned: other versions may round differently), h5py and numpy:
    python3 -m venv /tmp/torchenv && /tmp/torchenv/bin/pip install torch==2.15.0 h5py numpy
    /tmp/torchenv/bin/python scripts/make_training_reference.py

Layout (every group holds its settings as attributes):
    /adamw, /adam_l2, /sgd_wd   params0 [n] float32, grads [S, n] float32, params [S, n] float32: the weights
                                after each of S updates with the given gradients
    /step_lr, /cosine           lr [S] float64: the rate of update (or epoch) 0 … S−1
    /plateau                    metrics [S], lr [S] float64: the rate after each epoch's metric
    /dropout                    x, mask (uint8), dy [n] float32; y = dropout(x), dx = d(y·dy)/dx [n] float32
"""
import math
import os
import sys

import h5py
import numpy as np
import torch

PINNED = "2.15.0"
STEPS = 20
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "SeqTrainTests", "Resources",
                   "training_reference.h5")


def f32(x):
    """The double nearest the float32 nearest x: seqbench holds rates and decays as Float."""
    return float(np.float32(x))


def optimizer_case(f, name, make, n=7, seed=1, **attrs):
    g = torch.Generator().manual_seed(seed)
    params0 = torch.randn(n, generator=g, dtype=torch.float32)
    grads = torch.randn(STEPS, n, generator=g, dtype=torch.float32) * 0.5
    w = torch.nn.Parameter(params0.clone())
    opt = make([w])
    history = []
    for t in range(STEPS):
        w.grad = grads[t].clone()
        opt.step()
        history.append(w.detach().clone())
    grp = f.create_group(name)
    grp["params0"] = params0.numpy()
    grp["grads"] = grads.numpy()
    grp["params"] = torch.stack(history).numpy()
    for k, v in attrs.items():
        grp.attrs[k] = v


def cosine_lambda(warmup, total, floor):
    """λ(t) of seqbench's warmup-cosine schedule (LearningRateSchedule.cosine), the same expression."""
    def lam(t):
        if t < warmup:
            return (t + 1) / warmup
        progress = min((t - warmup) / max(total - warmup, 1), 1)
        return floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * progress))
    return lam


def scheduler_rates(opt, sched, metrics=None):
    rates = []
    for t in range(STEPS):
        if metrics is None:
            rates.append(opt.param_groups[0]["lr"])   # the rate update t uses
            opt.step()
            sched.step()
        else:
            sched.step(metrics[t])
            rates.append(opt.param_groups[0]["lr"])   # the rate after epoch t's metric
    return np.array(rates, dtype=np.float64)


def main():
    if torch.__version__.split("+")[0] != PINNED:
        sys.exit(f"torch {PINNED} is pinned, found {torch.__version__}")
    with h5py.File(OUT, "w") as f:
        f.attrs["torch_version"] = str(torch.__version__)
        f.attrs["steps"] = STEPS

        lr, wd = f32(1e-2), f32(0.1)
        optimizer_case(f, "adamw", lambda p: torch.optim.AdamW(p, lr=lr, weight_decay=wd, foreach=False),
                       lr=lr, weight_decay=wd)
        optimizer_case(f, "adam_l2", lambda p: torch.optim.Adam(p, lr=lr, weight_decay=wd, foreach=False),
                       seed=2, lr=lr, weight_decay=wd)
        momentum = f32(0.9)
        optimizer_case(f, "sgd_wd", lambda p: torch.optim.SGD(p, lr=lr, momentum=momentum, weight_decay=wd,
                                                             foreach=False),
                       seed=3, lr=lr, weight_decay=wd, momentum=momentum)

        base = f32(2e-3)
        w = torch.nn.Parameter(torch.zeros(1))
        opt = torch.optim.SGD([w], lr=base)
        grp = f.create_group("step_lr")
        grp["lr"] = scheduler_rates(opt, torch.optim.lr_scheduler.StepLR(opt, step_size=3, gamma=0.5))
        grp.attrs.update(lr=base, step_size=3, gamma=0.5)

        warmup, min_lr = 4, 1e-4
        opt = torch.optim.SGD([w], lr=base)
        lam = cosine_lambda(warmup, STEPS, min_lr / base)
        grp = f.create_group("cosine")
        grp["lr"] = scheduler_rates(opt, torch.optim.lr_scheduler.LambdaLR(opt, lam))
        grp.attrs.update(lr=base, warmup_steps=warmup, total_steps=STEPS, min_lr=min_lr)

        for name, mode, metrics in [
            ("plateau_min", "min", [1.0, 0.9, 0.9, 0.8999, 0.95, 0.85, 0.86, 0.86, 0.87, 0.88,
                                    0.84, 0.84, 0.85, 0.83, 0.9, 0.91, 0.92, 0.93, 0.94, 0.95]),
            ("plateau_max", "max", [0.5, 0.6, 0.6, 0.60005, 0.59, 0.7, 0.7, 0.69, 0.71, 0.71,
                                    0.71, 0.70, 0.72, 0.72, 0.72, 0.72, 0.72, 0.72, 0.73, 0.73]),
        ]:
            opt = torch.optim.SGD([w], lr=base)
            sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, mode=mode, factor=0.5, patience=2,
                                                               threshold=1e-4, threshold_mode="rel", min_lr=2.6e-4)
            grp = f.create_group(name)
            grp["metrics"] = np.array(metrics, dtype=np.float64)
            grp["lr"] = scheduler_rates(opt, sched, metrics)
            grp.attrs.update(lr=base, mode=mode, factor=0.5, patience=2, threshold=1e-4, min_lr=2.6e-4)

        # Dropout as PyTorch's CPU kernel computes it (_dropout_impl): noise = bernoulli(1 − p) / (1 − p),
        # y = x · noise; here with a given noise, so the result does not depend on torch's generator.
        p, n = 0.3, 64
        g = torch.Generator().manual_seed(4)
        x = torch.randn(n, generator=g, dtype=torch.float32, requires_grad=True)
        mask = torch.rand(n, generator=g) >= p
        dy = torch.randn(n, generator=g, dtype=torch.float32)
        noise = mask.to(torch.float32).div_(1 - p)
        y = x * noise
        y.backward(dy)
        grp = f.create_group("dropout")
        grp["x"] = x.detach().numpy()
        grp["mask"] = mask.numpy().astype(np.uint8)
        grp["dy"] = dy.numpy()
        grp["y"] = y.detach().numpy()
        grp["dx"] = x.grad.numpy()
        grp.attrs["p"] = p
    print(f"wrote {os.path.normpath(OUT)} with torch {torch.__version__}")


if __name__ == "__main__":
    main()
