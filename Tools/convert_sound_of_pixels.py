#!/usr/bin/env python3
"""Convert the Sound of Pixels checkpoints (PyTorch pickles) into one safetensors file for Tandem.

The official repository (hangzhaomit/Sound-of-Pixels, scripts/download_trained_model.sh) publishes
three state dicts: sound_best.pth (Unet), frame_best.pth (ResnetDilated) and synthesizer_best.pth
(InnerProd). This script writes their tensors into one file with the prefixes `sound.`, `frame.`
and `synth.`, strips the `module.` prefix DataParallel adds, drops `num_batches_tracked`, and stores
float32 (or float16 with --dtype float16). Tandem folds the batch norms when it loads the file.

    python Tools/convert_sound_of_pixels.py --sound sound_best.pth --frame frame_best.pth \
        --synthesizer synthesizer_best.pth --out sound-of-pixels.safetensors
"""
import argparse
import sys

import torch
from safetensors.torch import save_file

PREFIXES = {"sound": "sound.", "frame": "frame.", "synth": "synth."}


def _plain_state_dict(obj):
    """Accept a bare state dict, or a dict wrapping one under 'state_dict' / 'model'."""
    if isinstance(obj, torch.nn.Module):
        return obj.state_dict()
    if isinstance(obj, dict):
        for key in ("state_dict", "model"):
            if key in obj and isinstance(obj[key], dict):
                return obj[key]
        return obj
    raise TypeError(f"not a state dict: {type(obj).__name__}")


def convert_state_dicts(sound, frame, synth, dtype=torch.float32):
    """Merge three state dicts into one flat {name: tensor} with Tandem's prefixes."""
    out = {}
    for part, state in (("sound", sound), ("frame", frame), ("synth", synth)):
        for name, tensor in _plain_state_dict(state).items():
            if name.startswith("module."):
                name = name[len("module."):]
            if name.endswith("num_batches_tracked"):
                continue
            out[PREFIXES[part] + name] = tensor.detach().to(dtype).contiguous().clone()
    return out


def load(path):
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception:  # checkpoints pickled with old PyTorch may need the full unpickler
        return torch.load(path, map_location="cpu", weights_only=False)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sound", required=True, help="sound_best.pth")
    parser.add_argument("--frame", required=True, help="frame_best.pth")
    parser.add_argument("--synthesizer", required=True, help="synthesizer_best.pth")
    parser.add_argument("--out", required=True, help="output .safetensors")
    parser.add_argument("--dtype", choices=["float32", "float16"], default="float32")
    args = parser.parse_args(argv)
    dtype = torch.float16 if args.dtype == "float16" else torch.float32
    tensors = convert_state_dicts(load(args.sound), load(args.frame), load(args.synthesizer), dtype)
    save_file(tensors, args.out, metadata={"format": "pt", "model": "sound-of-pixels"})
    print(f"wrote {len(tensors)} tensors to {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
