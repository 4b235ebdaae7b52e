# Load a seqbench experiment's /summary as a pandas DataFrame (one row per run).
import sys
import h5py
import pandas as pd

def read_summary(path):
    with h5py.File(path, "r") as f:
        columns = {}
        for name, ds in f["summary"].items():
            values = ds[()]
            if ds.dtype.kind == "O":  # variable-length UTF-8 strings arrive as bytes
                values = [v.decode() if isinstance(v, bytes) else v for v in values]
            columns[name] = values
    return pd.DataFrame(columns).set_index("run_id")

if __name__ == "__main__":
    df = read_summary(sys.argv[1] if len(sys.argv) > 1 else "Results/train/metrics.h5")
    print(df[["model", "params", "test_accuracy"]].to_string())
