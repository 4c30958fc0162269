#!/usr/bin/env python3
"""AudioLDM's CLAP text encoder, side by side: Tandem (`tandem-bench audioldm-text`) and transformers'
ClapTextModelWithProjection on PyTorch CPU, same random roberta-base-size weights, same token ids, N threads.

The published AudioLDM text encoder is roberta-base sized (12 layers, 768 wide, 12 heads, 3072 MLP, 514
positions, projection 512) and diffusers pads every prompt to the tokenizer's model_max_length, 512.
One generation encodes the prompt and the negative (empty) prompt as one batch of 2. Cases:
  * "prompt + negative, padded to 512": a 14-token prompt and `<s></s>`, padded to 512 (what diffusers runs);
  * "2 texts of 512 tokens": no padding at all (the raw compute; nothing to skip).
Printed: the median wall time of each side per case (Tandem's from its own --repeat runs, PyTorch's
from as many in this process after one warm-up), and the largest relative difference of the embeddings.

    /work/venv/bin/python Tools/bench/audioldm_text_peer.py [--threads 2] [--repeat 5]
        [--bench .build-test/release/tandem-bench] [--weights /tmp/tandem_audioldm_text_base]

Needs `swift build -c release --scratch-path .build-test --product tandem-bench` (or pass --bench).
The weights folder (about 500 MB, random, seed 0) is written on the first run and reused.
"""
import argparse
import json
import os
import pathlib
import re
import statistics
import subprocess
import tempfile
import time

import torch
from transformers import ClapTextConfig, ClapTextModelWithProjection

ROOT = pathlib.Path(__file__).resolve().parents[2]


def make_weights(folder):
    if (folder / "model.safetensors").exists():
        return
    torch.manual_seed(0)
    config = ClapTextConfig(vocab_size=50265, hidden_size=768, num_hidden_layers=12, num_attention_heads=12,
                            intermediate_size=3072, max_position_embeddings=514, type_vocab_size=1, layer_norm_eps=1e-5,
                            projection_dim=512, pad_token_id=1, hidden_act="gelu", projection_hidden_act="relu")
    ClapTextModelWithProjection(config).eval().save_pretrained(folder, safe_serialization=True)


def inputs(pad=1, length=512):
    """The ids of AudioLDMTextBenchInputs in Benchmarks/TandemBench/AudioLDMTextBench.swift."""
    prompt = [0] + [100 + 37 * i for i in range(12)] + [2]
    negative = [0, 2]

    def padded(ids):
        return ids + [pad] * (length - len(ids)), [1] * len(ids) + [0] * (length - len(ids))

    (n, nm), (p, pm) = padded(negative), padded(prompt)
    long = [[0] + [3 + (row * 7919 + i * 104729) % 50000 for i in range(length - 2)] + [2] for row in range(2)]
    return [("prompt + negative, padded to 512", [n, p], [nm, pm]),
            ("2 texts of 512 tokens", long, [[1] * length] * 2)]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--bench", default=str(ROOT / ".build-test" / "release" / "tandem-bench"))
    parser.add_argument("--weights", default=os.path.join(tempfile.gettempdir(), "tandem_audioldm_text_base"))
    args = parser.parse_args()
    folder = pathlib.Path(args.weights)
    make_weights(folder)

    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        env = dict(os.environ, TANDEM_THREADS=str(args.threads), TANDEM_CLAP_TEXT=str(folder), TANDEM_CLAP_TEXT_OUT=out.name)
        text = subprocess.run([args.bench, "audioldm-text", "--repeat", str(args.repeat)], env=env, check=True,
                              capture_output=True, text=True).stdout
        ours_embeddings = json.load(open(out.name))
    ours = {m.group(1): float(m.group(2)) for m in re.finditer(r"audioldm-text/(.+?): median ([0-9.]+) s", text)}

    torch.set_num_threads(args.threads)
    model = ClapTextModelWithProjection.from_pretrained(folder).eval()
    print(f"threads={args.threads} repeat={args.repeat} (medians)")
    for index, (name, ids, mask) in enumerate(inputs()):
        ids, mask = torch.tensor(ids), torch.tensor(mask)
        with torch.inference_mode():
            reference = model(input_ids=ids, attention_mask=mask).text_embeds
            times = []
            for _ in range(args.repeat):
                start = time.perf_counter()
                model(input_ids=ids, attention_mask=mask)
                times.append(time.perf_counter() - start)
        mine = torch.tensor(ours_embeddings[index]).reshape(reference.shape)
        difference = ((mine - reference).abs().max() / reference.abs().max()).item()
        print(f"{name}: tandem {ours.get(name, float('nan')):.4f} s, pytorch {statistics.median(times):.4f} s, "
              f"max relative difference {difference:.2e}")


if __name__ == "__main__":
    main()
