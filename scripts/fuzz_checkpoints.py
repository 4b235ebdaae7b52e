#!/usr/bin/env python3
"""Mutation fuzzing of seqbench's readers of untrusted HDF5 files.

Makes a small real checkpoint with the built seqbench (cached in --workdir), then, mutant after mutant,
damages a copy of it (or of a small valid predict input) and runs one of `eval`, `predict` (--input or --text),
`inspect`, `attention` on it (the checkpoint is given class names and a vocabulary, so their readers are fuzzed too):

  byte level   bit flips, truncation, byte overwrites, chunk duplication (at random offsets, or near the
               HDF5 structure signatures: superblock, OHDR, TREE, HEAP, GCOL, SNOD, B-tree v2, fractal heap)
  h5py level   wrong dtype, wrong shape, huge dimensions, hard-link cycles, external raw storage pointing at
               another file, external links, dangling soft links, garbage config_json
               (skipped, with a note, without h5py)

Each run is classified:
  clean      exit 1, stderr one line naming the mutant file (a contained libhdf5 crash or hang counts here,
             and is also counted on its own line; a contained SIGILL/SIGTRAP is a Swift trap in seqbench)
  success    exit 0 (or eval's exit 1 with DIFFERS and no stderr): the mutant still reads as a valid file;
             eval must then print its accuracy line with 'matches' or 'DIFFERS'
  crash      death by a signal, exit status >= 128, or 'Fatal error' on stderr (a Swift trap)
  hang       the command did not end within --timeout
  unclean    any other failure (several stderr lines, a line not naming the file, other exit statuses)
  outside    an external-storage or external-link mutant that did not fail, or output holding the bytes
             of the other file

Seeded and reproducible: mutant i of --seed S uses random.Random(f"{S}:{i}"); `--replay S:i` rebuilds
that mutant (kept in --workdir/replay) and runs it. Prints counts and the seeds of every crash, hang,
unclean error and outside read; exits 1 if there was any.
"""
import argparse, json, os, random, shutil, signal, subprocess, sys, tempfile, time
from concurrent.futures import ThreadPoolExecutor

try:
    import h5py, numpy as np
except ImportError:  # byte-level mutations still run
    h5py = None

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SIGNATURES = [b"\x89HDF\r\n\x1a\n", b"OHDR", b"OCHK", b"TREE", b"HEAP", b"GCOL", b"SNOD", b"BTHD", b"BTLF",
              b"FRHP", b"FHDB", b"FHIB", b"FSHD", b"SMTB"]
SECRET = b"SEQBENCH-FUZZ-SECRET-" * 64   # the "other file" of external-storage mutants
# The other file's bytes as a reader would print them: int32 and int64 at every offset of the 21-byte period.
SECRET_NUMBERS = {str(int.from_bytes(SECRET[i:i + n], "little", signed=True)).encode()
                  for i in range(21) for n in (4, 8)}
TRAIN_ARGS = ["--model", "bilstm_attention", "--set", "epochs=1", "--set", "task.train_size=64",
              "--set", "val_size=32", "--set", "test_size=32", "--set", "hidden=6", "--set", "embed_dim=4",
              "--set", "attention_dim=4", "--set", "threads=1", "--set", "measure.latency.samples=3",
              "--set", "measure.latency.max_seconds=0.05"]


def run(cmd, timeout, env=None):
    """(returncode or None on timeout, stdout, stderr); a timed-out command's whole process group is killed."""
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, start_new_session=True)
    try:
        out, err = p.communicate(timeout=timeout)
        return p.returncode, out, err
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        out, err = p.communicate()
        return None, out, err


class Base:
    """The real files mutants start from."""
    def __init__(self, binary, workdir):
        self.binary, self.workdir = binary, workdir
        os.makedirs(workdir, exist_ok=True)
        self.checkpoint = os.path.join(workdir, "base.h5")
        if not os.path.exists(self.checkpoint):
            out = tempfile.mkdtemp(dir=workdir)
            code, o, e = run([binary, "train", *TRAIN_ARGS, "--out", out], 600)
            if code != 0:
                sys.exit(f"fuzz: seqbench train failed ({code}):\n{e.decode(errors='replace')}")
            found = [os.path.join(d, f) for d, _, fs in os.walk(out) for f in fs if f == "best.h5"]
            if not found:
                sys.exit(f"fuzz: no best.h5 under {out}")
            shutil.copy(found[0], self.checkpoint)
            shutil.rmtree(out, ignore_errors=True)
        if h5py:
            add_names(self.checkpoint)
        self.secret = os.path.join(workdir, "secret.bin")
        with open(self.secret, "wb") as f:
            f.write(SECRET)
        self.input = None
        if h5py:
            self.input = os.path.join(workdir, "input.h5")
            with h5py.File(self.checkpoint, "r") as f:
                config = json.loads(f.attrs["config_json"])
            model = config.get("model_config", config.get("modelConfig", {}))
            vocab = int(find_key(config, "vocab") or 2)
            features = find_key(config, "features")
            rng = np.random.default_rng(0)
            with h5py.File(self.input, "w") as f:
                n, t = 8, 12
                if find_key(config, "input") == "features" and features:
                    f["features"] = rng.standard_normal((n, t, int(features))).astype(np.float32)
                else:
                    f["tokens"] = rng.integers(0, vocab, (n, t)).astype(np.int32)
                f["lengths"] = rng.integers(1, t + 1, n).astype(np.int64)
        self.bytes = open(self.checkpoint, "rb").read()


def add_names(path):
    """Gives the checkpoint class names and a vocabulary (as data with names would), so that mutants reach their
    readers and `predict --text`."""
    with h5py.File(path, "r+") as f:
        if "class_names" in f:
            return
        config = json.loads(f.attrs["config_json"])
        classes, vocab = int(find_key(config, "classes") or 2), int(find_key(config, "vocab") or 0)
        f["class_names"] = np.array([f"class {c} ü" for c in range(classes)], dtype=h5py.string_dtype())
        if find_key(config, "input") != "dense" and vocab >= 2:
            tokens = ["", "<unk>"] + [chr(0x61 + i) if i < 26 else chr(0x4E00 + i) for i in range(vocab - 2)]
            f["vocabulary"] = np.array(tokens, dtype=h5py.string_dtype())
            f["vocabulary"].attrs["tokenization"] = "chars"
            f["vocabulary"].attrs["unknown_id"] = 1


def find_key(obj, key):
    """The first value stored under `key` anywhere in a JSON object."""
    if isinstance(obj, dict):
        if key in obj:
            return obj[key]
        obj = list(obj.values())
    if isinstance(obj, list):
        for v in obj:
            r = find_key(v, key)
            if r is not None:
                return r
    return None


# ---------------------------------------------------------------- byte-level mutations

def offset(rng, data):
    if rng.random() < 0.6:
        hits = [i for s in SIGNATURES for i in find_all(data, s)]
        if hits:
            return min(len(data) - 1, max(0, rng.choice(hits) + rng.randrange(-16, 96)))
    return rng.randrange(len(data))


def find_all(data, sub):
    i = data.find(sub)
    while i >= 0:
        yield i
        i = data.find(sub, i + 1)


def bitflip(rng, data):
    for _ in range(rng.choice([1, 1, 2, 4, 8, 32])):
        i = offset(rng, data)
        data[i] ^= 1 << rng.randrange(8)


def truncate(rng, data):
    del data[rng.randrange(len(data)):]


def overwrite(rng, data):
    i = offset(rng, data)
    n = rng.choice([1, 2, 4, 8, 16, 64])
    fill = rng.choice([b"\x00", b"\xff", b"\x7f", b"\x80", None])
    chunk = bytes(rng.randrange(256) for _ in range(n)) if fill is None else fill * n
    if rng.random() < 0.3:   # an "interesting" little-endian integer
        chunk = rng.choice([0, 1, 0xff, 0xffff, 0x7fffffff, 0xffffffff, 2**63 - 1, 2**64 - 1, len(data),
                            len(data) - 1, len(data) + 1]).to_bytes(8, "little")
    data[i:i + len(chunk)] = chunk


def duplicate(rng, data):
    a = offset(rng, data)
    n = rng.choice([8, 32, 128, 512, 4096])
    chunk = data[a:a + n]
    b = offset(rng, data)
    if rng.random() < 0.5:
        data[b:b] = chunk            # insert (shifts everything after)
    else:
        data[b:b + len(chunk)] = chunk


BYTE_MUTATIONS = {"bitflip": bitflip, "truncate": truncate, "overwrite": overwrite, "duplicate": duplicate}


# ---------------------------------------------------------------- h5py-level mutations

def datasets(f):
    names = []
    f.visititems(lambda n, o: names.append(n) if isinstance(o, h5py.Dataset) else None)
    return names


def groups(f):
    names = ["/"]
    f.visititems(lambda n, o: names.append(n) if isinstance(o, h5py.Group) else None)
    return names


def replace(f, name, **kwargs):
    attrs = dict(f[name].attrs)
    del f[name]
    d = f.create_dataset(name, **kwargs)
    for k, v in attrs.items():
        d.attrs[k] = v
    return d


def h5_wrong_dtype(rng, f, base):
    name = rng.choice(datasets(f))
    shape = f[name].shape
    dtype = rng.choice(["i1", "u8", "f2", "f8", "S4", "c16", h5py.string_dtype()])
    data = np.zeros(shape, dtype=dtype) if dtype != h5py.string_dtype() else np.array([""] * max(1, int(np.prod(shape))), dtype=object)
    replace(f, name, data=data)


def h5_wrong_shape(rng, f, base):
    name = rng.choice(datasets(f))
    shape = f[name].shape
    new = rng.choice([(), (0,), (1,), tuple(s + 1 for s in shape), tuple(reversed(shape)) + (1,), shape[:-1] or (3,)])
    replace(f, name, data=np.zeros(new, dtype=f[name].dtype if f[name].dtype.kind in "fiu" else "f4"))


def h5_huge_dims(rng, f, base):
    name = rng.choice(datasets(f))
    rank = rng.choice([1, 2, 3])
    shape = tuple(rng.choice([2**31, 2**40, 2**20, 7]) for _ in range(rank))
    replace(f, name, shape=shape, dtype=rng.choice(["f4", "i4", "i8"]), chunks=tuple(1 for _ in shape),
            maxshape=tuple(None for _ in shape))


def h5_link_cycle(rng, f, base):
    g = rng.choice(groups(f))
    ancestors = ["/"] + [g[:i] for i in range(1, len(g)) if g[i] == "/"] + [g]
    target = rng.choice(ancestors)
    f[g].attrs  # touch
    name = rng.choice(["loop", "a" * 8, "zz"])
    if name in f[g]:
        del f[g][name]
    f[g][name] = f[target]
    if rng.random() < 0.5 and g != "/":   # a second cycle through a sibling
        f["/"]["cycle2"] = f[g]


def h5_external_storage(rng, f, base):
    name = rng.choice(datasets(f))
    d = f[name]
    dtype = d.dtype if d.dtype.kind in "fiu" else np.dtype("f4")
    size = int(np.prod(d.shape)) * dtype.itemsize if d.shape else dtype.itemsize
    replace(f, name, shape=d.shape, dtype=dtype, external=[(base.secret, 0, max(size, 1))])


def h5_external_link(rng, f, base):
    name = rng.choice(datasets(f))
    del f[name]
    f[name] = h5py.ExternalLink(rng.choice([base.checkpoint, base.secret, "/etc/passwd"]),
                                "/" + rng.choice(datasets(f) or ["x"]))


def h5_soft_link(rng, f, base):
    name = rng.choice(datasets(f))
    del f[name]
    f[name] = h5py.SoftLink(rng.choice(["/nowhere", "/" + name, "/" + name.rsplit("/", 1)[0]]))


def h5_config(rng, f, base):
    if "config_json" in f.attrs:
        text = f.attrs["config_json"]
        text = text.decode() if isinstance(text, bytes) else str(text)
        i = rng.randrange(len(text))
        f.attrs["config_json"] = rng.choice([text[:i], text[:i] + "9" * 30 + text[i:], "{}", "[]", "null",
                                             text.replace("6", "600000000", 1)])
    else:
        f.attrs["config_json"] = "{"


H5_MUTATIONS = {"dtype": h5_wrong_dtype, "shape": h5_wrong_shape, "huge": h5_huge_dims, "cycle": h5_link_cycle,
                "extstore": h5_external_storage, "extlink": h5_external_link, "softlink": h5_soft_link,
                "config": h5_config}
OUTSIDE = {"extstore", "extlink"}


# ---------------------------------------------------------------- one mutant

def make_mutant(base, seed, directory):
    """Writes mutant `seed` into `directory`: (command, mutation, mutant path, argv)."""
    rng = random.Random(seed)
    commands = ["eval", "inspect", "attention"] + (["predict", "predict-input", "predict-text"] if base.input else [])
    command = rng.choice(commands)
    source = base.input if command == "predict-input" else base.checkpoint
    path = os.path.join(directory, "mutant-input.h5" if command == "predict-input" else "mutant.h5")
    names = list(BYTE_MUTATIONS) + (list(H5_MUTATIONS) if h5py else [])
    mutation = rng.choice(names)
    if mutation in BYTE_MUTATIONS:
        data = bytearray(open(source, "rb").read())
        for k in range(rng.choice([1, 1, 1, 2, 3])):   # the named mutation, sometimes followed by others
            if not data:
                break
            BYTE_MUTATIONS[mutation if k == 0 else rng.choice(list(BYTE_MUTATIONS))](rng, data)
        open(path, "wb").write(data)
    else:
        shutil.copy(source, path)
        try:
            with h5py.File(path, "r+") as f:
                H5_MUTATIONS[mutation](rng, f, base)
        except Exception as e:   # the edit itself was impossible: fall back to a bit flip
            data = bytearray(open(source, "rb").read()); bitflip(rng, data); open(path, "wb").write(data)
            mutation = "bitflip"
    out = os.path.join(directory, "out.h5")
    if command == "eval":
        argv = ["eval", path]
    elif command == "inspect":
        argv = ["inspect", path] + (["--json"] if rng.random() < 0.3 else [])
    elif command == "attention":
        argv = ["attention", path, "--test-split"]
    elif command == "predict":
        argv = ["predict", path, "--input", base.input, "--output", out]
    elif command == "predict-text":
        argv = ["predict", path, "--text", "abc", "--text", "mañana 👍🏽", "--output", out]
    else:
        argv = ["predict", base.checkpoint, "--input", path, "--output", out]
    return command, mutation, path, argv


def classify(base, seed, directory, timeout, env):
    command, mutation, path, argv = make_mutant(base, seed, directory)
    t0 = time.time()
    code, out, err = run([base.binary] + argv, timeout, env)
    elapsed = time.time() - t0
    lines = [l for l in err.decode(errors="replace").splitlines() if l.strip()]
    text = out.decode(errors="replace")
    verdict, note = None, ""
    if code is None:
        verdict = "hang"
    elif code < 0 or code >= 128 or b"Fatal error" in err:
        verdict, note = "crash", f"status {code}"
    elif mutation in OUTSIDE and not (command == "inspect" and mutation == "extstore") and (
            code == 0 or (command == "eval" and "DIFFERS" in text and not lines)):
        # (inspect reads no raw data: it may show a dataset stored in another file without reading it)
        verdict, note = "outside", "read through an external-storage / external-link mutant succeeded"
    elif SECRET[:21] in out or SECRET[:21] in err:
        verdict, note = "outside", "output holds the other file's bytes"
    elif mutation == "extstore" and any(n in out or n in err for n in SECRET_NUMBERS):
        verdict, note = "outside", "output holds a number read from the other file"
    elif code == 0 or (code == 1 and command == "eval" and "DIFFERS" in text and not lines):
        if command == "eval" and not ("matches the stored" in text or "DIFFERS" in text or "no stored" in text):
            verdict, note = "unclean", "eval succeeded without its accuracy line"
        else:
            verdict = "success"
    elif code == 1 and len(lines) == 1 and os.path.basename(path) in lines[0]:
        verdict = "clean"
        if "crashed" in lines[0]:
            note = "contained-trap" if ("SIGILL" in lines[0] or "SIGTRAP" in lines[0]) else "contained-crash"
        elif "did not finish" in lines[0]:
            note = "contained-hang"
    else:
        verdict, note = "unclean", f"status {code}, {len(lines)} stderr line(s): {lines[:2]}"
    return dict(seed=seed, command=command, mutation=mutation, verdict=verdict, note=note,
                elapsed=elapsed, first_line=(lines[0] if lines else ""))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default=os.path.join(ROOT, ".build/release/seqbench"))
    ap.add_argument("--workdir", default=os.path.join(ROOT, ".build/fuzz"))
    ap.add_argument("--seed", default="1")
    ap.add_argument("--mutants", type=int, default=10**9, help="stop after this many mutants")
    ap.add_argument("--seconds", type=float, default=60, help="stop after this long (whichever comes first)")
    ap.add_argument("--timeout", type=float, default=30, help="a run longer than this is a hang")
    ap.add_argument("--read-timeout", type=int, default=5, help="seqbench's reading time limit (SEQBENCH_READ_TIMEOUT_S)")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--replay", help="SEED:INDEX of one mutant: rebuild it in WORKDIR/replay and run it")
    ap.add_argument("--verbose", action="store_true")
    a = ap.parse_args()
    if not os.access(a.bin, os.X_OK):
        sys.exit(f"fuzz: no seqbench binary at {a.bin}; build it first")
    base = Base(a.bin, a.workdir)
    env = dict(os.environ, SEQBENCH_READ_TIMEOUT_S=str(a.read_timeout))
    if not h5py:
        print("fuzz: h5py is not installed: byte-level mutations only (no dtype/shape/link/external-storage mutants, no predict)")
    if a.replay:
        directory = os.path.join(a.workdir, "replay")
        shutil.rmtree(directory, ignore_errors=True); os.makedirs(directory)
        r = classify(base, a.replay, directory, a.timeout, env)
        print(json.dumps(r, indent=1)); print("mutant kept in", directory)
        return 1 if r["verdict"] in ("crash", "hang", "unclean", "outside") else 0

    start, results, index = time.time(), [], 0
    scratch = tempfile.mkdtemp(prefix="mutants-", dir=a.workdir)

    def one(i):
        d = os.path.join(scratch, str(i)); os.makedirs(d)
        r = classify(base, f"{a.seed}:{i}", d, a.timeout, env)
        shutil.rmtree(d, ignore_errors=True)
        return r

    with ThreadPoolExecutor(a.jobs) as pool:
        pending = set()
        while True:
            while len(pending) < a.jobs * 2 and index < a.mutants and time.time() - start < a.seconds:
                pending.add(pool.submit(one, index)); index += 1
            if not pending:
                break
            done = next(iter(pending)); pending.remove(done)
            r = done.result(); results.append(r)
            if a.verbose or r["verdict"] in ("crash", "hang", "unclean", "outside"):
                print(f"  {r['seed']:>10} {r['command']:<13} {r['mutation']:<9} {r['verdict']:<8} {r['note']} {r['first_line'][:160]}", flush=True)
    shutil.rmtree(scratch, ignore_errors=True)

    counts = {}
    for r in results:
        counts[r["verdict"]] = counts.get(r["verdict"], 0) + 1
    contained = {}
    for r in results:
        if r["note"].startswith("contained"):
            contained[r["note"]] = contained.get(r["note"], 0) + 1
    print(f"fuzz: {len(results)} mutants in {time.time() - start:.0f} s (seed {a.seed}, h5py {'yes' if h5py else 'no'})")
    for v in ("clean", "success", "crash", "hang", "unclean", "outside"):
        print(f"  {v:<8} {counts.get(v, 0)}")
    for k, n in sorted(contained.items()):
        print(f"  (of the clean errors: {n} {k}, reported as one line by seqbench's containment)")
    by = {}
    for r in results:
        key = (r["command"], r["mutation"]); by.setdefault(key, {}); by[key][r["verdict"]] = by[key].get(r["verdict"], 0) + 1
    if a.verbose:
        for k in sorted(by):
            print(f"    {k[0]:<13} {k[1]:<9} {by[k]}")
    bad = [r for r in results if r["verdict"] in ("crash", "hang", "unclean", "outside")]
    if bad:
        print("fuzz: FAILED; replay with --replay SEED:")
        for r in bad:
            print(f"  {r['seed']} {r['command']} {r['mutation']} {r['verdict']}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
