#!/usr/bin/env python3
"""The cost of word timestamps, side by side: Tandem (`tandem-bench whisper`, cases "tiny.en beam N" and
"tiny.en beam N, word timestamps") and faster-whisper (transcribe with word_timestamps False / True,
compute_type float32) on the same 60 s of espeak-ng speech as Tools/bench/whisper_peer.py, same threads and beam.

Prints each side's median wall time without and with word timestamps, the time added, and how the words
agree (same word texts, largest start/end and probability differences).

    /work/venv/bin/python Tools/bench/whisper_words_peer.py [--beam 5] [--repeat 3] [--threads 2]

Needs `swift build -c release --product tandem-bench` (run from the package root) and Models/whisper-tiny.en.
"""
import argparse
import json
import os
import pathlib
import statistics
import subprocess
import sys
import time

import soundfile

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from whisper_peer import BENCH, MODEL, ROOT, make_audio  # noqa: E402


def median_seconds(run, repeat: int) -> float:
    times = []
    for i in range(repeat + 1):
        start = time.perf_counter()
        run()
        if i > 0:  # the first run warms up
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--beam", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args()

    wav = make_audio(args.seconds)
    audio, rate = soundfile.read(wav, dtype="float32")
    duration = len(audio) / rate

    from faster_whisper import WhisperModel
    model = WhisperModel(str(MODEL), device="cpu", compute_type="float32", cpu_threads=args.threads)

    def transcribe(words: bool):
        segments, _ = model.transcribe(audio, beam_size=args.beam, temperature=0, vad_filter=False, word_timestamps=words)
        return list(segments)

    peer_plain = median_seconds(lambda: transcribe(False), args.repeat)
    peer_words = median_seconds(lambda: transcribe(True), args.repeat)
    # The alignment itself (one extra decoder pass per window and the word rules), apart from the windows
    # that moving `seek` to the last word may add or remove.
    aligning = [0.0]
    add_word_timestamps = model.add_word_timestamps

    def timed_add_word_timestamps(*a, **k):
        start = time.perf_counter()
        try:
            return add_word_timestamps(*a, **k)
        finally:
            aligning[0] += time.perf_counter() - start

    model.add_word_timestamps = timed_add_word_timestamps
    peer_segments = transcribe(True)
    peer_windows = len({s.seek for s in peer_segments})

    output = str(wav) + ".tandem.json"
    env = dict(os.environ, TANDEM_WHISPER_WAV=str(wav), TANDEM_WHISPER_BEAM=str(args.beam), TANDEM_WHISPER_JSON=output,
               TANDEM_THREADS=str(args.threads), OPENBLAS_NUM_THREADS=str(args.threads))
    result = subprocess.run([str(BENCH), "whisper", "--repeat", str(args.repeat)], env=env, check=True,
                            capture_output=True, text=True, cwd=ROOT)
    lines = [l for l in result.stdout.splitlines() if l.startswith("whisper/") and "beam" in l]
    medians = {l.split(": median")[0]: float(l.split("median ")[1].split(" s")[0]) for l in lines}
    ours_plain = medians[f"whisper/tiny.en beam {args.beam}"]
    ours_words = medians[f"whisper/tiny.en beam {args.beam}, word timestamps"]

    ours = json.loads(pathlib.Path(output + ".words.json").read_text())
    same_segments = [(s["start"], s["end"], s["tokens"]) for s in ours] == [(s.start, s.end, list(s.tokens)) for s in peer_segments]
    our_words = [w for s in ours for w in s.get("words") or []]
    peer_words_list = [w for s in peer_segments for w in s.words]
    same_words = [w["word"] for w in our_words] == [w.word for w in peer_words_list]
    time_diffs = [max(abs(a["start"] - b.start), abs(a["end"] - b.end)) for a, b in zip(our_words, peer_words_list)]
    probability_diffs = [abs(a["probability"] - b.probability) for a, b in zip(our_words, peer_words_list)]

    print(f"audio {duration:.1f} s, beam {args.beam}, {args.threads} threads, median of {args.repeat}")
    print(f"  tandem         without {ours_plain:7.3f} s   with words {ours_words:7.3f} s   added {ours_words - ours_plain:+.3f} s "
          f"({100 * (ours_words / ours_plain - 1):+.1f} %)")
    print(f"  faster-whisper without {peer_plain:7.3f} s   with words {peer_words:7.3f} s   added {peer_words - peer_plain:+.3f} s "
          f"({100 * (peer_words / peer_plain - 1):+.1f} %)")
    print(f"  faster-whisper alignment alone (add_word_timestamps, one run): {aligning[0]:.3f} s over {peer_windows} windows with text")
    print(f"  load average now: {os.getloadavg()[0]:.1f} (wall times are only comparable on an idle machine)")
    print(f"  segments (start, end, tokens) equal: {same_segments}; words {len(our_words)} vs {len(peer_words_list)}, texts equal: {same_words}")
    if time_diffs:
        exact = sum(d < 1e-9 for d in time_diffs)
        print(f"  word times: largest difference {max(time_diffs):.3f} s, {exact}/{len(time_diffs)} exact; "
              f"probabilities: largest difference {max(probability_diffs):.2e}")


if __name__ == "__main__":
    main()
