#!/usr/bin/env python3
"""probe.py OUT.jsonl BIN MODE RETURN -- CLIPDIR...: harmonic model alone, TANDEM_XENV=MODE; records the XENV line and the gain."""
import sys, os, json, shutil, subprocess, resource
import numpy as np, soundfile as sf
sys.path.insert(0, "/work/main/Tools/eval")
import separation_eval as ev
out = open(sys.argv[1], "a"); binary, mode, ret = sys.argv[2], sys.argv[3], sys.argv[4]
i = sys.argv.index("--")
for d in sys.argv[i + 1:]:
    stems = np.load(os.path.join(d, "stems.npy"))
    mixture = stems.sum(0).astype(np.float32); count = len(stems)
    mix = ev.sdr(list(stems), [mixture] * count, False)
    work = f"/tmp/sepformantgate/pr/{os.path.basename(os.path.dirname(d))}-{os.path.basename(d)}"
    os.makedirs(work, exist_ok=True)
    wav = os.path.join(work, "mixture.wav")
    sf.write(wav, np.stack([mixture, mixture], axis=1), ev.RATE, subtype="FLOAT")
    o = os.path.join(work, "out")
    env = dict(os.environ, TANDEM_XENV=mode, TANDEM_XENV_RETURN=ret)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    p = subprocess.run([binary, "separate", wav, "--out", o, "--sources", str(count), "--progress", "none", "--model", "harmonic"],
                       capture_output=True, text=True, env=env)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if p.returncode != 0:
        print(p.stderr, file=sys.stderr); continue
    rec = [json.loads(l[5:]) for l in p.stderr.splitlines() if l.startswith("XENV ")]
    summary = json.load(open(os.path.join(o, "separated", "mixture", "summary.json")))
    est = []
    for s in summary["sources"]:
        if "file" not in s: continue
        a, _ = sf.read(os.path.join(o, "separated", "mixture", s["file"]), dtype="float32", always_2d=True)
        sig = np.zeros(len(mixture), dtype=np.float32); sig[:min(len(mixture), len(a))] = a.mean(axis=1)[:len(mixture)]
        est.append(sig)
    g = float(np.mean(ev.sdr(list(stems), est, True) - mix))
    out.write(json.dumps({"clip": d, "mode": mode, "ret": ret, "gain": g, "cpu": cpu, "xenv": rec}) + "\n"); out.flush()
    shutil.rmtree(work, ignore_errors=True)
    print(os.path.basename(d), f"{g:+.2f}", f"{cpu:.2f}s", len(rec), flush=True)
