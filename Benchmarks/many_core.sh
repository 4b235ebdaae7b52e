#!/bin/bash
# The thread-count table on a many-core machine without Swift (docs/performance.md, "Measuring on many cores"):
# seqbench's SeqBenchmarks (packed with its libraries by ../shared/many-core/pack-release.sh) against PyTorch,
# case by case at each thread count, interleaved (Benchmarks/compare.py).
#
# Here:   make build && swift build -c release -Xswiftc -target-cpu -Xswiftc native --product SeqBenchmarks
#         ../shared/many-core/pack-release.sh .many .build/release/seqbench .build/release/SeqBenchmarks
#         cp Benchmarks/compare.py Benchmarks/torch_bench.py Benchmarks/many_core.sh .many/
# There:  bash .many/many_core.sh OUT [THREADS…]      (default threads: 1 2 4 8 16)
#         ROUNDS (default 1), MIN_TIME (0.3 s a case) and COMPARE_ARGS (e.g. "--hidden 512 --length 64") narrow it;
#         BUDGET_S stops the measuring after that many seconds and keeps what was measured (the counts run in the
#         order given: "16 8 1" measures the many-core cases first).
# Writes OUT/seqbench.json, OUT/torch.json and OUT/table.txt (one ratio table per thread count, then the speed-ups).
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
status=0
# shellcheck disable=SC2086
timeout "${BUDGET_S:-86400}" python3 "$here/compare.py" run --torch-python "${TORCH_PYTHON:-python3}" \
    --seqbench "$here/SeqBenchmarks.sh" --threads $threads --rounds "${ROUNDS:-1}" --min-time "${MIN_TIME:-0.3}" \
    --out "$out" ${COMPARE_ARGS:-} | tee "$out/log.txt" || status=$?
# compare.py rewrites both result files after every case group, so a stopped run still has a table.
if [ -f "$out/seqbench.json" ] && [ -f "$out/torch.json" ]; then
    python3 "$here/compare.py" "$out/seqbench.json" "$out/torch.json" > "$out/table.txt"
fi
if [ "$status" != 0 ]; then
    echo "many_core.sh: measuring stopped (exit $status, BUDGET_S=${BUDGET_S:-none}); table.txt holds what was measured" \
        | tee -a "$out/log.txt"
fi
cat "$out/machine.txt"
