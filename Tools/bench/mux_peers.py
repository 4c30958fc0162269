#!/usr/bin/env python3
"""Peers of Benchmarks/TandemBench/MuxBench.swift (new sound on a copy of a video), same input.

Run with /work/venv/bin/python (needs `av`). Input: bench60.mp4 from make_media_bench_inputs.sh
(/tmp/tandem-bench or $TANDEM_BENCH_DIR). Prints one line per case: median, min, throughput.

  pyav/mux60-copy     video stream copied packet for packet (add_stream_from_template) + 60 s of a
                      16 kHz mono sine encoded with FFmpeg's aac at 128k, in 4096-sample frames, to an MP4
  pyav/aac60          only the AAC encoding, to an m4a
  ffmpeg/mux60-copy   the ffmpeg command line doing the same from a raw float file (includes its start-up)
"""
import os
import statistics
import subprocess
import sys
import time

import av
import numpy as np

DIR = os.environ.get("TANDEM_BENCH_DIR", "/tmp/tandem-bench")
SHORT = os.path.join(DIR, "bench60.mp4")
OUT = os.path.join(DIR, "mux-out")
RATE = 16000
TONE = (0.5 * np.sin(2 * np.pi * 440 * np.arange(60 * RATE) / RATE)).astype(np.float32)


def encode_audio(container, stream):
    for start in range(0, len(TONE), 4096):
        frame = av.AudioFrame.from_ndarray(TONE[None, start:start + 4096], format="fltp", layout="mono")
        frame.sample_rate = RATE
        frame.pts = start
        for packet in stream.encode(frame):
            yield packet
    for packet in stream.encode(None):
        yield packet


def add_aac(container):
    stream = container.add_stream("aac", rate=RATE, layout="mono")
    stream.bit_rate = 128000
    return stream


def mux_copy(_):
    with av.open(SHORT) as source, av.open(os.path.join(OUT, "pyav-copy.mp4"), "w") as out:
        video_in = source.streams.video[0]
        video_out = out.add_stream_from_template(video_in)
        audio_out = add_aac(out)
        for packet in encode_audio(out, audio_out):
            out.mux(packet)
        for packet in source.demux(video_in):
            if packet.dts is None:
                continue
            packet.stream = video_out
            out.mux(packet)


def aac_only(_):
    with av.open(os.path.join(OUT, "pyav-sound.m4a"), "w") as out:
        stream = add_aac(out)
        for packet in encode_audio(out, stream):
            out.mux(packet)


def ffmpeg_copy(raw):
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", SHORT, "-f", "f32le", "-ar", str(RATE), "-ac", "1", "-i", raw,
                    "-map", "0:v", "-map", "1:a", "-c:v", "copy", "-c:a", "aac", "-b:a", "128k",
                    os.path.join(OUT, "ffmpeg-copy.mp4")], check=True)


def run(name, fn, arg, repeats):
    fn(arg)  # warm-up
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn(arg)
        times.append(time.perf_counter() - t0)
    median = statistics.median(times)
    print(f"{name}: median {median:.4f} s, min {min(times):.4f} s, {60 / median:.1f} s/s (n={repeats})", flush=True)


def main():
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    if not os.path.exists(SHORT):
        subprocess.run([os.path.join(os.path.dirname(__file__), "make_media_bench_inputs.sh"), DIR], check=True)
    os.makedirs(OUT, exist_ok=True)
    raw = os.path.join(OUT, "tone.f32")
    TONE.tofile(raw)
    run("pyav/mux60-copy", mux_copy, None, repeats)
    run("pyav/aac60", aac_only, None, repeats)
    run("ffmpeg/mux60-copy", ffmpeg_copy, raw, repeats)


if __name__ == "__main__":
    main()
