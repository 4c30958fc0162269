#!/usr/bin/env python3
"""Where does the region-attributed separation lose? Per clip of `separation_eval.py`, four scores:

  found     `tandem separate --sources N` as a user runs it (regions found in the video);
  given     the same with `--region` set to the players' panels (the region finder made perfect);
  given+m   (--with-mover) the players' panels plus the silent mover's panel (can the evidence refuse it?);
  ceiling   the NMF alone with an oracle assignment: the mixture factorised like Tandem does (KL
            multiplicative updates, 8 components per player, n_fft 1024, hop 256, 30 iterations), each
            component given to the stem that holds most of its reconstruction, Wiener masks (p = 2).

With --holdings, each found region is also listed with how much of every player's stem its output carries
(the output projected on the stem, <output, stem> / <stem, stem>: 1 is the whole stem, 0 none of it), so a
region that took another player's sound is seen directly: `0:.62/.39/.03/.05` is a region on panel 0 holding
most of player 0 and 39 % of player 1 (`s`: flagged silent, no file).

So `given - found` is what region finding loses, `ceiling - given` what the assignment of components to
(right) regions loses, and `ceiling` is what the factorisation itself allows. It also lists what the
finder found per panel (regions on each player, on the mover, silent flags).

Clips are made (or read from the cache in --work) exactly as `separation_eval.py` makes them; run it on
the tuning set while developing:

    /work/venv/bin/python Tools/eval/separation_diagnose.py --tandem .build/release/tandem --sets tuning --clips 6
"""
import argparse
import json
import os
import sys

import numpy as np
import librosa

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import separation_eval as ev  # noqa: E402


def gain(stems, estimates, mix):
    """Region-attributed SDR gain over the mixture's SDR `mix` (one BSS Eval call per score)."""
    return ev.sdr(stems, estimates, False) - mix


def attributed(summary, out, count, mixture):
    return ev.player_estimates(ev.attribute(summary, out, count, len(mixture)), count, mixture)


def nmf_ceiling(stems, mixture, per_source=8, iterations=30, seed=0):
    n_fft, hop = 1024, 256
    X = librosa.stft(mixture, n_fft=n_fft, hop_length=hop)
    V = np.abs(X).astype(np.float64) + 1e-10
    S = [np.abs(librosa.stft(s, n_fft=n_fft, hop_length=hop)) for s in stems]
    ratio = np.stack(S) / (np.sum(S, axis=0) + 1e-10)
    rng = np.random.default_rng(seed)
    k = per_source * len(stems)
    W = rng.uniform(0.1, 1, (V.shape[0], k)) * V.mean()
    H = rng.uniform(0.1, 1, (k, V.shape[1]))
    for _ in range(iterations):
        H *= (W.T @ (V / (W @ H))) / W.sum(axis=0)[:, None]
        W *= ((V / (W @ H)) @ H.T) / H.sum(axis=1)[None, :]
    owner = [int(np.argmax([W[:, c] @ ratio[s] @ H[c] for s in range(len(stems))])) for c in range(k)]
    models = [sum((np.outer(W[:, c], H[c]) for c in range(k) if owner[c] == s), np.zeros_like(V)) ** 2 for s in range(len(stems))]
    total = np.sum(models, axis=0) + 1e-20
    return [librosa.istft(X * m / total, hop_length=hop, length=len(mixture)) for m in models]


def panel_name(region, count):
    """The panel a region's centre lies on: the player's index, or M for the mover's panel past the players'."""
    panel = int((region["x"] + region["width"] / 2) // ev.PANEL_W)
    return "M" if panel >= count else str(panel)


def holdings(summary, out, stems, count):
    """Per region: its panel (M: the mover's), `s` when silent, then the share of each player's stem its output
    carries (the output projected on the stem)."""
    tokens = []
    for s in summary["sources"]:
        r = s.get("region")
        if r is None:
            continue
        name = panel_name(r, count)
        if "file" not in s:
            tokens.append(name + "s")
            continue
        audio, _ = ev.sf.read(os.path.join(out, s["file"]), dtype="float32", always_2d=True)
        signal = audio.mean(axis=1)[:len(stems[0])]
        shares = [float(np.dot(signal[:len(t)], t[:len(signal)]) / np.dot(t, t)) for t in stems]
        tokens.append(name + ":" + "/".join(f"{v:.2f}".replace("0.", ".") for v in shares))
    return tokens


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tandem", default=".build/release/tandem")
    parser.add_argument("--work", default="/tmp/tandem-separation-eval")
    parser.add_argument("--sets", nargs="+", default=["tuning"], choices=list(ev.SETS))
    parser.add_argument("--clips", type=int, default=6)
    parser.add_argument("--first-clip", type=int, default=0,
                        help="index of the first clip (held-out clips 0-2 were used in sessions 6-9; 3 on are unseen)")
    parser.add_argument("--counts", type=int, nargs="+", default=[2, 3, 4])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--separate-args", default="")
    parser.add_argument("--skip-given", action="store_true", help="only the found and ceiling scores")
    parser.add_argument("--with-mover", action="store_true", help="also score the players' panels plus the mover's")
    parser.add_argument("--holdings", action="store_true", help="list how much of each player's stem every found region's output carries")
    parser.add_argument("--level-spread", type=float, default=0.0, help="players at unequal loudness (as separation_eval.py --level-spread)")
    parser.add_argument("--footage", action="store_true", help="diagnose each clip's camera-like variant (footage.mkv, as separation_eval.py --footage)")
    args = parser.parse_args()
    rows = []
    for set_name in args.sets:
        cfg = ev.SETS[set_name]
        for count in args.counts:
            for index in range(args.first_clip, args.first_clip + args.clips):
                work, scene, stems, video = ev.make_clip(args, set_name, cfg, count, index)
                mixture = np.sum(stems, axis=0).astype(np.float32)
                extra = args.separate_args.split()
                row = {"set": set_name, "count": count, "clip": index, "instruments": [c[0] for c in scene["chosen"]],
                       "mover": scene["mover"], "camera": scene["camera"], "light": scene["light"]}
                out = os.path.join(work, "diag-found")
                summary, _, _ = ev.run_tandem(args.tandem, video, out, str(count), extra)
                estimates, missing = attributed(summary, out, count, mixture)
                mix = ev.sdr(stems, [mixture] * count, False)
                g, p = gain(stems, estimates, mix), ev.sdr(stems, estimates, True) - mix
                row.update(found=float(np.mean(g)), found_perm=float(np.mean(p)), found_missing=missing)
                layout = []
                for s in summary["sources"]:
                    r = s.get("region")
                    if r is None:
                        continue
                    name = panel_name(r, count)
                    layout.append(name + ("s" if s.get("silent") else "") + ("W" if r["width"] > 1.5 * ev.PANEL_W else ""))
                row["layout"] = " ".join(layout)
                if args.holdings:
                    row["holdings"] = holdings(summary, out, stems, count)
                if not args.skip_given:
                    boxes = [f"{i * ev.PANEL_W},0,{ev.PANEL_W},{ev.PANEL_H}" for i in range(count)]
                    out = os.path.join(work, "diag-given")
                    summary, _, _ = ev.run_tandem(args.tandem, video, out, str(count), extra + sum((["--region", b] for b in boxes), []))
                    estimates, missing = attributed(summary, out, count, mixture)
                    g = gain(stems, estimates, mix)
                    row.update(given=float(np.mean(g)), given_missing=missing)
                    if scene["mover"] != "none" and args.with_mover:
                        boxes.append(f"{count * ev.PANEL_W},0,{ev.PANEL_W},{ev.PANEL_H}")
                        out = os.path.join(work, "diag-given-mover")
                        summary, _, _ = ev.run_tandem(args.tandem, video, out, str(count), extra + sum((["--region", b] for b in boxes), []))
                        estimates, missing = attributed(summary, out, count, mixture)
                        g = gain(stems, estimates, mix)
                        row.update(given_mover=float(np.mean(g)))
                g = gain(stems, nmf_ceiling(stems, mixture), mix)
                row["ceiling"] = float(np.mean(g))
                rows.append(row)
                print(f"{set_name} n={count} #{index} {'+'.join(row['instruments']):34s} {row['mover']:9s} {row['camera']:6s} {row['light']:7s} | "
                      f"found {row['found']:+5.1f} (perm {row['found_perm']:+5.1f}, w/o {row['found_missing']}) "
                      f"given {row.get('given', float('nan')):+5.1f} given+m {row.get('given_mover', float('nan')):+5.1f} "
                      f"ceiling {row['ceiling']:+5.1f} | regions {row['layout']}", flush=True)
                if args.holdings:
                    print("    holdings " + "  ".join(row["holdings"]), flush=True)
    print("\nmedians per count: found / given / given+mover / ceiling")
    for count in args.counts:
        sel = [r for r in rows if r["count"] == count]
        med = lambda key: np.median([r[key] for r in sel if key in r]) if any(key in r for r in sel) else float("nan")
        print(f"  {count}: {med('found'):+.1f} / {med('given'):+.1f} / {med('given_mover'):+.1f} / {med('ceiling'):+.1f}")
    with open(os.path.join(args.work, "diagnosis.json"), "w") as f:
        json.dump(rows, f, indent=1)


if __name__ == "__main__":
    main()
