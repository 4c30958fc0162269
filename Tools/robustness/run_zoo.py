#!/usr/bin/env python3
"""Runs a pipeline (or a job subcommand) over a zoo of odd media, once as one batch and once a file at a
time, and prints one row per input: exit code, manifest status, error class, warnings, the outputs and
whether each exists and is non-empty, the first stderr line. Rows that break a promise are flagged:

  CRASH    the process died of a signal        HANG      past --timeout seconds
  UNNAMED  a failure message without the file's name
  MISSING  an output the manifest lists that is absent (an empty one is shown by min_size=0: a
           transcript of no speech is empty by design)
  ORPHAN   a file under --out no ok record lists (a partial output), or a leftover .tandem-tmp- file
  NORECORD an input of the batch without a manifest record
  DIFFERS  the batch and the single-file run disagree on the status

    python3 Tools/robustness/run_zoo.py --tandem /tmp/tandem --zoo /tmp/robust/zoo --work /tmp/robust/runs \
        --name frames -- run Pipelines/frames.yaml
    python3 Tools/robustness/run_zoo.py ... --name separate -- separate

The words after `--` are the command before the inputs; `--out DIR --jobs 1 --progress none` are added.
Needs only Python's standard library.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys


def run(command, timeout):
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, errors="replace")
        return done.returncode, done.stderr
    except subprocess.TimeoutExpired as expired:
        return "HANG", (expired.stderr or b"").decode(errors="replace") if isinstance(expired.stderr, bytes) else (expired.stderr or "")


def records(out):
    found = {}
    if not os.path.isdir(out):
        return found
    for name in sorted(os.listdir(out)):
        if name.startswith("manifest") and name.endswith(".jsonl"):
            for line in open(os.path.join(out, name), errors="replace"):
                if line.strip():
                    record = json.loads(line)
                    found[record["path"]] = record
    return found


def files_under(out):
    every = []
    for folder, _, names in os.walk(out):
        for name in names:
            every.append(os.path.relpath(os.path.join(folder, name), out))
    return every


def check(out, inputs, rc, stderr, per_file):
    """Returns {input: row} for one run folder."""
    recorded = records(out)
    listed = set()
    rows = {}
    for path in inputs:
        record = recorded.get(path)
        flags = []
        if rc == "HANG":
            flags.append("HANG")
        elif isinstance(rc, int) and rc < 0:
            flags.append(f"CRASH(signal {-rc})")
        if record is None:
            if per_file and rc not in (2,):
                flags.append("NORECORD")
            elif not per_file:
                flags.append("NORECORD")
            rows[path] = dict(status="-", error="", message="", warnings=[], outputs=[], flags=flags)
            continue
        status = record.get("status")
        error = record.get("error") or {}
        message = error.get("message", "")
        if status == "failed" and os.path.basename(path) not in message:
            flags.append("UNNAMED")
        outputs = record.get("outputs") or []
        states = []
        for output in outputs:
            full = os.path.join(out, output)
            listed.add(os.path.normpath(output))
            size = os.path.getsize(full) if os.path.isfile(full) else (-1 if not os.path.exists(full) else 0)
            if size < 0:
                flags.append(f"MISSING({output})")
            states.append((output, size))
        rows[path] = dict(status=status, error=error.get("class", ""), message=message,
                          warnings=record.get("warnings") or [], outputs=states, flags=flags)
    orphans = [name for name in files_under(out)
               if ".tandem-tmp-" in name or (not name.startswith("manifest") and name not in ("inputs.json", "run.json")
                                             and os.path.normpath(name) not in listed and not name.startswith("report/"))]
    return rows, orphans


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tandem", required=True)
    parser.add_argument("--zoo", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--name", required=True)
    parser.add_argument("--timeout", type=float, default=60)
    parser.add_argument("--no-single", action="store_true", help="only the batch run")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = [word for word in args.command if word != "--"]
    zoo = os.path.abspath(args.zoo)
    inputs = sorted(os.path.join(zoo, name) for name in os.listdir(zoo))
    base = os.path.join(args.work, args.name)
    shutil.rmtree(base, ignore_errors=True)
    os.makedirs(base)
    tail = ["--jobs", "1", "--progress", "none"]

    out = os.path.join(base, "batch")
    rc, stderr = run([args.tandem] + command + [zoo, "--out", out] + tail, args.timeout * len(inputs))
    batch_rows, batch_orphans = check(out, [p for p in inputs if p in records(out) or True], rc, stderr, False)
    print(f"## {args.name}: batch exit {rc}; stderr tail: {stderr.strip().splitlines()[-1:] if stderr.strip() else ''}")
    if batch_orphans:
        print(f"   ORPHAN in batch: {batch_orphans[:8]}")
    single = {}
    if not args.no_single:
        for number, path in enumerate(inputs):
            out = os.path.join(base, f"single-{number:03d}")
            rc1, stderr1 = run([args.tandem] + command + [path, "--out", out] + tail, args.timeout)
            rows, orphans = check(out, [path], rc1, stderr1, True)
            row = rows[path]
            if orphans:
                row["flags"].append(f"ORPHAN({orphans[:3]})")
            first = next((line for line in stderr1.splitlines() if line.strip()), "")
            single[path] = (rc1, row, first)
    for path in inputs:
        row = batch_rows[path]
        flags = list(row["flags"])
        line = f"{os.path.basename(path)[:28]:28s} {row['status']:7s} {row['error'][:32]:32s}"
        if path in single:
            rc1, row1, first = single[path]
            flags += [f"single:{flag}" for flag in row1["flags"]]
            if row1["status"] != row["status"] and row["status"] != "-" and row1["status"] != "-":
                flags.append(f"DIFFERS(single {row1['status']})")
            line += f" | rc1={rc1!s:4s} {row1['status']:7s}"
            if row1["status"] == "-" and first:
                line += f" stderr: {first[:110]}"
        notes = ""
        if row["warnings"]:
            notes += " warn=" + json.dumps(row["warnings"])[:160]
        if row["status"] == "failed":
            notes += " msg=" + row["message"][:200].replace(zoo + "/", "")
        elif row["outputs"]:
            notes += f" outputs={len(row['outputs'])} min_size={min(s for _, s in row['outputs'])}"
        print(line + (" " + " ".join(flags) if flags else "") + notes)


if __name__ == "__main__":
    main()
