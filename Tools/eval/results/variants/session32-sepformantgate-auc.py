#!/usr/bin/env python3
"""auc.py PROBE.jsonl [AB.jsonl...]: per criterion, AUC for 'envelope better' and the gated sum at the best threshold."""
import sys, json, re, glob, collections, os
import numpy as np
# labels: main gain from the ab files (m30a), env gain from the probe run (returning env) or ab envE
ab = collections.defaultdict(dict)
for f in sys.argv[2:]:
    for l in open(f):
        r = json.loads(l); ab[r["clip"]][r["variant"]] = r["gain"]
names = {}
for log in glob.glob("/tmp/lead/dev31-m31a/*/plain.log"):
    s = os.path.basename(os.path.dirname(log))
    for l in open(log):
        m = re.match(r"(\S+)\s+n=(\d) #(\d+) (\S+)", l)
        if m: names[(s, m.group(2), m.group(3))] = m.group(4)
rows = []
for l in open(sys.argv[1]):
    r = json.loads(l)
    if not r["xenv"]: continue
    x = r["xenv"][0]; c = r["clip"]
    m = re.search(r"sepclips26/(\w+)/\S+-n(\d)-m(\d+)", c)
    pair = names.get((m.group(1), m.group(2), m.group(3)), "?")
    main = ab[c].get("main"); env = r["gain"] if r["ret"] == "env" else ab[c].get("envE")
    if main is None or env is None: continue
    sp, se = x["sharesPlain"], x["sharesEnv"]
    crit = {
        "full": x["fullEnv"] - x["fullPlain"],
        "fullrel": (x["fullEnv"] - x["fullPlain"]) / x["fullPlain"],
        "held": x["heldEnv"] - x["heldPlain"],
        "heldrel": (x["heldEnv"] - x["heldPlain"]) / x["heldPlain"],
        "-agree": -x["agreement"],
        "-share": -(min(se) / max(min(sp), 1e-9)),
        "-minshareEnv": -min(se),
        "-spread": -x["envelopeSpread"] / max(x["profileSpreadPlain"], 1e-9),
        "-envspread": -x["envelopeSpread"],
        "profspreadPlain": x["profileSpreadPlain"],
    }
    rows.append(dict(clip=c, pair=pair, n=int(m.group(2)), delta=env - main, main=main, env=env, crit=crit, x=x))
def auc(pos, neg):
    if not pos or not neg: return float("nan")
    return np.mean([(p < q) + 0.5 * (p == q) for p in pos for q in neg])  # lower criterion => envelope better
sel = {"all": rows, "duets": [r for r in rows if r["n"] == 2], "trios": [r for r in rows if r["n"] == 3],
       "HT": [r for r in rows if set(r["pair"].split("+")) == {"french_horn", "trombone"}],
       "OS": [r for r in rows if set(r["pair"].split("+")) == {"oboe", "alto_sax"}]}
print({k: (len(v), round(sum(r["delta"] for r in v), 1)) for k, v in sel.items()})
for name in rows[0]["crit"]:
    out = [name]
    for k, v in sel.items():
        if k in ("HT", "OS"): continue
        pos = [r["crit"][name] for r in v if r["delta"] > 0]; neg = [r["crit"][name] for r in v if r["delta"] <= 0]
        # gated sum at best threshold (oracle threshold: an upper bound) and at 0 for differences
        vals = sorted(set(r["crit"][name] for r in v))
        best = max(((sum(r["delta"] for r in v if r["crit"][name] < t), t) for t in vals + [float("inf")]), key=lambda z: z[0])
        # two-fold: threshold chosen on one half (alternate clips), summed on the other
        cv = 0.0
        for half in (0, 1):
            fit = [r for i, r in enumerate(v) if i % 2 == half]; use = [r for i, r in enumerate(v) if i % 2 != half]
            tv = sorted(set(r["crit"][name] for r in fit)) + [float("inf")]
            t = max(((sum(r["delta"] for r in fit if r["crit"][name] < t), t) for t in tv), key=lambda z: z[0])[1]
            cv += sum(r["delta"] for r in use if r["crit"][name] < t)
        out.append(f"{k}: AUC {auc(pos, neg):.2f} best-thr sum {best[0]:+.1f} (thr {best[1]:.4g}, fires {sum(r['crit'][name] < best[1] for r in v)}/{len(v)}) 2-fold {cv:+.1f}")
    # HT vs OS separability (OS = envelope-friendly)
    ht = [r["crit"][name] for r in sel["HT"]]; os_ = [r["crit"][name] for r in sel["OS"]]
    out.append(f"OS-vs-HT AUC {auc(os_, ht):.2f}")
    print(" | ".join(out))
rng = np.random.default_rng(0)
for k, v in sel.items():
    if k in ("HT", "OS") or not v: continue
    d = np.array([r["delta"] for r in v]); sums = []
    for _ in range(300):
        c = rng.permutation(len(d)); order = d[np.argsort(c)]
        sums.append(max(0, np.cumsum(order).max()))
    print(f"random criterion, {k}: best-threshold sum mean {np.mean(sums):+.1f}, 95% {np.percentile(sums, 95):+.1f}")
oracle = sum(max(0, r["delta"]) for r in rows)
print("oracle sum (env only where better):", round(oracle, 1), "always env:", round(sum(r["delta"] for r in rows), 1))
if len(sys.argv) > 1 and os.environ.get("DUMP"):
    for r in sorted(rows, key=lambda r: r["crit"][os.environ["DUMP"]]):
        print(f'{r["clip"][-22:]:24s} {r["pair"]:28s} d {r["delta"]:+6.2f} {os.environ["DUMP"]} {r["crit"][os.environ["DUMP"]]:+.5f}')
