#!/usr/bin/env python3
"""Session 31, branch `sepformant`: the sweep's harmonic model (`separation_ceiling_sweep.py`, main's settings) with
the partial profile against a frequency envelope and against their product; audio only, best permutation.

form=0: a[k,h] (main); form=1: A[k,p,h] = E_k(f_ph), E_k = sum_b e[k,b] tri_b(log2 f), bands 40 Hz..Nyquist, started
from the initial clustering's members; form=2: a[k,h]*E_k(f_ph) (prodinit=1: a from the clustering, E flat; else a flat,
E from the members; norefresh=1: the envelope updated from the profile's products, as the Swift form does).

    nice /work/venv/bin/python session31-sepformant-proto.py \
      "base:compete=0.5,competeiters=10,pitchweight=1;prodE:compete=0.5,competeiters=10,pitchweight=1,form=2,bands=30" \
      out.jsonl /tmp/sepclips26/b81/held-out-n2-m84 ...
"""
import sys, os, json, time
import numpy as np, librosa
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))  # Tools/eval
import separation_eval as ev
import separation_ceiling_sweep as sw

RATE = ev.RATE

def band_weights(freqs, bands, lo=40.0, hi=RATE / 2):
    """freqs (any shape, Hz) -> (..., bands) triangular weights on log f, centres spread lo..hi; partition of unity."""
    x = np.log2(np.clip(freqs, lo, hi))
    c = np.linspace(np.log2(lo), np.log2(hi), bands)
    w = c[1] - c[0]
    return np.maximum(0, 1 - np.abs(x[..., None] - c) / w)

def run(V, count, v, rng, form, bands):
    F, T = V.shape
    pitches, G = sw.partial_templates(v["n_fft"], RATE, v["low"], v["high"], v["partials"], v["tolerance"], v["step"])
    P, Hh, _ = G.shape
    Gf = G.reshape(P * Hh, F)
    Gsum = G.sum(2)
    valid = (Gsum > 0).astype(float)
    f0 = 440.0 * 2 ** ((pitches - 69) / 12)
    fph = f0[:, None] * np.arange(1, Hh + 1)[None, :]
    Phi = band_weights(fph, bands) * valid[:, :, None]  # P x H x B
    Bn = sw.smooth_bands(F)
    J = v["noise"] * count
    a1, X, info = init(V, count, G, rng, v["pitchweight"])
    # envelope start: each band the energy-weighted mean of the members' partial amplitudes that fall in it
    if form == 0:
        a = a1.copy(); e = np.ones((count, bands))
    else:
        num = np.einsum("kph,phb->kb", info["pw"], Phi)  # pw[k,p,h]: summed member profile amplitudes at pitch p
        den = np.einsum("kp,phb->kb", info["pn"], Phi)    # pn[k,p]: members' weights at pitch p
        e = num / (den + 1e-12)
        # bands no member reached: nearest filled band's value
        for k in range(count):
            filled = np.flatnonzero(den[k] > 1e-6 * den[k].max())
            idx = np.arange(bands)
            e[k] = np.interp(idx, filled, e[k, filled])
        e = e + 1e-3 * e.mean(1, keepdims=True)
        if form == 1:
            a = np.ones((count, Hh))
        else:
            a = np.full((count, Hh), 1.0 / Hh) + 0 * a1  # flat start: the envelope carries the start's timbre
            if v.get("prodinit", 0) == 1:
                a = a1.copy(); e = np.ones((count, bands))
    c = rng.uniform(0.5, 1.5, (Bn.shape[1], max(J, 1)))
    N = rng.uniform(0.5, 1.5, (max(J, 1), T)) * V.mean() * (1.0 if J else 0.0)
    env_fix = v.get("envfix", 0)

    def amps():
        E = np.einsum("kb,phb->kph", e, Phi)
        return a[:, None, :] * E
    def model():
        A = amps()
        W = np.einsum("kph,phf->kfp", A, G, optimize=True)
        L = np.einsum("kfp,kpt->ft", W, X, optimize=True) + (Bn @ c) @ N + 1e-12
        return W, L
    scale_norm = (Gsum * valid)
    for it in range(v["iters"]):
        W, L = model(); Q = V / L
        X *= np.einsum("kfp,ft->kpt", W, Q, optimize=True) / (W.sum(1)[:, :, None] + 1e-12)
        if v["compete"] and it < v["competeiters"]:
            hist = X.sum(2)
            kern = np.exp(-0.5 * ((np.arange(P)[:, None] - np.arange(P)[None, :]) / (v["spread"] * v["step"])) ** 2)
            sm = hist @ kern + 1e-12
            X *= ((sm / sm.sum(0, keepdims=True)) ** v["compete"])[:, :, None]
        if J:
            Wn = Bn @ c
            N *= (Wn.T @ Q) / (Wn.sum(0)[:, None] + 1e-12)
        W, L = model(); Q = V / L
        GQ = (Gf @ Q).reshape(P, Hh, T)
        Mn = np.einsum("kpt,pht->kph", X, GQ, optimize=True)       # d/dA negative part
        Md = X.sum(2)[:, :, None] * Gsum[None]                        # positive part
        if form in (0, 2):
            E = np.einsum("kb,phb->kph", e, Phi) if form == 2 else np.ones((count, P, Hh))
            a *= (Mn * E).sum(1) / ((Md * E).sum(1) + 1e-12)
        if form in (1, 2) and not (form == 2 and env_fix and it < env_fix):
            if form == 2 and not v.get("norefresh", 0):
                W, L = model(); Q = V / L
                GQ = (Gf @ Q).reshape(P, Hh, T)
                Mn = np.einsum("kpt,pht->kph", X, GQ, optimize=True)
            e *= np.einsum("kph,phb->kb", Mn * a[:, None, :], Phi) / (np.einsum("kph,phb->kb", Md * a[:, None, :], Phi) + 1e-12)
        if J:
            c *= (Bn.T @ (Q @ N.T)) / (Bn.sum(0)[:, None] * N.sum(1)[None, :] + 1e-12)
            s = c.sum(0); c /= s; N *= s[:, None]
        # normalise: mean over pitches of the profile's sum = 1 per source
        s = amps().sum(2).mean(1)
        if form == 1:
            e /= s[:, None]
        else:
            a /= s[:, None]
        X *= s[:, None, None]
    W, L = model()
    return {"W": W, "X": X, "Wn": Bn @ c, "N": N if J else np.zeros((0, T)), "kl": sw.kl(V, L), "A": amps(), "pitches": pitches}


def init(V, count, G, rng, pitch_weight, k_per=8, iters=30):
    """sw.harmonic_init, also returning per source and pitch the members' summed profiles (for the envelope start)."""
    P, Hh, F = G.shape
    W, H = sw.nmf(V, k_per * count, 1.0, iters, 0.0, rng)
    amp = np.einsum("phf,fc->cph", G, W)
    pitch = np.argmax(amp[:, :, :8].sum(2), axis=1)
    prof = amp[np.arange(W.shape[1]), pitch]
    harmonicity = prof.sum(1) / (W.sum(0) + 1e-12)
    energy = H.sum(1) * W.sum(0)
    keep = (harmonicity > np.median(harmonicity) * 0.5) & (energy > 0.2 * np.median(energy)) & (pitch > 0)
    x = np.log(prof[:, :12] / (prof[:, :12].sum(1, keepdims=True) + 1e-12) + 1e-4)
    if pitch_weight:
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
        shares = np.array([energy[keep & (label == k)].sum() for k in range(count)]) / energy[keep].sum()
        if shares.min() < 0.1 / count:
            cost = cost * 10 + 1e30 * (best is not None)
        if best is None or cost < best[0]:
            best = (cost, label.copy())
    label = best[1]
    a = np.full((count, Hh), 1e-3)
    Hk = np.zeros((count, P, V.shape[1]))
    pw = np.zeros((count, P, Hh)); pn = np.zeros((count, P))
    for k in range(count):
        m = keep & (label == k)
        if m.any():
            p = np.average(prof[m] / (prof[m].sum(1, keepdims=True) + 1e-12), axis=0, weights=energy[m])
            a[k] += p
        for c in np.flatnonzero(m):
            Hk[k, pitch[c]] += H[c] * prof[c].sum() / (W[:, c].sum() + 1e-12)
            n = prof[c] / (prof[c].sum() + 1e-12)
            pw[k, pitch[c]] += energy[c] * n
            pn[k, pitch[c]] += energy[c]
    pn = pn  # k x p
    Hk += 0.05 * Hk.mean() + 1e-9
    return a, Hk, {"pw": pw, "pn": pn}


def score(stems, mixture, fit, v, count):
    n_fft, hop = v["n_fft"], v["hop"]
    Xs = librosa.stft(mixture, n_fft=n_fft, hop_length=hop)
    W, Xk, N, Wn = fit["W"], fit["X"], fit["N"], fit["Wn"]
    harmonic = [W[k] @ Xk[k] for k in range(count)]
    curves = np.array([Xk[k].sum(0) for k in range(count)])
    models = [h.copy() for h in harmonic]
    for j in range(N.shape[0]):
        r = np.nan_to_num([np.corrcoef(N[j], curves[k])[0, 1] for k in range(count)], nan=-1.0)
        models[int(np.argmax(r))] += np.outer(Wn[:, j], N[j])
    est = sw.wiener(Xs, models, v["p"], len(mixture), hop)
    mix = ev.sdr(stems, [mixture] * count, False)
    return float(np.mean(ev.sdr(stems, est, True) - mix))


def main():
    variants = []
    for spec in sys.argv[1].split(";"):
        name, v = sw.parse(spec)
        variants.append((name, v))
    out = open(sys.argv[2], "a")
    for d in sys.argv[3:]:
        stems = np.load(os.path.join(d, "stems.npy")).astype(np.float64)
        mixture = stems.sum(0).astype(np.float32)
        stems = [s.astype(np.float32) for s in stems]
        count = len(stems)
        V = np.abs(librosa.stft(mixture, n_fft=1024, hop_length=256)).astype(np.float64) + 1e-10
        line = os.path.basename(d)
        for name, v in variants:
            t = time.time()
            fit = run(V, count, v, np.random.default_rng(v["seed"]), int(v.get("form", 0)), int(v.get("bands", 30)))
            g = score(stems, mixture, fit, v, count)
            line += f" {name} {g:+.2f}"
            out.write(json.dumps({"clip": d, "variant": name, "gain": g, "kl": fit["kl"], "sec": time.time() - t}) + "\n")
            out.flush()
        print(line, flush=True)

if __name__ == "__main__":
    main()
