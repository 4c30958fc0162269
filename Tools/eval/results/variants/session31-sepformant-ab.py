#!/usr/bin/env python3
"""A/B of tandem binaries, audio only, best permutation: ab.py OUT.jsonl "EXTRA ARGS" NAME=BIN NAME=BIN -- CLIPDIR..."""
import sys, os, json, shlex, shutil
import numpy as np
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))  # Tools/eval
import separation_eval as ev
import separation_ceiling_sweep as sw
out = open(sys.argv[1], "a"); extra = shlex.split(sys.argv[2])
i = sys.argv.index("--"); bins = [b.split("=", 1) for b in sys.argv[3:i]]
for d in sys.argv[i + 1:]:
    stems = np.load(os.path.join(d, "stems.npy"))
    mixture = stems.sum(0).astype(np.float32); count = len(stems)
    mix = ev.sdr(list(stems), [mixture] * count, False)
    work = f"/tmp/sepformant/ab/{os.path.basename(os.path.dirname(d))}-{os.path.basename(d)}"
    line = f"{os.path.basename(d)}"
    for name, b in bins:
        est, cpu = sw.tandem_sources(b, mixture, count, extra, work)
        g = float(np.mean(ev.sdr(list(stems), est, True) - mix))
        out.write(json.dumps({"clip": d, "variant": name, "gain": g, "cpu": cpu, "extra": sys.argv[2]}) + "\n"); out.flush()
        line += f" {name} {g:+.2f} ({cpu:.2f}s)"
    shutil.rmtree(work, ignore_errors=True)
    print(line, flush=True)
