#!/usr/bin/env python3
"""Prepares recorded human speech with published transcripts for `lip_assist_eval.py --real-speech DIR`.

Every clip of the lip-assist evaluation used to speak with espeak-ng, flite or Festival voices, which Whisper
base mishears on its own (clean WER 0.07-0.25 on single sentences): its clean-WER target then measures the
TTS, not the pipeline. This script gathers *recorded* speech whose exact text is published beside it, from
Debian and PyPI packages only (no other download; nothing is fetched at evaluation time):

  allison   Debian `asterisk-core-sounds-en-g722` 1.6.1 (G.722, 16 kHz) and `asterisk-core-sounds-en` (its
            transcript `core-sounds-en.txt`): Asterisk's English prompts recorded by Allison Smith, one female
            professional speaker; CC-BY-SA 3.0 (the package's copyright file).
  librivox  PyPI `pocketsphinx` 5.1.1 sdist, `test/data/librivox/`: five utterances of a LibriVox reading of
            Jane Austen's "Sense and Sensibility", chapter 1 (one reader, a low voice; LibriVox recordings are public
            domain), with their transcription in `test/data/librivox/transcription`; the package is BSD-2.
  cards     the same sdist, `test/data/cards/`: five short utterances of card names ("ten of clubs") by
            another speaker, transcribed in `cards.transcription`.

Selection never looks at any recogniser's output: Allison's prompts are chosen by their text and length
alone (see `allison_selection`), so the evaluation does not pick the sentences Whisper happens to get right.

The split is by speaker and recording: `tune` gets the cards speaker and one half of Allison's prompts;
`heldout` gets the LibriVox reader (tuning never hears him) and the other half of Allison's prompts (no
recording, and no prompt text, is in both). Allison's halves are decided by the prompt text's SHA-1, so a
prompt re-recorded under another name (the package has some) stays on one side.

Output (DIR, default /tmp/real-speech): `DIR/<source>/<name>.wav` (16 kHz mono PCM-16) and `DIR/index.json`,
one entry per utterance: id, source, speaker, split, text (exactly as published), duration, licence.

Usage: /work/venv/bin/python Tools/eval/prepare_real_speech.py [--out DIR] [--downloads /tmp/real-speech-src]
Needs: apt-get (download only, no install), dpkg-deb, ffmpeg, pip (the one running this script).
"""
import argparse
import glob
import gzip
import hashlib
import json
import os
import re
import subprocess
import sys
import tarfile

import numpy as np
import soundfile as sf

RATE = 16000
ASTERISK_VERSION = "1.6.1-1"
POCKETSPHINX_VERSION = "5.1.1"
LICENCES = {
    "allison": "CC-BY-SA-3.0 (Allison Smith; Debian asterisk-core-sounds-en " + ASTERISK_VERSION + ")",
    "librivox": "public domain (LibriVox recording), shipped in PyPI pocketsphinx " + POCKETSPHINX_VERSION + " (BSD-2)",
    "cards": "BSD-2 (CMU; PyPI pocketsphinx " + POCKETSPHINX_VERSION + " test data)",
}


def run(cmd, **kw):
    print("+", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True, **kw)


def fetch_asterisk(src):
    """Downloads (not installs) the two Debian packages and unpacks them under src/asterisk."""
    root = os.path.join(src, "asterisk")
    sounds = os.path.join(root, "usr/share/asterisk/sounds/en_US_f_Allison")
    text = os.path.join(root, "usr/share/doc/asterisk-core-sounds-en/core-sounds-en.txt.gz")
    if os.path.isdir(sounds) and os.path.exists(text):
        return sounds, text
    os.makedirs(root, exist_ok=True)
    debs = os.path.join(src, "debs")
    os.makedirs(debs, exist_ok=True)
    run(["apt-get", "download", f"asterisk-core-sounds-en={ASTERISK_VERSION}",
         f"asterisk-core-sounds-en-g722={ASTERISK_VERSION}"], cwd=debs)
    for deb in sorted(glob.glob(os.path.join(debs, "asterisk-core-sounds-en*.deb"))):
        run(["dpkg-deb", "-x", deb, root])
    if not (os.path.isdir(sounds) and os.path.exists(text)):
        sys.exit(f"{root}: the Debian packages did not unpack {sounds} and {text}")
    return sounds, text


def fetch_pocketsphinx(src):
    """Downloads pocketsphinx's sdist (only it from source; its build tools as wheels, for the metadata step)."""
    root = os.path.join(src, f"pocketsphinx-{POCKETSPHINX_VERSION}")
    if os.path.isdir(os.path.join(root, "test/data/librivox")):
        return root
    sdists = os.path.join(src, "sdists")
    run([sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", "pocketsphinx",
         f"pocketsphinx=={POCKETSPHINX_VERSION}", "-d", sdists])
    path = os.path.join(sdists, f"pocketsphinx-{POCKETSPHINX_VERSION}.tar.gz")
    with tarfile.open(path) as tar:
        members = [m for m in tar.getmembers()
                   if m.name.startswith(f"pocketsphinx-{POCKETSPHINX_VERSION}/test/data/") or m.name.endswith("/LICENSE")]
        tar.extractall(src, members=members, filter="data")
    return root


def read_audio(path, fmt=None):
    """16 kHz mono float32 through ffmpeg (G.722 needs its raw demuxer named)."""
    cmd = ["ffmpeg", "-v", "error"] + (["-f", fmt] if fmt else []) + ["-i", path, "-ac", "1", "-ar", str(RATE),
                                                                       "-f", "f32le", "-"]
    out = subprocess.run(cmd, check=True, capture_output=True).stdout
    x = np.frombuffer(out, np.float32)
    if len(x) == 0:
        sys.exit(f"{path}: no audio decoded")
    return x


def allison_selection(text):
    """Whether a prompt is a usable sentence: only by its text, never by how a recogniser hears it.

    Kept: whole sentences of 4-20 words made of letters, apostrophes and ordinary punctuation. Dropped:
    bracketed tone descriptions, fragments joined to other prompts ("...has joined"), digits and symbols
    (their spoken form is not written: "press 1", "#"), hyphenated forms whose word split is ambiguous,
    all-capital acronyms (spoken letter by letter)."""
    if re.search(r"[\[\]0-9#*/&@%:;()\"-]|\.\.\.|…", text):
        return False
    if re.search(r"\b[A-Z]{2,}\b", text):
        return False
    words = re.findall(r"[A-Za-z']+", text)
    if not 4 <= len(words) <= 20:
        return False
    return text.rstrip()[-1:] in ".?!"


def prepare_allison(sounds, text_gz, out):
    entries = []
    with gzip.open(text_gz, "rt", encoding="utf-8", errors="replace") as f:
        lines = f.read().splitlines()
    for line in lines:
        m = re.match(r"^([A-Za-z0-9_\-]+):\s*(.+?)\s*$", line)
        if not m:
            continue
        name, text = m.group(1), re.sub(r"\s+", " ", m.group(2))
        path = os.path.join(sounds, name + ".g722")
        if not os.path.exists(path) or not allison_selection(text):
            continue
        x = read_audio(path, "g722")
        duration = len(x) / RATE
        if not 1.2 <= duration <= 8.0:
            continue
        digest = hashlib.sha1(re.sub(r"[^a-z ]", "", text.lower()).encode()).digest()
        split = "tune" if digest[0] % 2 == 0 else "heldout"
        entries.append(write_entry(out, "allison", name, x, text, "allison-smith", split))
    return entries


def prepare_pocketsphinx(root, out):
    entries = []
    specs = [("librivox", "test/data/librivox/transcription", "librivox-austen-reader", "heldout"),
             ("cards", "test/data/cards/cards.transcription", "cards-speaker", "tune")]
    for source, transcription, speaker, split in specs:
        path = os.path.join(root, transcription)
        with open(path) as f:
            for line in f:
                m = re.match(r"^\s*<s>(.*)</s>\s*\(([^)]+)\)\s*$", line)
                if not m:
                    if line.strip():
                        sys.exit(f"{path}: unexpected line {line.strip()!r}")
                    continue
                text, name = re.sub(r"\s+", " ", m.group(1)).strip(), m.group(2)
                wav = os.path.join(os.path.dirname(path), name + ".wav")
                if not os.path.exists(wav):
                    sys.exit(f"{path}: names {name} but {wav} is missing")
                x = read_audio(wav)
                entries.append(write_entry(out, source, name, x, text, speaker, split))
    return entries


def write_entry(out, source, name, x, text, speaker, split):
    folder = os.path.join(out, source)
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, name + ".wav")
    sf.write(path, x, RATE, subtype="PCM_16")
    return {"id": f"{source}/{name}", "source": source, "speaker": speaker, "split": split, "text": text,
            "duration": round(len(x) / RATE, 3), "file": os.path.relpath(path, out), "licence": LICENCES[source]}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="/tmp/real-speech")
    ap.add_argument("--downloads", default="/tmp/real-speech-src", help="where the packages are downloaded and unpacked")
    args = ap.parse_args()
    os.makedirs(args.downloads, exist_ok=True)
    sounds, text_gz = fetch_asterisk(args.downloads)
    ps_root = fetch_pocketsphinx(args.downloads)
    entries = prepare_allison(sounds, text_gz, args.out) + prepare_pocketsphinx(ps_root, args.out)
    texts = {}
    for e in entries:              # no prompt text on both sides of the split
        texts.setdefault(e["text"].lower(), set()).add(e["split"])
    shared = [t for t, s in texts.items() if len(s) > 1]
    if shared:
        sys.exit(f"split error: texts on both sides: {shared[:3]}")
    with open(os.path.join(args.out, "index.json"), "w") as f:
        json.dump({"version": 1, "utterances": entries}, f, indent=1)
    for split in ("tune", "heldout"):
        sel = [e for e in entries if e["split"] == split]
        by = {}
        for e in sel:
            by.setdefault(e["speaker"], []).append(e["duration"])
        print(split, {k: (len(v), round(sum(v), 1)) for k, v in by.items()})
    print(f"{len(entries)} utterances in {args.out}/index.json")


if __name__ == "__main__":
    main()
