#!/bin/bash
# make test-slurm: seqbench on a real single-node Slurm (loopback, private config, started and stopped here).
#
#  1. the reference: a tiny sweep (2 models × 2 seeds, 1 epoch) run on this machine with `seqbench run`;
#  2. the same sweep as a 4-task job array plus its collect job (`seqbench slurm … --submit`), waited for by
#     polling squeue; its metrics.h5 must equal the reference run for run, metric for metric (timings aside);
#  3. fault injection: submit again into a new folder, scancel one array task while it runs, let the collect
#     job report the hole, resubmit the array (the same command), and check that the finished runs were not
#     redone (their files untouched, "complete, skipped" in the new logs) and the merged results still equal;
#  4. a random search (`search:`): the trials array, the re-run array chained after it and the collect job
#     give the same runs and results as a `seqbench run` of the same config.
# Uses the release binary of `make test` (.build/release/seqbench). The cluster is stopped whatever happens.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HERE=$ROOT/Tests/slurm
BIN=${SEQBENCH:-$ROOT/.build/release/seqbench}
[ -x "$BIN" ] || { echo "test-slurm: $BIN missing; run make test (or make build) first" >&2; exit 1; }
START=$(date +%s%N)
WORK=$(mktemp -d /tmp/seqbench-slurm.XXXXXX)
CLUSTER=$WORK/cluster
# Ports of our own, so that another local cluster (the default 6817/6818) is left alone.
export SLURM_LOCAL_CTLD_PORT=${SLURM_LOCAL_CTLD_PORT:-16817} SLURM_LOCAL_SLURMD_PORT=${SLURM_LOCAL_SLURMD_PORT:-16818}
elapsed() { local ms=$(( ($(date +%s%N) - START) / 1000000 )); printf '%d.%d' $((ms / 1000)) $((ms % 1000 / 100)); }
log() { printf '[test-slurm %5ss] %s\n' "$(elapsed)" "$*"; }
fail() { log "FAIL: $*"; exit 1; }
cleanup() {
  local status=$?
  "$HERE/stop-local-slurm.sh" "$CLUSTER" || true
  if [ "$status" = 0 ]; then rm -rf "$WORK"; else log "kept $WORK for inspection"; fi
  log "$( [ "$status" = 0 ] && echo passed || echo FAILED ) (make test-slurm: $(elapsed) s)"
}
trap cleanup EXIT

# Slurm and munge from Debian (the start script installs them; a fresh machine needs the package lists first).
if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
  SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends slurmctld slurmd slurm-client munge >/dev/null
fi
eval "$("$HERE/start-local-slurm.sh" "$CLUSTER")"
log "cluster up: $(sinfo -h -o '%P %T %N %c CPUs')"

cd "$WORK"
# Runs long enough (2-5 s each) to be cancelled partway; 1 thread each, 2 tasks at once on 2 cores.
cat > tiny.yaml <<'EOF'
name: tiny
task: {name: contains, length: 32, min_length: 3, train_size: 50000, val_size: 64, test_size: 64}
model: {hidden: 64, embed_dim: 8, attention_dim: 16}
models: [lstm, bilstm_attention]
train: {epochs: 1, batch_size: 16, patience: 0}
seeds: [1, 2]
threads: 1
measure:
  latency: {batch_sizes: [1, 4], warmup: 1, samples: 20, max_seconds: 0.2}
EOF

# wait_jobs ID…: poll squeue until none of the jobs is queued or running (bounded), logging every change.
wait_jobs() {
  local ids last="" now deadline=$(( $(date +%s) + 120 ))
  ids=$(IFS=,; echo "$*")
  while :; do
    now=$(squeue -h -j "$ids" -o '%i %T' 2>/dev/null | sort | tr '\n' ' ')
    [ "$now" != "$last" ] && log "squeue: ${now:-(empty)}" && last=$now
    [ -z "$now" ] && return 0
    [ "$(date +%s)" -lt "$deadline" ] || fail "jobs $ids still queued after 120 s"
    sleep 0.3
  done
}
# states ID: every task's final state from scontrol (no accounting on this cluster, so no sacct).
states() {
  scontrol -o show job "$1" | tr ' ' '\n' | grep -E '^(JobId|ArrayTaskId|JobName|JobState|ExitCode)=' | paste -sd' ' \
    | sed 's/ JobId=/\nJobId=/g' | sed 's/^/    /'
}
# submit ARGS…: `seqbench slurm … --submit`; sets ARRAY and COLLECT to the job ids it prints.
submit() {
  local out; out=$("$BIN" slurm tiny.yaml --shards 4 --max-parallel 2 --cpus-per-task 1 --time 5 --submit "$@")
  echo "$out" | sed 's/^/    /'
  ARRAY=$(echo "$out" | sed -n 's/^submitted array job \([0-9]*\) .*/\1/p')
  COLLECT=$(echo "$out" | sed -n 's/.* and collect job \([0-9]*\) .*/\1/p')
  [ -n "$ARRAY" ] && [ -n "$COLLECT" ] || fail "no job ids in: $out"
}
compare() { python3 "$HERE/compare-metrics.py" "$BIN" Results/reference/metrics.h5 "$1/metrics.h5" | sed 's/^/    /'; }

log "1. reference: seqbench run on this machine"
"$BIN" run tiny.yaml --out Results/reference --quiet >/dev/null

log "2. the same sweep as a Slurm job array (4 tasks, %2) + collect job"
submit --out Results/array
log "the generated array script:"; sed 's/^/    /' Results/array/slurm/array.sbatch
wait_jobs "$ARRAY" "$COLLECT"
log "final states:"; states "$ARRAY"; states "$COLLECT"
scontrol -o show job "$COLLECT" | grep -q 'JobState=COMPLETED' || { cat Results/array/slurm/collect_*.out; fail "collect job did not complete"; }
compare Results/array || fail "Slurm results differ from the reference"

log "3. fault injection: cancel one array task while it runs, then resubmit"
submit --out Results/fault
victim=""; deadline=$(( $(date +%s) + 60 ))
while [ -z "$victim" ]; do   # a task seen RUNNING, and still running 0.7 s later: its training is under way
  t=$(squeue -h -j "$ARRAY" -t RUNNING -o '%i' | head -1)
  if [ -n "$t" ]; then
    sleep 0.7
    squeue -h -j "$t" -t RUNNING -o '%i' | grep -q . && victim=$t
  fi
  [ "$(date +%s)" -lt "$deadline" ] || fail "no array task seen running"
  [ -n "$victim" ] || sleep 0.1
done
log "squeue before scancel: $(squeue -h -j "$ARRAY" -o '%i %T' | tr '\n' ' ')"
scancel "$victim"
log "scancel $victim"
wait_jobs "$ARRAY" "$COLLECT"
log "final states after the cancellation:"; states "$ARRAY"; states "$COLLECT"
scontrol -o show job "$victim" | grep -q 'JobState=CANCELLED' || fail "$victim was not cancelled partway (it finished first)"
scontrol -o show job "$COLLECT" | grep -q 'ExitCode=1:0' || fail "the collect job should report the missing run"
log "the cancelled task's log (cut partway):"; sed 's/^/    /' Results/fault/slurm/"$victim".out
log "the collect job's report:"; grep -E 'runs completed|missing|failed|unfinished' Results/fault/slurm/collect_"$COLLECT".out | sed 's/^/    /'
finished=$(cd Results/fault/runs && for d in */; do [ -f "$d/run.h5" ] && echo "${d%/}"; done)
[ "$(echo "$finished" | wc -l)" = 3 ] || fail "expected 3 finished runs after cancelling one task, got: $finished"
stamps() { for r in $finished; do stat -c '%n %.9Y' Results/fault/runs/"$r"/{best,last,run}.h5; done; }
before=$(stamps)
first_array=$ARRAY

submit --out Results/fault
wait_jobs "$ARRAY" "$COLLECT"
log "final states after resubmitting:"; states "$ARRAY"; states "$COLLECT"
scontrol -o show job "$COLLECT" | grep -q 'JobState=COMPLETED' || { cat Results/fault/slurm/collect_"$COLLECT".out; fail "collect job did not complete"; }
[ "$(stamps)" = "$before" ] || fail "finished runs were redone: $(diff <(echo "$before") <(stamps))"
skipped=$(cat Results/fault/slurm/"$ARRAY"_*.out | grep -c 'complete, skipped' || true)
[ "$skipped" = 3 ] || fail "expected 3 'complete, skipped' lines in the resubmitted tasks' logs, got $skipped"
log "resubmitted array $ARRAY (first $first_array): 3 finished runs skipped, files untouched; the cancelled run redone:"
cat Results/fault/slurm/"$ARRAY"_*.out | grep -E 'complete, skipped|done: test acc' | sed 's/^/    /'
compare Results/fault || fail "results after the fault differ from the reference"
for folder in Results/array Results/fault; do
  for r in $(ls Results/reference/runs); do
    h5diff -q Results/reference/runs/"$r"/best.h5 "$folder/runs/$r/best.h5" /params /params || fail "$folder $r: weights differ"
  done
done
log "best.h5 weights of every run bit-identical to the reference in both Slurm folders (h5diff /params)"

log "4. a random search: trials array, re-run array (afterany) and collect job"
cat > search.yaml <<'EOF'
name: search
task: {name: contains, length: 16, min_length: 3, train_size: 512, val_size: 64, test_size: 64}
model: {hidden: 16, embed_dim: 8, attention_dim: 8}
models: [lstm, bilstm_attention]
train: {epochs: 1, batch_size: 16, patience: 0}
seeds: [1, 2]
threads: 1
search:
  n: 3
  seed: 5
  space:
    train.lr: {log_uniform: [0.001, 0.02]}
    model.hidden: {choice: [8, 16]}
measure:
  latency: {batch_sizes: [1], warmup: 1, samples: 5, max_seconds: 0.1}
EOF
"$BIN" run search.yaml --out Results/search-reference --quiet >/dev/null
out=$("$BIN" slurm search.yaml --shards 3 --max-parallel 2 --cpus-per-task 1 --time 5 --submit --out Results/search)
echo "$out" | sed 's/^/    /'
TRIALS=$(echo "$out" | sed -n 's/^submitted trials array job \([0-9]*\) .*/\1/p')
RERUN=$(echo "$out" | sed -n 's/.* re-run array job \([0-9]*\) .*/\1/p')
COLLECT=$(echo "$out" | sed -n 's/.* and collect job \([0-9]*\) .*/\1/p')
[ -n "$TRIALS" ] && [ -n "$RERUN" ] && [ -n "$COLLECT" ] || fail "no job ids in: $out"
wait_jobs "$TRIALS" "$RERUN" "$COLLECT"
log "final states:"; states "$TRIALS"; states "$RERUN"; states "$COLLECT"
scontrol -o show job "$COLLECT" | grep -q 'JobState=COMPLETED' || { cat Results/search/slurm/collect_*.out; fail "collect job did not complete"; }
runs() { ls "$1/runs" | sort | tr '\n' ' '; }
[ "$(runs Results/search)" = "$(runs Results/search-reference)" ] || fail "runs differ: $(runs Results/search) vs $(runs Results/search-reference)"
log "runs (3 trials per model on seed 1, then each model's best trial re-run on seed 2): $(runs Results/search)"
python3 "$HERE/compare-metrics.py" "$BIN" Results/search-reference/metrics.h5 Results/search/metrics.h5 | sed 's/^/    /' \
  || fail "Slurm search results differ from the reference"
