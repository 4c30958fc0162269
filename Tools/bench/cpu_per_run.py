"""CPU seconds per run of one tandem-bench case, for builds compared side by side on a shared machine.

Wall-clock medians mean little while other jobs keep the cores busy (a 2-core machine at load 10
stretched the Whisper encoder from 0.2 s to 1.3–3 s, run to run). The CPU time a case uses grows far
less with load, so this runs the bench binary of each build twice per round, with `--repeat LO` and
`--repeat HI`, and takes (CPU at HI − CPU at LO) / (HI − LO): the user + system seconds of one run of
the case, without the setup both runs share (model loading, the first window's transcription). Builds
alternate round by round; the medians over the rounds are printed with the peak RSS (from wait4).

Parallel kernels that idle without spinning (Tandem's loops; OpenBLAS held to one thread by the
default row-band GEMM threading) are what make CPU time a fair measure here.

    TANDEM_WHISPER_WAV=/tmp/bench57.wav TANDEM_WHISPER_ONLY=alignment \\
        python Tools/bench/cpu_per_run.py whisper OLD/.build-test/release/tandem-bench NEW/.build-test/release/tandem-bench
"""
import argparse
import os
import statistics
import subprocess


def cpu_seconds(binary: str, suite: str, repeat: int) -> tuple[float, float]:
    """User + system seconds and peak RSS (MB) of one bench process, run from its build's package folder."""
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(binary))))
    process = subprocess.Popen([binary, suite, "--repeat", str(repeat)], cwd=root,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{binary} {suite} --repeat {repeat} failed")
    return usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("suite")
    parser.add_argument("binaries", nargs="+", help="tandem-bench of each build (run from its package folder)")
    parser.add_argument("--low", type=int, default=1)
    parser.add_argument("--high", type=int, default=11)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    per_run = {binary: [] for binary in args.binaries}
    peak = {binary: 0.0 for binary in args.binaries}
    for round in range(args.rounds):
        for binary in args.binaries:
            low, rss_low = cpu_seconds(binary, args.suite, args.low)
            high, rss_high = cpu_seconds(binary, args.suite, args.high)
            per_run[binary].append((high - low) / (args.high - args.low))
            peak[binary] = max(peak[binary], rss_low, rss_high)
            print(f"round {round + 1} {binary}: {per_run[binary][-1]:.4f} CPU s per run", flush=True)
    for binary in args.binaries:
        print(f"{binary}: median {statistics.median(per_run[binary]):.4f} CPU s per run "
              f"({', '.join(f'{v:.4f}' for v in per_run[binary])}), peak RSS {peak[binary]:.0f} MB")


if __name__ == "__main__":
    main()
