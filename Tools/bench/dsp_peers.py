#!/usr/bin/env python3
"""Side-by-side STFT benchmark: Tandem vs librosa.stft, torch.stft and a plain C FFTW loop.

STFT n_fft 1024, hop 256, periodic Hann, centred with reflect padding, complex output, of
10 minutes of 44.1 kHz mono (sines plus noise). Every peer runs in its own process, one after
the other, on the same cores (the C loop writes into one output buffer it reuses, so Tandem is
also timed writing into a reused array; torch and librosa return a fresh array each call, like
Tandem's plain call); each prints the median of REPEATS timed runs after one warm-up.

    make -s build  (or: swift build -c release --product tandem-bench)
    /work/venv/bin/python Tools/bench/dsp_peers.py [--repeats 5] [--rounds 3] [--skip-scipy]

librosa/numpy run with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE removed from the environment
(they are tuned for the NN layer and can mislead numpy); torch runs with torch.set_num_threads(2).
"""
import argparse
import os
import pathlib
import re
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
SAMPLE_RATE, SECONDS, N_FFT, HOP = 44100, 600, 1024, 256


def signal():
    import numpy as np
    rng = np.random.default_rng(42)
    t = np.arange(SAMPLE_RATE * SECONDS, dtype=np.float64) / SAMPLE_RATE
    x = 0.5 * np.sin(2 * np.pi * 440 * t) + 0.25 * np.sin(2 * np.pi * 1234.5 * t) + 0.1 * (rng.random(t.size) - 0.5)
    return x.astype(np.float32)


def median_time(run, repeats):
    run()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def peer(name, repeats):
    x = signal()
    if name == "librosa":
        import librosa
        import numpy as np
        window = librosa.filters.get_window("hann", N_FFT, fftbins=True)
        run = lambda: librosa.stft(x, n_fft=N_FFT, hop_length=HOP, window=window, center=True, pad_mode="reflect",
                                   dtype=np.complex64)
    elif name == "torch":
        import torch
        torch.set_num_threads(2)
        xt = torch.from_numpy(x)
        window = torch.hann_window(N_FFT)
        run = lambda: torch.stft(xt, N_FFT, HOP, window=window, center=True, pad_mode="reflect", return_complex=True)
    elif name == "scipy":
        import scipy.signal
        run = lambda: scipy.signal.stft(x, SAMPLE_RATE, window="hann", nperseg=N_FFT, noverlap=N_FFT - HOP)
    else:
        raise SystemExit(f"unknown peer {name}")
    print(f"{median_time(run, repeats):.4f}")


def run_peer(name, repeats):
    env = dict(os.environ)
    if name == "librosa":
        env.pop("OPENBLAS_CORETYPE", None)
        env.pop("OPENBLAS_L2_SIZE", None)
    out = subprocess.run([sys.executable, __file__, "--peer", name, "--repeats", str(repeats)], env=env,
                         check=True, capture_output=True, text=True).stdout
    return float(out.strip().splitlines()[-1])


def run_c_loop(repeats):
    with tempfile.TemporaryDirectory() as tmp:
        exe = pathlib.Path(tmp) / "fftw_loop"
        subprocess.run(["gcc", "-O2", "-o", str(exe), str(ROOT / "Tools/bench/fftw_loop.c"), "-lfftw3f", "-lm"], check=True)
        out = subprocess.run([str(exe), str(SAMPLE_RATE * SECONDS), str(N_FFT), str(HOP), str(repeats)],
                             check=True, capture_output=True, text=True).stdout
    return float(out.split()[0])


def run_tandem(repeats):
    bench = ROOT / ".build/release/tandem-bench"
    if not bench.exists():
        subprocess.run(["swift", "build", "-c", "release", "--product", "tandem-bench"], cwd=ROOT, check=True)
    out = subprocess.run([str(bench), "dsp", "--repeat", str(repeats)], check=True, capture_output=True, text=True).stdout
    figures = {}
    for line in out.splitlines():
        match = re.match(r"dsp/(\S+): median ([0-9.]+) s", line)
        if match:
            figures[match.group(1)] = float(match.group(2))
    return figures


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--skip-scipy", action="store_true")
    parser.add_argument("--peer")
    args = parser.parse_args()
    if args.peer:
        peer(args.peer, args.repeats)
        return
    # Rounds interleave the peers so that load from other processes hits them alike.
    names = ["tandem STFT (2 threads)", "tandem STFT (1 thread)", "tandem STFT (2 threads, reused output)",
             "C loop, fftwf_execute_dft_r2c (1 thread, reused output)",
             "torch.stft (2 threads)", "librosa.stft", "scipy.signal.stft"]
    results = {name: [] for name in names}
    tandem_all = {}
    for _ in range(args.rounds):
        tandem = run_tandem(args.repeats)
        for key, value in tandem.items():
            tandem_all.setdefault(key, []).append(value)
        results[names[0]].append(tandem["stft-1024-256-10min"])
        results[names[1]].append(tandem["stft-1024-256-10min-1thread"])
        results[names[2]].append(tandem["stft-1024-256-10min-reused-output"])
        results[names[3]].append(run_c_loop(args.repeats))
        results[names[4]].append(run_peer("torch", args.repeats))
        results[names[5]].append(run_peer("librosa", args.repeats))
        if not args.skip_scipy:
            results[names[6]].append(run_peer("scipy", args.repeats))
    print(f"STFT n_fft {N_FFT}, hop {HOP}, {SECONDS // 60} min of {SAMPLE_RATE} Hz mono, complex output; "
          f"median over {args.rounds} round(s) of the median of {args.repeats} runs")
    base = statistics.median(results[names[0]])
    for name in names:
        if not results[name]:
            continue
        seconds = statistics.median(results[name])
        rounds = ", ".join(f"{value:.3f}" for value in results[name])
        print(f"  {name:56s} {seconds:8.3f} s   {seconds / base:5.2f}x tandem's time   (rounds: {rounds})")
    for name, values in sorted(tandem_all.items()):
        print(f"  tandem-bench dsp/{name}: {statistics.median(values):.4f} s")

if __name__ == "__main__":
    main()
