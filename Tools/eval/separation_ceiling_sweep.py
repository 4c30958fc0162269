#!/usr/bin/env python3
"""What limits the NMF's ceiling? The oracle assignment of `separation_diagnose.py` (each component given
to the stem that holds most of its reconstruction, Wiener masks) for several factorisations of the same
mixtures, so a change to the factorisation is chosen by what it allows, not by how well today's
assignment happens to use it.

Each variant is `name:key=value,key=value` with keys
  n_fft (1024), hop (n_fft/4), k (components per player, 8), beta (1: KL on magnitude; 0: Itakura–Saito
  on power; 2: Euclidean on magnitude; anything between), iters (30), sparsity (L1 weight on the
  activations, relative to the mean magnitude, 0), p (Wiener exponent on magnitude models, 2), seed (0).

Clips are made (or read from the cache in --work) exactly as `separation_eval.py` makes them. Run it on
the tuning set only:

    /work/venv/bin/python Tools/eval/separation_ceiling_sweep.py --work /tmp/sep8-t6-v3 --counts 2 3 \
        --variant base: --variant fft2048:n_fft=2048 --variant k12:k=12
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import librosa

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import separation_eval as ev  # noqa: E402

DEFAULTS = {"n_fft": 1024, "hop": 0, "k": 8, "beta": 1.0, "iters": 30, "sparsity": 0.0, "p": 2.0, "seed": 0}


def parse(spec):
    name, _, rest = spec.partition(":")
    v = dict(DEFAULTS)
    for item in filter(None, rest.split(",")):
        key, value = item.split("=")
        v[key] = type(DEFAULTS[key])(float(value)) if key in DEFAULTS else float(value)
    v["hop"] = v["hop"] or v["n_fft"] // 4
    return name, v


def nmf(V, k, beta, iters, sparsity, rng):
    """β-divergence multiplicative updates (Févotte & Idier 2011), unit-sum templates, optional L1 on H."""
    F, T = V.shape
    W = rng.uniform(0.5, 1.5, (F, k))
    W /= W.sum(0)
    H = rng.uniform(0.5, 1.5, (k, T)) * V.sum(0).mean() / k
    gamma = 1.0 / (2.0 - beta) if beta < 1 else (1.0 / (beta - 1) if beta > 2 else 1.0)
    lam = sparsity * V.mean()
    for _ in range(iters):
        L = W @ H + 1e-12
        num = W.T @ (V * L ** (beta - 2))
        den = W.T @ L ** (beta - 1) + lam
        H *= (num / (den + 1e-12)) ** gamma
        L = W @ H + 1e-12
        W *= (((V * L ** (beta - 2)) @ H.T) / (L ** (beta - 1) @ H.T + 1e-12)) ** gamma
        s = W.sum(0) + 1e-12
        W /= s
        H *= s[:, None]
    return W, H


def ceiling(stems, mixture, v):
    n_fft, hop = v["n_fft"], v["hop"]
    X = librosa.stft(mixture, n_fft=n_fft, hop_length=hop)
    mag = np.abs(X).astype(np.float64) + 1e-10
    power = v["beta"] <= 0.5
    V = mag ** 2 if power else mag
    S = np.stack([np.abs(librosa.stft(s, n_fft=n_fft, hop_length=hop)) for s in stems])
    ratio = S / (S.sum(0) + 1e-10)
    rng = np.random.default_rng(v["seed"])
    k = v["k"] * len(stems)
    W, H = nmf(V, k, v["beta"], v["iters"], v["sparsity"], rng)
    # Component energies in magnitude terms, whatever the model's domain.
    parts = [np.outer(W[:, c], H[c]) for c in range(k)]
    if power:
        parts = [np.sqrt(p) for p in parts]
    owner = [int(np.argmax([np.sum(p * ratio[s]) for s in range(len(stems))])) for p in parts]
    exponent = v["p"] / 2 if power else v["p"]
    models = [sum((parts[c] ** (2 if power else 1) for c in range(k) if owner[c] == s), np.zeros_like(V)) ** exponent
              for s in range(len(stems))]
    total = np.sum(models, axis=0) + 1e-20
    estimates = [librosa.istft(X * m / total, hop_length=hop, length=len(mixture)) for m in models]
    # A stem no component went to is scored on the mixture (gain 0), as `separation_eval.py` scores a player
    # left without sound.
    return [e if np.sqrt(np.mean(e ** 2)) > 1e-6 else mixture for e in estimates]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--work", default="/tmp/tandem-separation-eval")
    parser.add_argument("--sets", nargs="+", default=["tuning"], choices=list(ev.SETS))
    parser.add_argument("--clips", type=int, default=6)
    parser.add_argument("--first-clip", type=int, default=0,
                        help="index of the first clip (held-out clips 0-2 were used in sessions 6-9; 3 on are unseen)")
    parser.add_argument("--counts", type=int, nargs="+", default=[2, 3])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--variant", action="append", default=[], help="name:key=value,... (see above)")
    parser.add_argument("--out", help="write the per-clip results here (JSON)")
    args = parser.parse_args()
    variants = [parse(s) for s in (args.variant or ["base:"])]
    rows = []
    for set_name in args.sets:
        cfg = ev.SETS[set_name]
        for count in args.counts:
            for index in range(args.first_clip, args.first_clip + args.clips):
                _, scene, stems, _ = ev.make_clip(args, set_name, cfg, count, index)
                mixture = np.sum(stems, axis=0).astype(np.float32)
                mix = ev.sdr(stems, [mixture] * count, False)
                line = f"{set_name} n={count} #{index} {'+'.join(c[0] for c in scene['chosen']):34s}"
                for name, v in variants:
                    started = time.time()
                    g = float(np.mean(ev.sdr(stems, ceiling(stems, mixture, v), False) - mix))
                    rows.append({"set": set_name, "count": count, "clip": index, "variant": name, "ceiling": g,
                                 "seconds": time.time() - started})
                    line += f" {name} {g:+5.1f}"
                print(line, flush=True)
    print("\nmedian (mean) ceiling per variant and count:")
    for name, _ in variants:
        cells = []
        for count in args.counts:
            sel = [r["ceiling"] for r in rows if r["variant"] == name and r["count"] == count]
            cells.append(f"n={count} {np.median(sel):+5.1f} ({np.mean(sel):+5.1f})")
        print(f"  {name:14s} " + "  ".join(cells))
    if args.out:
        with open(args.out, "w") as f:
            json.dump(rows, f, indent=1)


if __name__ == "__main__":
    main()
