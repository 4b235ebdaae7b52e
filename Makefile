# seqbench — make run | test | fuzz | test-slurm | bench | bench-compare | data | clean
# `run` and `test` install the Debian packages they need when missing (apt-get, as root or via sudo).

SWIFT        ?= swift
RELEASE      := -c release -Xswiftc -target-cpu -Xswiftc native
APT_PACKAGES := pkg-config libhdf5-dev libdnnl-dev hdf5-tools
WORD_LISTS   := wamerican wngerman wfrench wspanish witalian wportuguese wdutch
SUDO         := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
BIN          := .build/release/seqbench

.PHONY: all deps data build run test fuzz test-slurm bench bench-compare clean

all: build

# $(call install_missing,PACKAGES): apt-get install those not installed yet (apt-get update first).
define install_missing
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "seqbench: installing$$missing"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi
endef

## deps: install missing system packages (HDF5, oneDNN)
deps:
	$(call install_missing,$(APT_PACKAGES))

## data: install missing word lists of the langid task (/usr/share/dict)
data:
	$(call install_missing,$(WORD_LISTS))

## build: release build of the CLI
build: deps
	$(SWIFT) build $(RELEASE) --product seqbench

## run: build and run the default comparison on built-in data, then print the summary
run: build data
	$(BIN) run Experiments/default.yaml --force

## test: check module imports against Package.swift, then build and run the whole test suite (release build: the gradient checks probe every weight;
## -enable-testing for the few tests that reach internals with @testable)
test: deps data
	python3 scripts/check-imports.py
	$(SWIFT) build $(RELEASE) -Xswiftc -enable-testing --build-tests
	$(SWIFT) test $(RELEASE) -Xswiftc -enable-testing --skip-build --disable-swift-testing
	python3 scripts/fuzz_checkpoints.py --mutants 200 --seconds 45 --read-timeout 2

## fuzz: mutation fuzzing of the readers of untrusted files (eval, predict, inspect: bit flips, truncation,
## overwrites, duplicated chunks, and with h5py wrong dtypes/shapes, huge dims, link cycles, external storage
## and links) for FUZZ_SECONDS (default 600); exits 1 on a crash, hang, unclean error or read outside the file.
## FUZZ_ARGS passes options (e.g. --seed 7 --jobs 4, or --replay 7:123 to rerun one mutant).
FUZZ_SECONDS ?= 600
fuzz: deps
	$(SWIFT) build $(RELEASE) -Xswiftc -enable-testing --product seqbench
	python3 scripts/fuzz_checkpoints.py --seconds $(FUZZ_SECONDS) $(FUZZ_ARGS)

## test-slurm: seqbench on a real single-node Slurm started on loopback (installs slurm + munge, needs root):
## a 4-task job array + collect job equals a single-machine run, also after cancelling a task and resubmitting.
## Uses the release binary of `make test` (the build below is a no-op after it).
test-slurm: deps
	$(SWIFT) build $(RELEASE) -Xswiftc -enable-testing --build-tests
	Tests/slurm/test-slurm.sh

## bench: every model × {infer_b1, infer_b32, train_b32} × hidden {128, 512} × length {64, 256} (release build);
## a table, and JSON in Results/bench/seqbench.json. BENCH_ARGS passes options (e.g. --hidden 128 --min-time 0.5).
bench: deps
	$(SWIFT) build $(RELEASE) --product SeqBenchmarks
	.build/release/SeqBenchmarks $(BENCH_ARGS)

## bench-compare: the same cases through PyTorch (Benchmarks/torch_bench.py) and seqbench, interleaved model by
## model so that drifting load hits both alike, then the ratio seqbench/PyTorch per case. Needs a virtualenv
## with torch in .venv-torch (never part of make test or CI). THREADS="1 2 4 8 16" measures every case at each
## count (one table per count; default: one per core). COMPARE_ARGS narrows it (e.g. --hidden 512 --length 64).
TORCH_PY := .venv-torch/bin/python
bench-compare: deps
	@$(TORCH_PY) -c "import torch, numpy" 2>/dev/null || { \
		echo "bench-compare needs PyTorch in .venv-torch; create it once with:"; \
		echo "  python3 -m venv .venv-torch && .venv-torch/bin/pip install torch numpy"; exit 1; }
	$(SWIFT) build $(RELEASE) --product SeqBenchmarks
	python3 Benchmarks/compare.py run --torch-python $(TORCH_PY) --seqbench .build/release/SeqBenchmarks \
		$(if $(THREADS),--threads $(THREADS)) $(COMPARE_ARGS)

clean:
	rm -rf .build Examples/custom-model/.build
