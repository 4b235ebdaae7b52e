# Load a seqbench checkpoint into the equivalent torch.nn modules: a parameter's HDF5 path under
# /params is its PyTorch state_dict key with "/" for ".".
import json
import sys
import h5py
import torch

def state_dict(path):
    tensors = {}
    def visit(name, obj):
        if isinstance(obj, h5py.Dataset):
            tensors[name.replace("/", ".")] = torch.from_numpy(obj[()])
    with h5py.File(path, "r") as f:
        f["params"].visititems(visit)
        config = json.loads(f.attrs["config_json"])
    return tensors, config

if __name__ == "__main__":
    sd, config = state_dict(sys.argv[1])
    print(config["model"], {k: tuple(v.shape) for k, v in sd.items()})
    # e.g. for `lstm` (tokens): build the same modules and load them
    #   m = torch.nn.Module(); c = config["model_config"]
    #   m.embedding = torch.nn.Embedding(c["vocab"], c["embed_dim"], padding_idx=0)
    #   m.rnn = torch.nn.LSTM(c["embed_dim"], c["hidden"], num_layers=c["layers"], batch_first=True)
    #   m.classifier = torch.nn.Linear(c["hidden"], c["classes"])
    #   m.load_state_dict(sd)
