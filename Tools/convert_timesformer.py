#!/usr/bin/env python3
"""Write model.safetensors next to the pytorch_model.bin of a Hugging Face TimeSformer checkpoint.

The facebook/timesformer-* repositories on the Hugging Face hub ship PyTorch pickles
(pytorch_model.bin); Tandem reads only safetensors, which cannot run code when loaded.

    huggingface-cli download facebook/timesformer-base-finetuned-k400 --local-dir timesformer-base-finetuned-k400
    python Tools/convert_timesformer.py timesformer-base-finetuned-k400

Needs torch and safetensors (pip install torch safetensors).
"""
import pathlib
import sys

import torch
from safetensors.torch import save_file


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    directory = pathlib.Path(sys.argv[1])
    source = directory / "pytorch_model.bin"
    if not source.exists():
        sys.exit(f"{source} does not exist")
    state = torch.load(source, map_location="cpu", weights_only=True)
    tensors = {name: tensor.contiguous() for name, tensor in state.items()}
    target = directory / "model.safetensors"
    save_file(tensors, str(target), metadata={"format": "pt"})
    print(f"wrote {target} ({len(tensors)} tensors)")


if __name__ == "__main__":
    main()
