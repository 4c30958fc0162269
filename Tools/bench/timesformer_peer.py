"""PyTorch peer for the `nn` benchmark suite: TimeSformer base, 1x8x3x224x224 fp32, same thread count.

Runs transformers' TimesformerForVideoClassification (random weights, base config) with
torch.set_num_threads(N) and a 2048^3 sgemm, prints medians in the same format as tandem-bench,
then (unless --no-swift) runs `tandem-bench nn` with TANDEM_THREADS=N so both appear in one run.

    /work/venv/bin/python Tools/bench/timesformer_peer.py [--threads 2] [--repeat 5] [--bench .build/release/tandem-bench]
"""
import argparse
import os
import statistics
import subprocess
import time

import torch
from transformers import TimesformerConfig, TimesformerForVideoClassification


def timed(fn, repeat):
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), min(times)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--bench", default=".build/release/tandem-bench")
    parser.add_argument("--no-swift", action="store_true")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    a = torch.full((2048, 2048), 0.5)
    b = torch.full((2048, 2048), 0.25)
    median, best = timed(lambda: a @ b, args.repeat)
    gflop = 2 * 2048**3 / 1e9
    print(f"pytorch/sgemm-2048: median {median:.4f} s, min {best:.4f} s, {gflop / median:.1f} GFLOP/s (n={args.repeat})")

    torch.manual_seed(0)
    model = TimesformerForVideoClassification(TimesformerConfig(num_labels=400)).eval()
    clip = torch.randn(1, 8, 3, 224, 224)
    with torch.inference_mode():
        median, best = timed(lambda: model(pixel_values=clip), args.repeat)
    print(f"pytorch/timesformer-base-8x224: median {median:.4f} s, min {best:.4f} s, {391.7 / median:.1f} GFLOP/s (n={args.repeat})",
          flush=True)

    if not args.no_swift and os.path.exists(args.bench):
        env = dict(os.environ, TANDEM_THREADS=str(args.threads), OPENBLAS_NUM_THREADS=str(args.threads))
        subprocess.run([args.bench, "nn", "--repeat", str(args.repeat)], env=env, check=True)


if __name__ == "__main__":
    main()
