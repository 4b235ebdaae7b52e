#!/bin/bash
# The thread-count table on a many-core machine without Swift (docs/performance.md, "Measuring on many cores"):
# seqbench's SeqBenchmarks (packed with its libraries by ../shared/many-core/pack-release.sh) against PyTorch,
# case by case at each thread count, interleaved (Benchmarks/compare.py).
#
# Here:   make build && swift build -c release -Xswiftc -target-cpu -Xswiftc native --product SeqBenchmarks
#         ../shared/many-core/pack-release.sh .many .build/release/seqbench .build/release/SeqBenchmarks
#         cp Benchmarks/compare.py Benchmarks/torch_bench.py Benchmarks/many_core.sh .many/
# There:  bash .many/many_core.sh OUT [THREADS…]      (default threads: 1 2 4 8 16)
#         ROUNDS (default 1), MIN_TIME (0.3 s a case) and COMPARE_ARGS (e.g. "--hidden 512 --length 64") narrow it.
# Writes OUT/seqbench.json, OUT/torch.json and OUT/table.txt (one ratio table per thread count).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: many_core.sh OUT [THREADS…]}
shift
threads=${*:-1 2 4 8 16}
mkdir -p "$out"
# compare.py runs one executable: a wrapper that starts the packed binary with its libraries.
cat > "$here/SeqBenchmarks.sh" <<WRAP
#!/bin/bash
exec bash "$here/run-packed.sh" SeqBenchmarks "\$@"
WRAP
chmod +x "$here/SeqBenchmarks.sh"
lscpu | grep -E '^(Model name|CPU\(s\)|L[123].*cache)' > "$out/machine.txt" || true
# shellcheck disable=SC2086
python3 "$here/compare.py" run --torch-python "${TORCH_PYTHON:-python3}" --seqbench "$here/SeqBenchmarks.sh" \
    --threads $threads --rounds "${ROUNDS:-1}" --min-time "${MIN_TIME:-0.3}" --out "$out" ${COMPARE_ARGS:-} \
    | tee "$out/log.txt"
python3 "$here/compare.py" "$out/seqbench.json" "$out/torch.json" > "$out/table.txt"
cat "$out/machine.txt"
