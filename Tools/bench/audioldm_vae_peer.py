#!/usr/bin/env python3
"""PyTorch peer for Tandem's AudioLDM VAE decode/encode and HiFi-GAN vocoder, at the published sizes.

diffusers' `AutoencoderKL` and transformers' `SpeechT5HifiGan` configured as cvssp/audioldm-s-full-v2
(VAE: block_out_channels 128/256/512, 2 layers per block, 8 latent channels; vocoder: 64 mels,
upsample_initial_channel 1024, rates 5·4·2·2·2 = 160) with random weights (timing does not depend on
them). Cases: decode latents [1, 8, 125, 16] → mel [1, 1, 500, 64] (5 s), encode that mel, and
vocode [1, 500, 64] → 80,032 samples (the 16 − 5 kernel
of the first stage adds one sample that later stages multiply; the pipeline trims to the length asked). fp32, eval, no_grad, 2 threads (TANDEM_THREADS overrides),
one warm-up then `--repeat` runs; prints medians.
"""
import argparse
import os
import statistics
import time

import torch
from diffusers import AutoencoderKL
from transformers import SpeechT5HifiGan, SpeechT5HifiGanConfig


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
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    threads = int(os.environ.get("TANDEM_THREADS", "2"))
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    vae = AutoencoderKL(in_channels=1, out_channels=1, block_out_channels=(128, 256, 512), layers_per_block=2,
                        latent_channels=8, norm_num_groups=32,
                        down_block_types=("DownEncoderBlock2D",) * 3, up_block_types=("UpDecoderBlock2D",) * 3).eval()
    vocoder = SpeechT5HifiGan(SpeechT5HifiGanConfig(
        model_in_dim=64, sampling_rate=16000, upsample_initial_channel=1024, upsample_rates=[5, 4, 2, 2, 2],
        upsample_kernel_sizes=[16, 16, 8, 4, 4], resblock_kernel_sizes=[3, 7, 11],
        resblock_dilation_sizes=[[1, 3, 5]] * 3, normalize_before=False)).eval()
    latents = torch.randn(1, 8, 125, 16)
    mel = torch.randn(1, 1, 500, 64)
    with torch.no_grad():
        cases = {
            "vae-decode-5s": lambda: vae.decode(latents).sample,
            "vae-encode-5s": lambda: vae.encode(mel).latent_dist.mean,
            "vocoder-5s": lambda: vocoder(mel[:, 0]),
        }
        for name, fn in cases.items():
            median, best = timed(fn, args.repeat)
            print(f"pytorch {torch.__version__} {threads} threads {name}: median {median:.3f} s, min {best:.3f} s (n={args.repeat}), "
                  f"output {tuple(fn().shape)}")


if __name__ == "__main__":
    main()
