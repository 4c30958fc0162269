#!/usr/bin/env python3
"""Checks an output folder written by a Slurm array of `tandem run` shards (Tests/Cluster/slurm-array.sh).

check-batch.py TANDEM OUT IN SHARDS GOOD BROKEN --fresh
    every input recorded exactly once, in the manifest of its own shard; good inputs ok with their
    output on disk, broken inputs failed; no stray outputs; `tandem status` totals right (exit 1).
check-batch.py TANDEM OUT IN SHARDS GOOD BROKEN --pending-shard K
    shard K's manifest is gone: `tandem status` counts exactly its inputs pending.
check-batch.py TANDEM OUT IN SHARDS GOOD BROKEN --redone-shard K BEFORE.json
    as --fresh, shard K's inputs processed again (not skipped), every other file as in BEFORE.json.
check-batch.py --busiest-shard OUT SHARDS        the shard with the most ok inputs
check-batch.py --snapshot OUT SHARDS K           mtime and hash of every file not of shard K (JSON)

The shard of an input is recomputed here (FNV-1a 64 of its relative path, modulo the shard count)
so the test does not take tandem's word for the partition.
"""
import hashlib
import json
import os
import subprocess
import sys

BROKEN_NAMES = {"not-a-video.mp4", "empty.wav", "noise.flac"}


def fnv1a64(text):
    value = 0xCBF29CE484222325
    for byte in text.encode():
        value ^= byte
        value = (value * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return value


def shard_of(relpath, shards):
    return fnv1a64(relpath) % shards


def output_of(relpath):
    return f"audio/{os.path.splitext(relpath)[0]}.flac"  # Pipelines/audio.yaml: {relpath} has no extension


def manifests(out):
    found = {}
    for name in sorted(os.listdir(out)):
        if name.startswith("manifest") and name.endswith(".jsonl"):
            with open(os.path.join(out, name)) as handle:
                found[name] = [json.loads(line) for line in handle if line.strip()]
    return found


def status(tandem, out):
    result = subprocess.run([tandem, "status", out, "--json"], capture_output=True, text=True)
    text = subprocess.run([tandem, "status", out], capture_output=True, text=True)
    assert text.returncode == result.returncode, (text.returncode, result.returncode)
    assert "shard 0/" in text.stdout, text.stdout
    return result.returncode, json.loads(result.stdout)


def check_fresh(tandem, out, inputs_root, shards, good, broken):
    listed = json.load(open(os.path.join(out, "inputs.json")))
    assert listed["shards"] == shards, listed["shards"]
    assert len(listed["inputs"]) == good + broken, len(listed["inputs"])
    relpaths = {entry["path"]: entry["relpath"] for entry in listed["inputs"]}
    for path, relpath in relpaths.items():
        assert path == os.path.join(inputs_root, relpath), (path, relpath)

    found = manifests(out)
    wanted = {f"manifest.shard-{index}-of-{shards}.jsonl" for index in range(shards)}
    assert set(found) == wanted, f"manifests {sorted(found)}, wanted {sorted(wanted)}"
    seen = {}
    for name, records in found.items():
        index = int(name.split("-")[1])
        for record in records:
            assert shard_of(record["relpath"], shards) == index, f"{record['relpath']} in {name}"
            assert record["path"] not in seen, f"{record['relpath']} recorded twice ({seen.get(record['path'])}, {name})"
            seen[record["path"]] = name
            base = os.path.basename(record["relpath"])
            if base in BROKEN_NAMES:
                assert record["status"] == "failed", record
                assert record["error"]["class"], record
                assert record["outputs"] == [], record
            else:
                assert record["status"] == "ok", record
                assert record["outputs"] == [output_of(record["relpath"])], record
                assert os.path.getsize(os.path.join(out, record["outputs"][0])) > 0, record
    assert set(seen) == set(relpaths), f"unrecorded: {sorted(set(relpaths) - set(seen))}"

    written = set()
    for directory, _, names in os.walk(os.path.join(out, "audio")):
        for name in names:
            written.add(os.path.relpath(os.path.join(directory, name), out))
    expected = {output_of(relpath) for relpath in relpaths.values() if os.path.basename(relpath) not in BROKEN_NAMES}
    assert written == expected, f"stray {sorted(written - expected)}, missing {sorted(expected - written)}"

    code, report = status(tandem, out)
    assert code == 1, f"status exit {code} with failed inputs"
    assert (report["total"], report["ok"], report["failed"], report["pending"], report["skipped"]) == \
        (good + broken, good, broken, 0, 0), report
    assert sum(group["count"] for group in report["errors"]) == broken, report["errors"]
    assert len(report["per_shard"]) == shards, report["per_shard"]
    for index, line in enumerate(report["per_shard"]):
        mine = [r for r in relpaths.values() if shard_of(r, shards) == index]
        assert line["shard"] == f"{index}/{shards}" and line["inputs"] == len(mine), line
        assert line["ok"] + line["failed"] == len(mine) and line["manifest_exists"], line
    return found


def snapshot(out, shards, shard):
    listed = json.load(open(os.path.join(out, "inputs.json")))
    theirs = {output_of(e["relpath"]) for e in listed["inputs"] if shard_of(e["relpath"], shards) == shard}
    files = {}
    for directory, subdirectories, names in os.walk(out):
        subdirectories[:] = [d for d in subdirectories if d != "slurm-logs"]
        for name in names:
            path = os.path.join(directory, name)
            relative = os.path.relpath(path, out)
            if relative in ("inputs.json", "tandem-slurm.sbatch", f"manifest.shard-{shard}-of-{shards}.jsonl",
                            f"run.shard-{shard}-of-{shards}.json"):
                continue
            if relative in theirs:
                continue
            with open(path, "rb") as handle:
                files[relative] = [os.stat(path).st_mtime_ns, hashlib.sha1(handle.read()).hexdigest()]
    return files


def main(argv):
    if argv[0] == "--busiest-shard":
        out, shards = argv[1], int(argv[2])
        counts = [sum(r["status"] == "ok" for r in manifests(out).get(f"manifest.shard-{i}-of-{shards}.jsonl", []))
                  for i in range(shards)]
        print(max(range(shards), key=lambda i: counts[i]))
        return
    if argv[0] == "--snapshot":
        print(json.dumps(snapshot(argv[1], int(argv[2]), int(argv[3])), sort_keys=True))
        return
    tandem, out, inputs_root, shards, good, broken, mode = argv[:7]
    shards, good, broken = int(shards), int(good), int(broken)
    if mode == "--fresh":
        check_fresh(tandem, out, inputs_root, shards, good, broken)
    elif mode == "--pending-shard":
        shard = int(argv[7])
        listed = json.load(open(os.path.join(out, "inputs.json")))
        mine = [e for e in listed["inputs"] if shard_of(e["relpath"], shards) == shard]
        code, report = status(tandem, out)
        assert code == 1, code
        assert report["pending"] == len(mine) > 0, (report["pending"], len(mine))
        assert report["ok"] + report["failed"] == good + broken - len(mine), report
        line = report["per_shard"][shard]
        assert line["pending"] == line["inputs"] == len(mine) and not line["manifest_exists"], line
    elif mode == "--redone-shard":
        shard = int(argv[7])
        found = check_fresh(tandem, out, inputs_root, shards, good, broken)
        redone = found[f"manifest.shard-{shard}-of-{shards}.jsonl"]
        assert redone and all(r["status"] in ("ok", "failed") for r in redone), redone
        before = json.load(open(argv[8]))
        after = snapshot(out, shards, shard)
        changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
        assert not changed, f"files of other shards changed: {changed}"
    else:
        raise SystemExit(f"unknown mode {mode}")


if __name__ == "__main__":
    try:
        main(sys.argv[1:])
    except AssertionError as error:
        raise SystemExit(f"check-batch: {error}")
