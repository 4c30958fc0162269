#!/usr/bin/env python3
"""Write safetensors beside the PyTorch pickles of a diffusers AudioLDM folder.

Some AudioLDM downloads (older revisions of cvssp/audioldm-*) store components only as
`diffusion_pytorch_model.bin` / `pytorch_model.bin`, sometimes sharded with a `*.bin.index.json`.
Tandem reads only safetensors, which cannot run code when loaded. For every component folder
(unet, vae, text_encoder, vocoder) with pickles and no safetensors this writes the safetensors
file(s) of the same name — and the matching `*.safetensors.index.json` for sharded ones.

    huggingface-cli download cvssp/audioldm-s-full-v2 --local-dir Models/audioldm-s-full-v2
    python Tools/convert_audioldm_bin.py Models/audioldm-s-full-v2

Needs torch and safetensors (pip install torch safetensors).
"""
import json
import pathlib
import sys

import torch
from safetensors.torch import save_file


def safetensors_name(name: str) -> str:
    """transformers' `pytorch_model*.bin` becomes `model*.safetensors`; diffusers keeps its stem."""
    if name.startswith("pytorch_model"):
        name = "model" + name[len("pytorch_model"):]
    return name.replace(".bin", ".safetensors")


def convert(pickle: pathlib.Path) -> pathlib.Path:
    state = torch.load(pickle, map_location="cpu", weights_only=True)
    # Tied weights share storage in a pickle; safetensors wants every tensor on its own.
    tensors = {name: tensor.contiguous().clone() for name, tensor in state.items()}
    target = pickle.with_name(safetensors_name(pickle.name))
    save_file(tensors, str(target), metadata={"format": "pt"})
    print(f"wrote {target} ({len(tensors)} tensors)")
    return target


def convert_component(folder: pathlib.Path) -> None:
    if any(folder.glob("*.safetensors")):
        print(f"{folder}: safetensors present, left alone")
        return
    for index in folder.glob("*.bin.index.json"):
        mapping = json.loads(index.read_text())
        for shard in sorted(set(mapping["weight_map"].values())):
            convert(folder / shard)
        mapping["weight_map"] = {k: safetensors_name(v) for k, v in mapping["weight_map"].items()}
        target = index.with_name(safetensors_name(index.name.replace(".bin.index.json", ".bin")) + ".index.json")
        target.write_text(json.dumps(mapping, indent=2))
        print(f"wrote {target}")
        return
    pickles = [folder / name for name in ("diffusion_pytorch_model.bin", "pytorch_model.bin") if (folder / name).exists()]
    if not pickles:
        sys.exit(f"{folder}: no weights (neither safetensors nor a PyTorch .bin)")
    for pickle in pickles:
        convert(pickle)


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    root = pathlib.Path(sys.argv[1])
    if not (root / "model_index.json").exists():
        sys.exit(f"{root / 'model_index.json'} does not exist: not a diffusers pipeline folder")
    for component in ("unet", "vae", "text_encoder", "vocoder"):
        if not (root / component).is_dir():
            sys.exit(f"{root / component} does not exist: an AudioLDM folder has unet, vae, text_encoder, vocoder")
        convert_component(root / component)


if __name__ == "__main__":
    main()
