#!/usr/bin/env python3
"""Check `bss_scores.py` against mir_eval's `bss_eval_sources`: the same SDR, SIR, SAR and permutation, and how much
faster.

1. Random signals: 2-4 sources (white and coloured noise), several lengths, estimates that mix, filter, add noise and
   shuffle the references; with and without the best permutation; and references with a duplicate (a singular Gram
   matrix, where both fall back to least squares).
2. A finished `separation_eval.py` run, re-scored from its per-clip folders without running tandem: the four score
   sets `evaluate_clip` computes per clip (the mixture, the region-attributed estimates, their best permutation, the
   `--sources auto` estimates), by both scorers, timed per clip; and the gains rebuilt from our scores against the
   run's own results.json.

Figures above 100 dB on both sides (a perfect estimate: the residual is rounding) are not compared. Exit status 1
when any difference exceeds --tolerance.

    /work/venv/bin/python Tools/eval/check_bss_scores.py --run /tmp/lead/t-m16 --clips 4
"""
import argparse
import json
import os
import sys
import time
import warnings

warnings.filterwarnings("ignore", category=FutureWarning)

import numpy as np
import scipy.signal
from mir_eval.separation import bss_eval_sources

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bss_scores import ReferenceScorer  # noqa: E402
import separation_eval  # noqa: E402

PERFECT_DB = 100.0


def largest_difference(ours, theirs):
    """Largest |difference| of SDR, SIR and SAR over the entries not both perfect; inf when the permutations differ."""
    if not np.array_equal(ours[3], theirs[3]):
        return np.inf
    worst = 0.0
    for a, b in zip(ours[:3], theirs[:3]):
        compared = ~((a > PERFECT_DB) & (b > PERFECT_DB))
        if np.any(compared):
            worst = max(worst, float(np.max(np.abs(a[compared] - b[compared]))))
    return worst


def random_cases(rng):
    """(name, references, estimates) over counts, lengths and signal kinds."""
    for count in (2, 3, 4):
        for length in (1000, 4097, 22050):
            for kind in ("white", "coloured"):
                references = rng.standard_normal((count, length))
                if kind == "coloured":  # most energy low: a worse-conditioned Gram matrix, as with instruments
                    references = scipy.signal.lfilter([1.0], [1.0, -0.95], references, axis=1)
                mixing = rng.uniform(-0.5, 0.5, (count, count)) + np.eye(count)
                estimates = mixing @ references
                estimates = scipy.signal.lfilter(rng.standard_normal(8), [1.0], estimates, axis=1)  # within 512 taps
                estimates += rng.uniform(0.05, 1.0) * np.std(estimates) * rng.standard_normal(estimates.shape)
                yield f"{count} sources, {length} samples, {kind}", references, estimates[rng.permutation(count)]
    x, y = rng.standard_normal((2, 3000))
    yield "duplicate reference (singular)", np.array([x, x, y]), np.array([x + 0.5 * y, 0.7 * x + y, y]) + 0.1 * rng.standard_normal((3, 3000))


def check_random(rng):
    worst = 0.0
    for name, references, estimates in random_cases(rng):
        scorer = ReferenceScorer(references)
        if "singular" in name and scorer.all_sources.factor is not None:
            raise SystemExit(f"{name}: the Gram matrix was factorised, the least-squares fallback is not checked")
        for permute in (False, True):
            difference = largest_difference(scorer.scores(estimates, permute), bss_eval_sources(references, estimates, compute_permutation=permute))
            worst = max(worst, difference)
            print(f"  {name:40s} permute {'y' if permute else 'n'}: largest difference {difference:.2e} dB")
    return worst


def score_sets(folder, count):
    """The clip's stems and the four estimate sets `evaluate_clip` scores, from the run's outputs on disk."""
    stems = list(np.load(os.path.join(folder, "stems.npy")))
    mixture = np.sum(stems, axis=0).astype(np.float32)

    def estimates(out):
        summary = json.load(open(os.path.join(folder, out, "separated", "mixture", "summary.json")))
        for source in summary["sources"]:
            if "file" in source:
                source["file"] = os.path.join("separated", "mixture", source["file"])
        return separation_eval.player_estimates(separation_eval.attribute(summary, os.path.join(folder, out), count, len(mixture)), count, mixture)[0]

    sets = [("mixture", [mixture] * count, False), ("attributed", estimates("separated"), False)]
    sets.append(("best permutation", sets[1][1], True))
    if os.path.exists(os.path.join(folder, "auto", "separated", "mixture", "summary.json")):
        sets.append(("auto", estimates("auto"), False))
    return np.asarray(stems), sets


def check_run(run, clips):
    rows = {(r["set"], r["count"], r["clip"]): r for r in json.load(open(os.path.join(run, "results.json")))}
    worst, worst_recorded, times = 0.0, 0.0, {}
    for (set_name, count, clip), row in sorted(rows.items()):
        if clip - min(c for s, n, c in rows if s == set_name and n == count) >= clips:
            continue
        stems, sets = score_sets(os.path.join(run, f"{set_name}-n{count}-m{clip}"), count)
        started = time.perf_counter()
        theirs = [bss_eval_sources(stems, np.asarray(e), compute_permutation=p) for _, e, p in sets]
        theirs_seconds = time.perf_counter() - started
        started = time.perf_counter()
        scorer = ReferenceScorer(stems)
        ours = [scorer.scores(np.asarray(e), p) for _, e, p in sets]
        ours_seconds = time.perf_counter() - started
        times.setdefault(count, []).append((theirs_seconds, ours_seconds))
        difference = max(largest_difference(a, b) for a, b in zip(ours, theirs))
        # The run's own figures, rebuilt from our SDRs as evaluate_clip builds them.
        mix = ours[0][0]
        rebuilt = {"mixture_sdr": np.mean(mix), "gain": np.mean(ours[1][0] - mix), "best_perm_gain": np.mean(ours[2][0] - mix)}
        rebuilt.update({f"per_player_gain {i}": v for i, v in enumerate(ours[1][0] - mix)})
        recorded = {"mixture_sdr": row["mixture_sdr"], "gain": row["gain"], "best_perm_gain": row["best_perm_gain"]}
        recorded.update({f"per_player_gain {i}": v for i, v in enumerate(row["per_player_gain"])})
        if len(ours) == 4 and row.get("auto_gain") is not None:
            rebuilt["auto_gain"], recorded["auto_gain"] = np.mean(ours[3][0] - mix), row["auto_gain"]
        off_record = max(abs(rebuilt[k] - recorded[k]) for k in recorded)
        worst, worst_recorded = max(worst, difference), max(worst_recorded, off_record)
        print(f"  {set_name} n={count} #{clip}: largest difference {difference:.2e} dB, from results.json {off_record:.2e} dB; "
              f"mir_eval {theirs_seconds:.1f} s, bss_scores {ours_seconds:.1f} s", flush=True)
    for count, pairs in sorted(times.items()):
        theirs, ours = np.median([p[0] for p in pairs]), np.median([p[1] for p in pairs])
        print(f"  {count} players ({len(pairs)} clips): median per clip mir_eval {theirs:.1f} s, bss_scores {ours:.1f} s ({theirs / ours:.1f}x)")
    return worst, worst_recorded


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--run", default="/tmp/lead/t-m16", help="a separation_eval.py work folder with results.json")
    parser.add_argument("--clips", type=int, default=4, help="clips per player count to re-score from the run")
    parser.add_argument("--tolerance", type=float, default=1e-3, help="dB")
    parser.add_argument("--seed", type=int, default=17)
    args = parser.parse_args()
    print("random signals:")
    worst_random = check_random(np.random.default_rng(args.seed))
    print(f"run {args.run}:")
    worst_run, worst_recorded = check_run(args.run, args.clips)
    print(f"largest difference: random {worst_random:.2e} dB, run {worst_run:.2e} dB, run's results.json {worst_recorded:.2e} dB")
    if max(worst_random, worst_run, worst_recorded) > args.tolerance:
        raise SystemExit(f"differences above {args.tolerance} dB")


if __name__ == "__main__":
    main()
