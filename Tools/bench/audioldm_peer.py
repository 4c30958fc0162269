#!/usr/bin/env python3
"""AudioLDM speed and memory, side by side: Tandem (Swift, `tandem-bench audioldm-unet`) and diffusers on
PyTorch CPU, at the S size (`cvssp/audioldm-s-full-v2`'s configurations) with random weights, 2 threads.

    /work/venv/bin/python Tools/bench/audioldm_peer.py --make-checkpoint /tmp/audioldm-s
        Writes a random-weight S-size AudioLDM diffusers folder (model_index.json, unet/, vae/, text_encoder/,
        tokenizer/, vocoder/, scheduler/), every component at its published configuration; the tokenizer files
        are the test fixture's (its ids stay below the 50 265 of the CLAP text model's vocabulary). Never
        committed: ~1.5 GB, and random weights generate noise, not sound.

    /work/venv/bin/python Tools/bench/audioldm_peer.py --unet /tmp/audioldm-s [--rounds 3] [--calls 5] [--threads 2]
        One UNet call on [2, 8, 125, 16] latents (5 s of audio, batch 2 as classifier-free guidance runs it),
        timestep 801. Each round runs diffusers in one child process and Tandem in another, alternating, so a
        load that changes during the measurement reaches both. A child loads the UNet, calls it once untimed,
        then `--calls` times; it reports the median call's wall and CPU time (all threads of the process: on a
        machine shared with other work the wall time inflates, the CPU time much less), and its peak resident
        memory comes from wait4. Printed: per side, the median over rounds of the per-round medians, and the
        median peak RSS.

Needs `swift build -c release --product tandem-bench` (from the package root) for the Tandem side; without it
(or with --peer-only) only diffusers runs.

    /work/venv/bin/python Tools/bench/audioldm_peer.py --generate /tmp/audioldm-s [--step-counts 10,50] [--rounds 3] [--calls 1]
        Whole 5 s generations (prompt and negative prompt padded to the tokenizer's 512, guidance 2.5, DDIM:
        text encoding, every UNet step, VAE decode, vocoder), diffusers' AudioLDMPipeline against
        `tandem-bench audioldm-generate`, alternating child processes as above, each warmed up by one untimed
        generation; medians and peak RSS.
"""
import argparse
import json
import os
import pathlib
import re
import shutil
import statistics
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
BENCH = ROOT / ".build" / "release" / "tandem-bench"
FIXTURE_TOKENIZER = ROOT / "Tests" / "TandemModelsTests" / "Fixtures" / "audioldm" / "pipeline" / "tokenizer"

# cvssp/audioldm-s-full-v2 unet/config.json (diffusers' convert_original_audioldm_to_diffusers.py, DEFAULT_CONFIG).
UNET_S = dict(
    sample_size=128, in_channels=8, out_channels=8,
    down_block_types=("DownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D"),
    up_block_types=("CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "UpBlock2D"),
    block_out_channels=(128, 256, 384, 640), layers_per_block=2, attention_head_dim=8,
    cross_attention_dim=(128, 256, 384, 640), norm_num_groups=32,
    class_embed_type="simple_projection", projection_class_embeddings_input_dim=512, class_embeddings_concat=True,
)
LATENT_SHAPE = (2, 8, 125, 16)  # 5 s: 500 mel frames / 4, 64 mel bins / 4
TIMESTEP = 801


def make_checkpoint(folder: pathlib.Path):
    import torch
    from diffusers import AudioLDMPipeline, AutoencoderKL, DDIMScheduler, UNet2DConditionModel
    from transformers import ClapTextConfig, ClapTextModelWithProjection, RobertaTokenizer, SpeechT5HifiGan, SpeechT5HifiGanConfig

    torch.manual_seed(0)
    unet = UNet2DConditionModel(**UNET_S)
    vae = AutoencoderKL(
        in_channels=1, out_channels=1, down_block_types=("DownEncoderBlock2D",) * 3, up_block_types=("UpDecoderBlock2D",) * 3,
        block_out_channels=(128, 256, 512), latent_channels=8, layers_per_block=2, norm_num_groups=32, sample_size=256,
        scaling_factor=0.9227914214134216)
    # laion/clap-htsat-unfused's text tower: RoBERTa-base with a 512-wide ReLU projection.
    text_encoder = ClapTextModelWithProjection(ClapTextConfig(
        vocab_size=50265, hidden_size=768, num_hidden_layers=12, num_attention_heads=12, intermediate_size=3072,
        max_position_embeddings=514, type_vocab_size=1, projection_dim=512, projection_hidden_act="relu",
        bos_token_id=0, eos_token_id=2, pad_token_id=1))
    vocoder = SpeechT5HifiGan(SpeechT5HifiGanConfig(
        model_in_dim=64, sampling_rate=16000, upsample_initial_channel=1024, upsample_rates=[5, 4, 2, 2, 2],
        upsample_kernel_sizes=[16, 16, 8, 4, 4], resblock_kernel_sizes=[3, 7, 11],
        resblock_dilation_sizes=[[1, 3, 5], [1, 3, 5], [1, 3, 5]], normalize_before=False))
    scheduler = DDIMScheduler(beta_start=0.0015, beta_end=0.0195, beta_schedule="scaled_linear", num_train_timesteps=1000,
                              steps_offset=1, clip_sample=False, set_alpha_to_one=False)
    # The published CLAP tokenizer pads to 512 tokens; diffusers runs the text encoder over all of them.
    tokenizer = RobertaTokenizer(str(FIXTURE_TOKENIZER / "vocab.json"), str(FIXTURE_TOKENIZER / "merges.txt"), model_max_length=512)
    pipe = AudioLDMPipeline(vae=vae, text_encoder=text_encoder, tokenizer=tokenizer, unet=unet, scheduler=scheduler, vocoder=vocoder)
    pipe.save_pretrained(folder, safe_serialization=True)
    for name in ("vocab.json", "merges.txt"):
        shutil.copy(FIXTURE_TOKENIZER / name, folder / "tokenizer" / name)
    print("wrote", folder)


def unet_child(folder: pathlib.Path, calls: int, threads: int):
    """In a child process: load diffusers' UNet, one warm-up call, then `calls` timed ones; prints JSON."""
    import torch
    from diffusers import UNet2DConditionModel

    torch.set_num_threads(threads)
    unet = UNet2DConditionModel.from_pretrained(folder / "unet").eval()
    generator = torch.Generator().manual_seed(0)
    sample = torch.randn(*LATENT_SHAPE, generator=generator)
    labels = torch.nn.functional.normalize(torch.randn(LATENT_SHAPE[0], 512, generator=generator), dim=-1)
    times, cpu = [], []
    with torch.inference_mode():
        unet(sample, TIMESTEP, encoder_hidden_states=None, class_labels=labels)
        for _ in range(calls):
            start, cpu_start = time.perf_counter(), time.process_time()
            unet(sample, TIMESTEP, encoder_hidden_states=None, class_labels=labels)
            times.append(time.perf_counter() - start)
            cpu.append(time.process_time() - cpu_start)
    print(json.dumps({"median": statistics.median(times), "min": min(times), "cpu": statistics.median(cpu)}))


PROMPT, NEGATIVE = "a dog barks in the distance while rain falls", "low quality"


def generate_child(folder: pathlib.Path, steps: int, calls: int, threads: int):
    """In a child process: load diffusers' AudioLDMPipeline, one untimed 5 s generation, then `calls`
    timed ones at `steps` DDIM steps (guidance 2.5, a negative prompt); prints JSON."""
    import torch
    from diffusers import AudioLDMPipeline

    torch.set_num_threads(threads)
    pipe = AudioLDMPipeline.from_pretrained(folder)
    pipe.set_progress_bar_config(disable=True)
    times, cpu = [], []
    with torch.inference_mode():
        for call in range(calls + 1):
            start, cpu_start = time.perf_counter(), time.process_time()
            pipe(PROMPT, negative_prompt=NEGATIVE, num_inference_steps=steps, guidance_scale=2.5, audio_length_in_s=5.0,
                 generator=torch.Generator().manual_seed(call))
            if call > 0:
                times.append(time.perf_counter() - start)
                cpu.append(time.process_time() - cpu_start)
    print(json.dumps({"median": statistics.median(times), "min": min(times), "cpu": statistics.median(cpu)}))


def bench_generate(folder: pathlib.Path, step_counts, rounds: int, calls: int, threads: int, peer_only: bool, bench: pathlib.Path):
    """Whole 5 s generations side by side: per step count and round, diffusers then Tandem, each in its own child."""
    tandem = not peer_only and bench.exists()
    for steps in step_counts:
        results = {"diffusers": [], "tandem": []}
        env = dict(os.environ, TANDEM_THREADS=str(threads), TANDEM_AUDIOLDM_DIR=str(folder), TANDEM_AUDIOLDM_STEPS=str(steps),
                   OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
        for round_index in range(rounds):
            out, rss = run_child_rss([sys.executable, __file__, "--generate-child", str(folder), "--steps", str(steps),
                                      "--calls", str(calls), "--threads", str(threads)], env=env)
            report = json.loads(out.strip().splitlines()[-1])
            results["diffusers"].append((report["median"], rss))
            print(f"{steps} steps, round {round_index + 1} diffusers: {report['median']:.2f} s, peak RSS {rss:.0f} MB", flush=True)
            if tandem:
                out, rss = run_child_rss([str(bench), "audioldm-generate", "--repeat", str(calls)], env=env)
                match = re.search(r"audioldm-generate/[^:]*: median ([0-9.]+) s", out)
                if not match:
                    sys.exit(f"unexpected tandem-bench output:\n{out}")
                results["tandem"].append((float(match.group(1)), rss))
                print(f"{steps} steps, round {round_index + 1} tandem:    {float(match.group(1)):.2f} s, peak RSS {rss:.0f} MB", flush=True)
        print(f"5 s generation, {steps} steps, {threads} threads, {rounds} rounds × {calls} calls:")
        for side, values in results.items():
            if values:
                print(f"  {side:9s} median {statistics.median(v[0] for v in values):.2f} s, "
                      f"peak RSS {statistics.median(v[1] for v in values):.0f} MB")


def run_child_rss(command, env=None):
    """Runs `command` and waits with wait4, returning (stdout, peak RSS MB)."""
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    out = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    raise_if_failed(process.returncode, command, "")
    return out, usage.ru_maxrss / 1024


def raise_if_failed(code, command, err):
    if code != 0:
        sys.exit(f"{' '.join(map(str, command))} failed with {code}: {err[-2000:]}")


def bench_unet(folder: pathlib.Path, rounds: int, calls: int, threads: int, peer_only: bool, bench: pathlib.Path):
    tandem = not peer_only and bench.exists()
    if not tandem and not peer_only:
        print(f"note: {bench} not built; only diffusers runs", file=sys.stderr)
    results = {"diffusers": [], "tandem": []}
    env = dict(os.environ, TANDEM_THREADS=str(threads), TANDEM_AUDIOLDM_DIR=str(folder),
               OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
    for round_index in range(rounds):
        out, rss = run_child_rss([sys.executable, __file__, "--unet-child", str(folder), "--calls", str(calls),
                                  "--threads", str(threads)], env=env)
        report = json.loads(out.strip().splitlines()[-1])
        results["diffusers"].append((report["median"], rss, report["cpu"]))
        print(f"round {round_index + 1} diffusers: median {report['median']:.3f} s, CPU {report['cpu']:.3f} s, "
              f"peak RSS {rss:.0f} MB", flush=True)
        if tandem:
            out, rss = run_child_rss([str(bench), "audioldm-unet", "--repeat", str(calls)], env=env)
            match = re.search(r"audioldm-unet/[^:]*: median ([0-9.]+) s", out)
            if not match:
                sys.exit(f"unexpected tandem-bench output:\n{out}")
            # The timed calls' CPU lines (the first is the runner's warm-up call).
            cpu = statistics.median(float(v) for v in re.findall(r"audioldm-unet/cpu: ([0-9.]+) s", out)[1:])
            results["tandem"].append((float(match.group(1)), rss, cpu))
            print(f"round {round_index + 1} tandem:    median {float(match.group(1)):.3f} s, CPU {cpu:.3f} s, "
                  f"peak RSS {rss:.0f} MB", flush=True)
    print(f"UNet call {list(LATENT_SHAPE)}, {threads} threads, {rounds} rounds × {calls} calls:")
    for side, values in results.items():
        if values:
            print(f"  {side:9s} median {statistics.median(v[0] for v in values):.3f} s per step (wall), "
                  f"{statistics.median(v[2] for v in values):.3f} s CPU, peak RSS {statistics.median(v[1] for v in values):.0f} MB")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--make-checkpoint", type=pathlib.Path, metavar="DIR")
    parser.add_argument("--unet", type=pathlib.Path, metavar="DIR")
    parser.add_argument("--unet-child", type=pathlib.Path, help=argparse.SUPPRESS)
    parser.add_argument("--generate", type=pathlib.Path, metavar="DIR", help="whole 5 s generations at --step-counts")
    parser.add_argument("--generate-child", type=pathlib.Path, help=argparse.SUPPRESS)
    parser.add_argument("--steps", type=int, default=10, help=argparse.SUPPRESS)
    parser.add_argument("--step-counts", default="10,50", help="comma-separated step counts for --generate")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--calls", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--peer-only", action="store_true", help="run diffusers only")
    parser.add_argument("--tandem-bench", type=pathlib.Path, default=BENCH, help="the tandem-bench binary (default .build/release)")
    args = parser.parse_args()
    if args.make_checkpoint:
        make_checkpoint(args.make_checkpoint)
    if args.unet_child:
        unet_child(args.unet_child, args.calls, args.threads)
    if args.unet:
        bench_unet(args.unet, args.rounds, args.calls, args.threads, args.peer_only, args.tandem_bench)
    if args.generate_child:
        generate_child(args.generate_child, args.steps, args.calls, args.threads)
    if args.generate:
        bench_generate(args.generate, [int(v) for v in args.step_counts.split(",")], args.rounds, args.calls, args.threads,
                       args.peer_only, args.tandem_bench)
    if not (args.make_checkpoint or args.unet or args.unet_child or args.generate or args.generate_child):
        parser.print_help()


if __name__ == "__main__":
    main()
