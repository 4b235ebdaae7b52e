#!/usr/bin/env python3
"""Writes Tests/SeqHarnessTests/Resources/scipy_reference.json: reference values from scipy for the paired
statistics in Sources/SeqHarness/Statistics, which StatisticsTests compares against.

Made with scipy 1.17.1 (pip install scipy==1.17.1 numpy); the script prints the versions it ran with and the
fixture records them, because scipy's defaults (wilcoxon's method='auto' in particular) change between releases.
Every number is written with repr, so the JSON round-trips each float64 exactly.

Usage: python3 scripts/make_scipy_reference.py [output.json]
"""
import json, os, sys

import numpy as np
import scipy
from scipy import stats

PINNED = "1.17.1"
if scipy.__version__ != PINNED:
    sys.exit(f"scipy {scipy.__version__} is installed; the fixture is pinned to {PINNED}: pip install scipy=={PINNED} numpy")
print(f"scipy {scipy.__version__}, numpy {np.__version__}")

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "Tests/SeqHarnessTests/Resources/scipy_reference.json")

# Paired samples (a, b): accuracies in percent per seed. The Swift side forms d = a - b itself, with the same
# float64 subtraction numpy does.
paired = {
    "n3": ([91.2, 90.4, 92.0], [89.9, 90.1, 90.6]),
    "n5_negative": ([80.1, 79.4, 81.0, 78.8, 80.3], [81.5, 80.2, 81.3, 80.9, 80.0]),
    "n6": ([93.1, 92.4, 94.0, 92.9, 93.6, 92.2], [88.0, 87.9, 89.4, 86.1, 88.8, 87.5]),
    "n12": ([71.3, 72.8, 70.1, 73.4, 72.2, 71.9, 70.8, 72.5, 73.0, 71.1, 72.7, 70.6],
            [70.9, 71.2, 70.8, 72.1, 71.4, 72.3, 69.9, 71.6, 72.2, 71.5, 71.0, 70.2]),
    "n20": (list(np.round(np.linspace(60.0, 61.9, 20) + np.sin(np.arange(20)) * 0.7, 3)),
            list(np.round(np.linspace(60.0, 61.9, 20) + np.cos(np.arange(20) * 1.3) * 0.5, 3))),
}

ttest = []
for name, (a, b) in paired.items():
    r = stats.ttest_rel(a, b)
    d = np.subtract(a, b)
    n = len(d)
    lo, hi = stats.t.interval(0.95, df=n - 1, loc=np.mean(d), scale=stats.sem(d))
    ttest.append({"name": name, "a": a, "b": b, "statistic": float(r.statistic), "pvalue": float(r.pvalue),
                  "df": n - 1, "mean": float(np.mean(d)), "median": float(np.median(d)),
                  "std": float(np.std(d, ddof=1)), "interval95": [float(lo), float(hi)]})

# Wilcoxon signed-rank, zero_method='wilcox', two-sided. "pvalue" is what the Swift default (exact null
# distribution of W+ over the 2^m sign patterns of the nonzero differences' ranks, midranks for ties; normal
# approximation above 50) must give; "scipy_call" says which scipy computation produced it.
def exhaustive_signed_rank_p(d):
    """Exact conditional p-value with ties: scipy's own permutation test over every sign pattern (2^n of
    them, n_resamples=inf), which is what wilcoxon(method='auto') runs for n <= 13 with ties or zeros."""
    d = np.asarray(d, dtype=float)
    def w_plus(x, axis=-1):
        nz = np.where(x == 0, np.nan, x)
        r = stats.rankdata(np.abs(nz), axis=axis, nan_policy="omit")
        return np.nansum(np.where(nz > 0, r, 0.0), axis=axis)
    return float(stats.permutation_test((d,), w_plus, permutation_type="samples", n_resamples=np.inf,
                                        alternative="two-sided", vectorized=True).pvalue)

def auto_branch(d):
    """Which computation scipy 1.17's wilcoxon(method='auto') runs, mirroring scipy/stats/_wilcoxon.py."""
    d = np.asarray(d, dtype=float)
    nonzero = np.abs(d[d != 0])
    if len(d) > 50:
        return "asymptotic"
    if len(np.unique(nonzero)) == len(nonzero) and len(nonzero) == len(d):
        return "exact"
    return "exhaustive permutation" if len(d) <= 13 else "asymptotic"

wilcoxon = []
def add_wilcoxon(name, d, scipy_call, pvalue, statistic):
    wilcoxon.append({"name": name, "d": [float(x) for x in d], "scipy_call": scipy_call,
                     "pvalue": float(pvalue), "statistic": float(statistic),
                     "asymptotic_pvalue": float(stats.wilcoxon(d, method="asymptotic").pvalue)})

for name, d in {
    "all_positive_n6": [5.1, 4.5, 4.6, 6.8, 4.8, 4.7],
    "mixed_n8": [1.3, -0.4, 2.1, 0.9, -1.7, 3.2, 0.6, 2.5],
    "mixed_n12": list(np.subtract(*paired["n12"])),
    "mixed_n20_exact": [0.31, -0.12, 0.57, 0.08, -0.44, 0.92, 0.15, -0.27, 0.66, 0.49,
                        -0.05, 0.73, 0.21, -0.61, 0.38, 0.84, -0.19, 0.11, 0.55, 0.02],
}.items():
    # mixed_n12 comes from float subtraction, and two of its |d| are equal as float64: scipy ranks them as
    # ties, and so does the Swift side (both compare exactly).
    r = stats.wilcoxon(d)
    assert auto_branch(d) != "asymptotic"
    add_wilcoxon(name, d, f"wilcoxon(d) [auto -> {auto_branch(d)}]", r.pvalue, r.statistic)

zeros = [1.5, -0.5, 2.0, 0.0, 0.0, 3.0, 0.7]
r = stats.wilcoxon(zeros)   # zeros, n <= 13: auto -> exhaustive permutation; equals method='exact' on the nonzero
assert r.pvalue == stats.wilcoxon(zeros, method="exact").pvalue
add_wilcoxon("zeros_n7", zeros, f"wilcoxon(d) [auto -> {auto_branch(zeros)}] == method='exact'", r.pvalue, r.statistic)

ties = [1.0, -1.0, 2.0, 2.0, 3.0, -0.5, 4.0, 0.5]
r = stats.wilcoxon(ties)    # ties, n <= 13: auto -> exhaustive permutation = exact conditional distribution
assert auto_branch(ties) == "exhaustive permutation" and abs(r.pvalue - exhaustive_signed_rank_p(ties)) < 1e-15
add_wilcoxon("ties_n8", ties, f"wilcoxon(d) [auto -> {auto_branch(ties)}]", r.pvalue, r.statistic)

ties_zeros = [0.4, 0.0, -0.4, 1.2, 0.8, 0.8, 1.6, 0.0, 2.0, -0.8, 1.2]
r = stats.wilcoxon(ties_zeros)
add_wilcoxon("ties_zeros_n11", ties_zeros, f"wilcoxon(d) [auto -> {auto_branch(ties_zeros)}]", r.pvalue, r.statistic)

# Ties with n = 16 > 13: scipy's auto falls back to the normal approximation; the Swift default stays exact,
# so the reference is scipy's exhaustive permutation test (65 536 sign patterns).
ties16 = [0.5, 1.0, -0.5, 1.5, 1.0, 2.0, -1.0, 2.5, 1.5, 3.0, 0.5, -2.0, 3.5, 1.0, 4.0, -1.5]
add_wilcoxon("ties_n16", ties16, "permutation_test(..., n_resamples=inf) on W+",
             exhaustive_signed_rank_p(ties16), stats.wilcoxon(ties16).statistic)

# n = 60 > 50 with ties: scipy's auto and the Swift default both use the normal approximation (tie-corrected
# variance, no continuity correction).
big = [round(0.1 * (((i * 37) % 23) - 8), 1) for i in range(60)]
r = stats.wilcoxon(big)
assert r.pvalue == stats.wilcoxon(big, method="asymptotic").pvalue
assert auto_branch(big) == "asymptotic"
add_wilcoxon("ties_zeros_n60", big, "wilcoxon(d) [auto -> asymptotic]", r.pvalue, r.statistic)

# Two-sided exact binomial test at p = 0.5 (McNemar's exact test on the discordant counts).
binomial = [{"k": k, "n": n, "pvalue": float(stats.binomtest(k, n, 0.5).pvalue)}
            for k, n in [(1, 10), (3, 7), (10, 30), (0, 1), (1, 1), (0, 5), (5, 5), (4, 8), (7, 8), (20, 30),
                         (49, 100), (50, 100), (120, 300), (1400, 3000), (0, 1000), (3, 1000)]]

# Student t: two-sided p-values (2 sf(|t|)), 97.5 % quantiles, and quantiles at other levels.
t_pvalues = [{"t": t, "df": df, "pvalue": float(2 * stats.t.sf(abs(t), df))}
             for t, df in [(0.0, 3), (0.5, 1), (1.0, 2), (2.0, 5), (-2.5, 11), (3.7, 7), (12.0, 4), (50.0, 3),
                           (1.96, 1000), (0.1, 30), (8.0, 60), (4.4, 2.5)]]
t_quantiles = [{"p": p, "df": df, "quantile": float(stats.t.ppf(p, df))}
               for p, df in [(0.975, 1), (0.975, 2), (0.975, 3), (0.975, 4), (0.975, 5), (0.975, 9), (0.975, 11),
                             (0.975, 19), (0.975, 30), (0.975, 100), (0.975, 10000), (0.995, 5), (0.9, 7),
                             (0.025, 6), (0.5, 4)]]
normal = [{"x": x, "cdf": float(stats.norm.cdf(x))} for x in [-8.0, -3.0, -1.96, -0.5, 0.0, 0.7, 2.5, 6.0]]
normal_quantiles = [{"p": p, "quantile": float(stats.norm.ppf(p))}
                    for p in [1e-10, 0.001, 0.025, 0.3, 0.5, 0.8, 0.975, 0.999999]]

# Latency ratios per round: 95 % interval = exp(t interval of log r).
ratio_cases = []
for name, r in {"rounds3": [1.18, 1.22, 1.15], "rounds5": [0.91, 0.95, 0.88, 0.97, 0.92]}.items():
    lr = np.log(r)
    lo, hi = stats.t.interval(0.95, df=len(r) - 1, loc=np.mean(lr), scale=stats.sem(lr))
    ratio_cases.append({"name": name, "ratios": r, "geometric_mean": float(stats.gmean(r)),
                        "interval95": [float(np.exp(lo)), float(np.exp(hi))]})

fixture = {"scipy_version": scipy.__version__, "numpy_version": np.__version__,
           "made_by": "scripts/make_scipy_reference.py",
           "ttest_rel": ttest, "wilcoxon": wilcoxon, "binomtest": binomial,
           "t_two_sided_pvalue": t_pvalues, "t_quantile": t_quantiles,
           "normal_cdf": normal, "normal_quantile": normal_quantiles, "ratio_interval": ratio_cases}
with open(out, "w") as f:
    json.dump(fixture, f, indent=1)
    f.write("\n")
print(f"wrote {out}")
