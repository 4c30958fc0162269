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

With `--tandem NAME=BINARY` (repeatable) the Swift code is measured instead of a Python variant: each binary
separates the clip's audio alone (`tandem separate mixture.wav --sources N`, no picture, so no region is
involved) with `--separate-args`, and its K sources are scored by the best permutation — what a perfect
matching of whole sources to players reaches. Binaries alternate per clip; each run's CPU seconds (user +
system of the child) are kept:

    /work/venv/bin/python Tools/eval/separation_ceiling_sweep.py --work /tmp/sep8-t6-v3 --counts 2 3 4 \
        --tandem main=/work/main/.build-test/release/tandem --tandem new=.build-test/release/tandem \
        --separate-args "--model harmonic"
"""
import argparse
import json
import os
import resource
import shlex
import shutil
import subprocess
import sys
import time

import numpy as np
import librosa
import soundfile as sf

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import separation_eval as ev  # noqa: E402

DEFAULTS = {"n_fft": 1024, "hop": 0, "k": 8, "beta": 1.0, "iters": 30, "sparsity": 0.0, "p": 2.0, "seed": 0,
            # model=1: the source-filter harmonic model (`harmonic_nmf` below) instead of free components.
            "model": 0, "partials": 30, "registers": 1, "noise": 2, "tolerance": 20.0, "low": 28, "high": 96,
            "init": 1, "seeds": 1, "step": 1, "compete": 0.0, "spread": 4.0, "pitchweight": 0.0,
            "competeiters": 1000}


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


def hann_lobe(delta):
    """|DTFT| of a Hann window `delta` bins from a sinusoid's frequency, 1 at 0, kept to the main lobe (±2 bins)."""
    d = np.abs(delta)
    value = 0.5 * np.sinc(d) + 0.25 * np.sinc(d - 1) + 0.25 * np.sinc(d + 1)
    return np.where(d < 2, np.abs(value), 0.0)


def partial_templates(n_fft, rate, low, high, partials, tolerance, step):
    """G[p, h, f]: partial h + 1 of pitch p (MIDI low…high in 1/step semitones) as the window's main lobe, its flat
    top widened by ±tolerance cents (vibrato, slight inharmonicity), each unit-sum over the bins; partials above
    the top bins are zero."""
    pitches = np.arange(low, high + 1e-9, 1.0 / step)
    bins = n_fft // 2 + 1
    hz = rate / n_fft
    f = np.arange(bins)
    G = np.zeros((len(pitches), partials, bins))
    for i, m in enumerate(pitches):
        f0 = 440.0 * 2 ** ((m - 69) / 12)
        for h in range(partials):
            centre = (h + 1) * f0 / hz
            if centre > bins - 3:
                break
            g = hann_lobe(np.maximum(np.abs(f - centre) - centre * (2 ** (tolerance / 1200) - 1), 0))
            G[i, h] = g / g.sum()
    return pitches, G


def register_weights(count, registers):
    """P × R triangular interpolation between R profiles spread evenly over the pitch grid (one register: ones)."""
    if registers <= 1:
        return np.ones((count, 1))
    centres = np.linspace(0, count - 1, registers)
    width = centres[1] - centres[0]
    w = np.maximum(0, 1 - np.abs(np.arange(count)[:, None] - centres[None, :]) / width)
    return w / w.sum(1, keepdims=True)


def smooth_bands(bins, bands=24):
    """F × B overlapping triangles on a log-frequency axis: noise templates built from them cannot hold partials."""
    x = np.log1p(np.arange(bins) / 4.0)
    centres = np.linspace(0, x[-1], bands)
    width = centres[1] - centres[0]
    B = np.maximum(0, 1 - np.abs(x[:, None] - centres[None, :]) / width)
    return B / B.sum(0, keepdims=True)


def kl(V, L):
    return float(np.sum(V * np.log(V / L) - V + L))


def harmonic_init(V, count, G, rng, k_per=8, iters=30, pitch_weight=0.0):
    """Profiles from a plain NMF clustered by timbre: each free component gets the pitch whose first 8 partials
    hold most of its template, its partial amplitudes become a profile, and the profiles of the harmonic
    components are clustered (weighted k-means on log profiles) into `count` sources."""
    P, Hh, F = G.shape
    W, H = nmf(V, k_per * count, 1.0, iters, 0.0, rng)
    amp = np.einsum("phf,fc->cph", G, W)  # partial amplitudes of each component at each pitch
    pitch = np.argmax(amp[:, :, :8].sum(2), axis=1)
    prof = amp[np.arange(W.shape[1]), pitch]  # C × Hh
    harmonicity = prof.sum(1) / (W.sum(0) + 1e-12)
    energy = H.sum(1) * W.sum(0)
    # Harmonic components that carry energy; quiet or partial-less ones (noise, low rumble) would seed a
    # source that then holds nothing.
    keep = (harmonicity > np.median(harmonicity) * 0.5) & (energy > 0.2 * np.median(energy)) & (pitch > 0)
    x = np.log(prof[:, :12] / (prof[:, :12].sum(1, keepdims=True) + 1e-12) + 1e-4)
    if pitch_weight:
        # Register as a feature too (in octaves): instruments of one family differ more by range than by timbre.
        x = np.concatenate([x, pitch_weight * pitch[:, None] / 12.0], axis=1)
    best = None
    pool = np.flatnonzero(keep)
    for _ in range(8):
        centres = x[rng.choice(pool, count, replace=False, p=energy[pool] / energy[pool].sum())]
        for _ in range(30):
            label = np.argmin(((x[:, None, :] - centres[None]) ** 2).sum(2), axis=1)
            for k in range(count):
                m = keep & (label == k)
                if m.any():
                    centres[k] = np.average(x[m], axis=0, weights=energy[m])
        cost = float(np.sum(energy[keep] * ((x[keep] - centres[label[keep]]) ** 2).sum(1)))
        # A clustering that leaves a source under a tenth of the energy seeds a source that holds nothing.
        shares = np.array([energy[keep & (label == k)].sum() for k in range(count)]) / energy[keep].sum()
        if shares.min() < 0.1 / count:
            cost = cost * 10 + 1e30 * (best is not None)
        if best is None or cost < best[0]:
            best = (cost, label.copy())
    label = best[1]
    a = np.full((count, Hh), 1e-3)
    Hk = np.zeros((count, P, V.shape[1]))
    for k in range(count):
        m = keep & (label == k)
        if m.any():
            p = np.average(prof[m] / (prof[m].sum(1, keepdims=True) + 1e-12), axis=0, weights=energy[m])
            a[k] += p
        for c in np.flatnonzero(m):
            Hk[k, pitch[c]] += H[c] * prof[c].sum() / (W[:, c].sum() + 1e-12)
    Hk += 0.05 * Hk.mean() + 1e-9
    return a, Hk


def harmonic_nmf(V, count, v, rng, rate=ev.RATE):
    """Source-filter harmonic NMF with KL multiplicative updates (after Vincent, Bertin & Badeau 2010 and
    Durrieu et al. 2010; written from the model, not their code):

        V[f, t] ≈ Σ_k Σ_p (Σ_h a[k, r(p), h] G[p, h, f]) X[k, p, t] + Σ_j (B c_j)[f] N[j, t]

    k a source (a whole instrument), p a pitch of the grid, h a partial; a its partial amplitudes (one profile
    per register r, interpolated across pitch), X its activations per pitch and frame; c_j the smooth-band
    weights of a few noise components with activations N. Returns the per-source parts' factors."""
    F, T = V.shape
    pitches, G = partial_templates(v["n_fft"], rate, v["low"], v["high"], v["partials"], v["tolerance"], v["step"])
    P, Hh, _ = G.shape
    Gf = G.reshape(P * Hh, F)
    Gsum = G.sum(2)
    wreg = register_weights(P, v["registers"])
    R = wreg.shape[1]
    B = smooth_bands(F)
    J = v["noise"] * count
    if v["init"] == 1:
        a1, X = harmonic_init(V, count, G, rng, pitch_weight=v["pitchweight"])
        a = np.repeat(a1[:, None, :], R, axis=1)
    else:
        a = rng.uniform(0.5, 1.5, (count, R, Hh)) / np.arange(1, Hh + 1)
        X = rng.uniform(0.5, 1.5, (count, P, T)) * V.mean()
    c = rng.uniform(0.5, 1.5, (B.shape[1], max(J, 1)))
    N = rng.uniform(0.5, 1.5, (max(J, 1), T)) * V.mean() * (1.0 if J else 0.0)

    def model():
        A = np.einsum("pr,krh->kph", wreg, a)
        W = np.einsum("kph,phf->kfp", A, G)
        L = np.einsum("kfp,kpt->ft", W, X, optimize=True) + (B @ c) @ N + 1e-12
        return W, L

    for it in range(v["iters"]):
        W, L = model()
        Q = V / L
        X *= np.einsum("kfp,ft->kpt", W, Q, optimize=True) / (W.sum(1)[:, :, None] + 1e-12)
        if v["compete"] and it < v["competeiters"]:
            # Sources compete for pitch ranges: each source's pitch histogram, smoothed over ±spread semitones,
            # reweights its activations by its share of that pitch (a soft instrument-range prior).
            hist = X.sum(2)
            kernel = np.exp(-0.5 * ((np.arange(P)[:, None] - np.arange(P)[None, :]) / (v["spread"] * v["step"])) ** 2)
            smooth = hist @ kernel + 1e-12
            X *= ((smooth / smooth.sum(0, keepdims=True)) ** v["compete"])[:, :, None]
        if J:
            Wn = B @ c
            N *= (Wn.T @ Q) / (Wn.sum(0)[:, None] + 1e-12)
        W, L = model()
        Q = V / L
        GQ = (Gf @ Q).reshape(P, Hh, T)
        num = np.einsum("pr,kph->krh", wreg, np.einsum("kpt,pht->kph", X, GQ, optimize=True))
        den = np.einsum("pr,kp,ph->krh", wreg, X.sum(2), Gsum)
        a *= num / (den + 1e-12)
        if J:
            c *= (B.T @ (Q @ N.T)) / (B.sum(0)[:, None] * N.sum(1)[None, :] + 1e-12)
            s = c.sum(0)
            c /= s
            N *= s[:, None]
        s = a.sum(2).mean(1)
        a /= s[:, None, None]
        X *= s[:, None, None]
    W, L = model()
    return {"W": W, "X": X, "Wn": B @ c, "N": N if J else np.zeros((0, T)), "kl": kl(V, L), "pitches": pitches}


def wiener(X, models, p, length, hop):
    total = np.sum([m ** p for m in models], axis=0) + 1e-20
    estimates = [librosa.istft(X * m ** p / total, hop_length=hop, length=length) for m in models]
    return estimates


def harmonic_ceiling(stems, mixture, v):
    """(perm) the K harmonic sources, each with the noise components whose activations follow its summed
    activation most closely (no answer used), Wiener masks, scored with the best permutation: what a motion
    assignment of whole sources can reach. (oracle) each (source, pitch) part and each noise component given to
    the stem holding most of its energy, as the NMF oracle does with free components."""
    n_fft, hop = v["n_fft"], v["hop"]
    X = librosa.stft(mixture, n_fft=n_fft, hop_length=hop)
    V = np.abs(X).astype(np.float64) + 1e-10
    S = np.stack([np.abs(librosa.stft(s, n_fft=n_fft, hop_length=hop)) for s in stems])
    ratio = S / (S.sum(0) + 1e-10)
    count = len(stems)
    best = None
    for seed in range(v["seeds"]):
        fit = harmonic_nmf(V, count, v, np.random.default_rng(v["seed"] + seed))
        if best is None or fit["kl"] < best["kl"]:
            best = fit
    W, Xk, Wn, N = best["W"], best["X"], best["Wn"], best["N"]
    harmonic = [W[k] @ Xk[k] for k in range(count)]
    noise = [np.outer(Wn[:, j], N[j]) for j in range(N.shape[0])]
    curves = np.array([Xk[k].sum(0) for k in range(count)])
    models = [h.copy() for h in harmonic]
    for j in range(N.shape[0]):
        r = np.nan_to_num([np.corrcoef(N[j], curves[k])[0, 1] for k in range(count)], nan=-1.0)
        models[int(np.argmax(r))] += noise[j]
    perm = wiener(X, models, v["p"], len(mixture), hop)
    # Component-level oracle.
    energy = np.einsum("kfp,sft,kpt->skp", W, ratio, Xk, optimize=True)
    owner = np.argmax(energy, axis=0)  # K × P
    oracle = [np.zeros_like(V) for _ in range(count)]
    for k in range(count):
        for s in range(count):
            sel = owner[k] == s
            if sel.any():
                oracle[s] += W[k][:, sel] @ Xk[k][sel]
    for j, part in enumerate(noise):
        oracle[int(np.argmax([np.sum(part * ratio[s]) for s in range(count)]))] += part
    ora = wiener(X, oracle, v["p"], len(mixture), hop)
    ora = [e if np.sqrt(np.mean(e ** 2)) > 1e-6 else mixture for e in ora]
    share = float(sum(n.sum() for n in noise) / V.sum())
    return [("perm", perm, True), ("oracle", ora, False)], {"noise_share": share, "kl": best["kl"]}


def ceiling(stems, mixture, v):
    if v["model"] == 1:
        return harmonic_ceiling(stems, mixture, v)
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
    return [("oracle", [e if np.sqrt(np.mean(e ** 2)) > 1e-6 else mixture for e in estimates], False)], {}


def tandem_sources(binary, mixture, count, extra, work):
    """The K sources `binary` separates from the clip's audio alone (stereo float WAV, as in the clip's video),
    and the CPU seconds (user + system) the run took."""
    folder = os.path.join(work, "audio-only")
    os.makedirs(folder, exist_ok=True)
    wav = os.path.join(folder, "mixture.wav")
    if not os.path.exists(wav):
        sf.write(wav, np.stack([mixture, mixture], axis=1), ev.RATE, subtype="FLOAT")
    out = os.path.join(folder, "out")
    shutil.rmtree(out, ignore_errors=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run([binary, "separate", wav, "--out", out, "--sources", str(count), "--progress", "none"] + extra,
                          capture_output=True, text=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        print(proc.stderr, file=sys.stderr)
        raise SystemExit(f"{binary} separate failed on {wav}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    summary = json.load(open(os.path.join(out, "separated", "mixture", "summary.json")))
    estimates = []
    for source in summary["sources"]:
        if "file" not in source:
            continue
        audio, _ = sf.read(os.path.join(out, "separated", "mixture", source["file"]), dtype="float32", always_2d=True)
        signal = np.zeros(len(mixture), dtype=np.float32)
        signal[:min(len(mixture), len(audio))] = audio.mean(axis=1)[:len(mixture)]
        estimates.append(signal)
    if len(estimates) != count:
        raise SystemExit(f"{binary} wrote {len(estimates)} sources for {count} players on {wav}")
    return estimates, cpu


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
    parser.add_argument("--tandem", action="append", default=[], metavar="NAME=BINARY",
                        help="score the sources these Tandem binaries separate from the audio alone (best permutation)")
    parser.add_argument("--separate-args", default="", help="extra arguments of `tandem separate` (with --tandem)")
    args = parser.parse_args()
    variants = [parse(s) for s in (args.variant or ([] if args.tandem else ["base:"]))]
    binaries = [b.split("=", 1) for b in args.tandem]
    extra = shlex.split(args.separate_args)
    rows = []
    for set_name in args.sets:
        cfg = ev.SETS[set_name]
        for count in args.counts:
            for index in range(args.first_clip, args.first_clip + args.clips):
                _, scene, stems, _ = ev.make_clip(args, set_name, cfg, count, index)
                mixture = np.sum(stems, axis=0).astype(np.float32)
                mix = ev.sdr(stems, [mixture] * count, False)
                line = f"{set_name} n={count} #{index} {'+'.join(c[0] for c in scene['chosen']):34s}"
                work = os.path.join(args.work, f"{set_name}-n{count}-m{index}")
                for name, binary in binaries:
                    estimates, cpu = tandem_sources(binary, mixture, count, extra, work)
                    g = float(np.mean(ev.sdr(stems, estimates, True) - mix))
                    rows.append({"set": set_name, "count": count, "clip": index, "variant": name, "ceiling": g, "cpu": cpu})
                    line += f" {name} {g:+5.1f} ({cpu:.2f} s)"
                for name, v in variants:
                    started = time.time()
                    scores, info = ceiling(stems, mixture, v)
                    elapsed = time.time() - started
                    for label, estimates, permute in scores:
                        g = float(np.mean(ev.sdr(stems, estimates, permute) - mix))
                        key = name if label == "oracle" else f"{name}/{label}"
                        rows.append({"set": set_name, "count": count, "clip": index, "variant": key, "ceiling": g,
                                     "seconds": elapsed, **info})
                        line += f" {key} {g:+5.1f}"
                    if "noise_share" in info:
                        line += f" (noise {info['noise_share']:.2f}, {elapsed:.0f} s)"
                print(line, flush=True)
    print("\nmedian (mean) gain per variant and count (--tandem: sources, best permutation):")
    for name in dict.fromkeys(r["variant"] for r in rows):
        cells = []
        for count in args.counts:
            sel = [r["ceiling"] for r in rows if r["variant"] == name and r["count"] == count]
            cells.append(f"n={count} {np.median(sel):+5.1f} ({np.mean(sel):+5.1f})")
        print(f"  {name:14s} " + "  ".join(cells))
        cpu = [r["cpu"] for r in rows if r["variant"] == name and "cpu" in r]
        if cpu:
            print(f"  {'':14s} CPU per run, median {np.median(cpu):.2f} s")
    if args.out:
        with open(args.out, "w") as f:
            json.dump(rows, f, indent=1)


if __name__ == "__main__":
    main()
