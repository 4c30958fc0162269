"""PyTorch peer for the `nn` benchmark suite: TimeSformer base, 1x8x3x224x224 fp32, same thread count.

Runs transformers' TimesformerForVideoClassification (random weights, base config, 400 labels)
with torch.set_num_threads(N), and Tandem's `tandem-bench nn` with TANDEM_THREADS=N, interleaved
round by round so both see the same machine load, and prints both medians side by side with the
2048^3 sgemm figures (PyTorch's MKL and Tandem's OpenBLAS).

    swift build -c release --product tandem-bench
    /work/venv/bin/python Tools/bench/timesformer_peer.py [--threads 2] [--rounds 5] [--bench .build/release/tandem-bench]
"""
import argparse
import os
import re
import statistics
import subprocess
import time

import torch
from transformers import TimesformerConfig, TimesformerForVideoClassification

GFLOP_FORWARD = 391.7
GFLOP_SGEMM = 2 * 2048**3 / 1e9


def once(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def swift_round(bench, threads):
    env = dict(os.environ, TANDEM_THREADS=str(threads))
    env["TANDEM_NN_CASES"] = "sgemm-2048,timesformer-base-8x224"
    out = subprocess.run([bench, "nn", "--repeat", "1"], env=env, check=True, capture_output=True, text=True).stdout
    figures = dict(re.findall(r"nn/(\S+): median ([0-9.]+) s", out))
    return float(figures["sgemm-2048"]), float(figures["timesformer-base-8x224"])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--bench", default=".build/release/tandem-bench")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = TimesformerForVideoClassification(TimesformerConfig(num_labels=400)).eval()
    clip = torch.randn(1, 8, 3, 224, 224)
    a, b = torch.full((2048, 2048), 0.5), torch.full((2048, 2048), 0.25)
    with torch.inference_mode():
        model(pixel_values=clip)
        a @ b
        rows = []
        for round_index in range(args.rounds):
            torch_sgemm = once(lambda: a @ b)
            torch_forward = once(lambda: model(pixel_values=clip))
            ours_sgemm, ours_forward = swift_round(args.bench, args.threads) if os.path.exists(args.bench) else (float("nan"),) * 2
            rows.append((torch_sgemm, torch_forward, ours_sgemm, ours_forward))
            print(f"round {round_index + 1}: pytorch {torch_forward:.3f} s, tandem {ours_forward:.3f} s "
                  f"(sgemm-2048: mkl {torch_sgemm:.4f} s, openblas {ours_sgemm:.4f} s)", flush=True)
    med = [statistics.median(column) for column in zip(*rows)]
    print(f"threads={args.threads} rounds={args.rounds} (medians)")
    print(f"  sgemm-2048       pytorch/mkl {med[0]:.4f} s {GFLOP_SGEMM / med[0]:6.1f} GFLOP/s | tandem/openblas {med[2]:.4f} s {GFLOP_SGEMM / med[2]:6.1f} GFLOP/s")
    print(f"  timesformer-base pytorch     {med[1]:.4f} s {GFLOP_FORWARD / med[1]:6.1f} GFLOP/s | tandem          {med[3]:.4f} s {GFLOP_FORWARD / med[3]:6.1f} GFLOP/s")


if __name__ == "__main__":
    main()
