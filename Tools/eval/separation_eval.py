#!/usr/bin/env python3
"""Score Tandem's default separator (`tandem separate`, motion-informed NMF) on synthetic scenes that
look like footage of players, not like a cue drawn from the answer.

Each clip: N players (2, 3 or 4, or 1 with --counts 1; General MIDI programs rendered by FluidSynth from
/usr/share/sounds/sf2/FluidR3_GM.sf2) play generated melodies with independent rhythms, each in its
own panel of a colour video. What the picture shows is realistically imperfect:
  - textured backgrounds (stripes, noise, checks, blobs), not a plain grey;
  - players whose motion is continuous and not aligned to notes: the body sways on a slow cycle,
    bowed strings bow back and forth all the time (the bow turns at a note change, late by a jittered
    lag, and sometimes in the middle of a note), winds and mallets move their hands near onsets with
    lag and jitter, and some onsets show no motion at all (missed);
  - a follow-spot around each player, worked by hand: it follows when the player has notes (from the score,
    not the stem's loudness), late (0.25-0.6 s) and slow (smoothed over 0.4-1.0 s), spills the whole band's
    loudness, is left where it was for a second or three now and then, and is off in a third of the clips
    (until session 19 the glow followed each player's own stem loudness 3 frames late: a cue drawn from the
    answer, which a placement could lean on);
  - global changes: camera shake, a slow pan or a zoom, lighting that flickers, fades in, or follows
    the loudness of the whole band (a stage light), a one-frame flash;
  - motion that makes no sound: a conductor beating time, a dancer, a waving audience member or a
    scrolling background screen, in a panel of its own;
  - a player who pauses for several bars (their body still sways);
  - timbres of one GM family together (violin + viola, trumpet + trombone, ...).
The stems (equal RMS, or levels spread over --level-spread dB) are summed into a dual-mono mixture, muxed with the video, separated by
`tandem separate --sources N` and `--sources auto`, and scored by BSS Eval v3 (bss_scores.py: mir_eval's bss_eval_sources):
  - region-attributed SDR (the headline): each player's stem against the sum of the output(s) whose
    region centre lies on that player's panel; a player with no output is scored on the mixture
    (gain 0) and counted as left without sound; the gain is over the mixture's own SDR;
  - best-permutation SDR of the same estimates (for reference: separation regardless of place);
  - count: how many sources `--sources auto` writes that are not flagged silent, against N;
  - silent-mover share: the energy the outputs on the silent mover's panel took, relative to the mixture.
With --counts 1 each clip has a single player (the issue's "one player" input): the mixture is that player's stem,
so a gain over it is not defined (scored against itself the mixture reaches ~240 dB; an output that is the mixture, as
written and read back, ~139 dB). Those clips are read by the
count (`auto` must write one source), the player without sound, and the output's own SDR against the player (what the
separator kept: `attributed_sdr`, and `auto_sdr` for the `auto` run), which the lines and tables print in place of
the gains.

With --oracle-regions each player's panel box is given to `tandem separate --region` (used as given, one source per
player) instead of the regions the finder found: its gap to the found-regions run splits a clip's shortfall into the
finder's part (wrong or partial regions) and the models' part (poor sources on the right regions).

With --footage each clip is scored on a variant that looks like camera footage, derived from its mixture.mkv
(so it applies to clips already made, without regenerating them) and kept beside it as footage.mkv (reused;
footage.json holds the strengths drawn). Deterministic, seeded per clip; strengths are drawn per clip:
  - the optics and the sensor: a slight blur (Gaussian sigma 0.3-0.9 px), in half the clips a down- and
    up-scale (0.55-0.85 of the size, bicubic);
  - sensor noise, new in every frame: luma grain (sigma 1.5-5 levels at mid-grey, 1.4x that in the darks,
    0.6x in the highlights, grain 0.4-0.9 px) and coarser chroma noise (sigma 1-4 levels);
  - what phones and uploads do: H.264 (60 %, CRF 24-32), HEVC (25 %, CRF 26-32) or VP9 (15 %, CRF 32-42) in
    yuv420p with a real GOP (1-2 s) and B-frames; half the clips re-encoded a second time as an upload is
    (H.264 CRF 23-28, GOP 2-5 s).
The audio stream is copied as it is (the score is about the picture's effect on separation). Not modelled:
rolling shutter, motion blur, auto exposure and white balance hunting, in-camera denoising and sharpening,
lens distortion, dropped or duplicated frames, frame-rate conversion, letterboxing, compressed audio.

Two sets are made from disjoint seeds, instrument pools, background textures and silent movers: a
tuning set (used while developing) and a held-out set (never tuned on). A third, tuning-wide, is tuning
material with a third instrument pool (brass, saxophones, pipes, plucked strings) and the tuning set's
textures and movers. The table is written in
Markdown with --table.

    /work/venv/bin/python Tools/eval/separation_eval.py --tandem .build/release/tandem --table Tools/eval/results/separation.md
"""
import argparse
import json
import os
import resource
import struct
import subprocess
import sys
import time
import warnings

warnings.filterwarnings("ignore", category=FutureWarning)

import numpy as np
from scipy.ndimage import gaussian_filter
import soundfile as sf

from bss_scores import CachedScorer

RATE = 22050
FPS = 25
PANEL_W, PANEL_H = 160, 180
MARGIN = 24  # canvas border the camera can move into
GRID_SEED = 2612  # a grid picture's background (session 31), apart from the clip's own draws so that nothing else changed
BORDER = 2  # a grid's lines between cells, pixels
SOUNDFONT = "/usr/share/sounds/sf2/FluidR3_GM.sf2"

# (name, GM program, lowest MIDI note, highest MIDI note, motion style, family)
TUNING_POOL = [
    ("cello", 42, 36, 57, "bow", "strings"), ("violin", 40, 60, 84, "bow", "strings"),
    ("flute", 73, 72, 91, "wind", "pipe"), ("clarinet", 71, 52, 74, "wind", "reed"),
    ("trumpet", 56, 58, 76, "wind", "brass"), ("acoustic_guitar", 24, 45, 67, "strike", "guitar"),
    ("marimba", 12, 60, 79, "strike", "mallet"), ("bassoon", 70, 34, 55, "wind", "reed"),
    ("piano", 0, 48, 76, "strike", "piano"),
]
HELD_OUT_POOL = [
    ("viola", 41, 48, 72, "bow", "strings"), ("contrabass", 43, 28, 48, "bow", "strings"),
    ("oboe", 68, 60, 84, "wind", "reed"), ("alto_sax", 65, 49, 73, "wind", "reed"),
    ("trombone", 57, 40, 65, "wind", "brass"), ("french_horn", 60, 41, 65, "wind", "brass"),
    ("vibraphone", 11, 53, 77, "strike", "mallet"), ("harp", 46, 36, 79, "strike", "harp"),
    ("electric_piano", 4, 45, 72, "strike", "piano"),
]
# A second tuning pool, disjoint from both (session 16): the first tuning pool has one brass instrument and no low
# brass, so the held-out pool's sustained brass and saxophones met timbres nothing had been tuned on.
TUNING_WIDE_POOL = [
    ("tuba", 58, 28, 53, "wind", "brass"), ("muted_trumpet", 59, 55, 77, "wind", "brass"),
    ("english_horn", 69, 52, 77, "wind", "reed"), ("tenor_sax", 66, 44, 68, "wind", "reed"),
    ("piccolo", 72, 74, 96, "wind", "pipe"), ("recorder", 74, 60, 84, "wind", "pipe"),
    ("pizzicato_strings", 45, 40, 72, "strike", "strings"), ("xylophone", 13, 65, 96, "strike", "mallet"),
    ("electric_guitar", 27, 40, 76, "strike", "guitar"), ("accordion", 21, 53, 81, "wind", "organ"),
]
SETS = {
    "tuning": {"seed": 2026, "pool": TUNING_POOL, "textures": ["stripes", "noise"], "movers": ["conductor", "screen"]},
    "tuning-wide": {"seed": 4711, "pool": TUNING_WIDE_POOL, "textures": ["stripes", "noise"], "movers": ["conductor", "screen"]},
    "held-out": {"seed": 90210, "pool": HELD_OUT_POOL, "textures": ["checks", "blobs"], "movers": ["dancer", "audience"]},
}


def midi_file(program, notes):
    """A format-0 Standard MIDI File: program change, then (onset s, duration s, pitch) notes at 120 bpm."""
    ticks_per_second = 960
    events = []
    for onset, duration, pitch in notes:
        events.append((int(onset * ticks_per_second), 0x90, pitch, 100))
        events.append((int((onset + duration) * ticks_per_second), 0x80, pitch, 0))
    events.sort(key=lambda e: (e[0], e[1] == 0x90))
    track = bytearray([0x00, 0xC0, program])
    now = 0

    def varlen(value):
        out = [value & 0x7F]
        value >>= 7
        while value:
            out.insert(0, (value & 0x7F) | 0x80)
            value >>= 7
        return bytes(out)

    for tick, status, pitch, velocity in events:
        track += varlen(tick - now) + bytes([status, pitch, velocity])
        now = tick
    track += b"\x00\xFF\x2F\x00"
    return b"MThd" + struct.pack(">IHHH", 6, 0, 1, 480) + b"MTrk" + struct.pack(">I", len(track)) + bytes(track)


def melody(rng, low, high, seconds, pause=None):
    """Notes with random durations and gaps; none start inside `pause` (start, end)."""
    notes, t, pitch = [], 0.2 + rng.uniform(0, 0.4), int(rng.integers(low, high + 1))
    while t < seconds - 0.6:
        duration = rng.uniform(0.25, 0.7)
        if pause and pause[0] - 0.3 <= t + duration and t < pause[1]:
            t = pause[1] + rng.uniform(0, 0.2)
            continue
        notes.append((t, duration, pitch))
        pitch = int(np.clip(pitch + rng.integers(-5, 6), low, high))
        t += duration + rng.uniform(0.1, 0.6)
    return notes


def render(program, notes, seconds, path):
    mid = path + ".mid"
    with open(mid, "wb") as f:
        f.write(midi_file(program, notes))
    subprocess.run(["fluidsynth", "-ni", "-q", "-R", "0", "-C", "0", "-g", "0.8", "-r", str(RATE), "-F", path, SOUNDFONT, mid],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    audio, rate = sf.read(path, dtype="float32", always_2d=True)
    assert rate == RATE, rate
    mono = audio.mean(axis=1)
    out = np.zeros(int(seconds * RATE), dtype=np.float32)
    out[: min(len(out), len(mono))] = mono[: len(out)]
    return out


def envelope(signal, frames):
    """RMS per video frame, 0..1 (relative to the loudest frame)."""
    hop = RATE // FPS
    e = np.array([np.sqrt(np.mean(signal[i * hop:(i + 1) * hop] ** 2) + 1e-12) for i in range(frames)])
    return e / (e.max() + 1e-12)


def texture(kind, rng, h, w):
    y, x = np.mgrid[0:h, 0:w]
    if kind == "stripes":
        a = rng.uniform(0, np.pi)
        base = 0.5 + 0.35 * np.sin((x * np.cos(a) + y * np.sin(a)) / rng.uniform(3, 9))
    elif kind == "noise":
        base = rng.uniform(0, 1, (h // 4 + 1, w // 4 + 1)).repeat(4, 0).repeat(4, 1)[:h, :w]
    elif kind == "checks":
        s = int(rng.integers(6, 14))
        base = 0.3 + 0.4 * (((x // s) + (y // s)) % 2)
    else:  # blobs
        base = np.zeros((h, w))
        for _ in range(40):
            cx, cy, r = rng.uniform(0, w), rng.uniform(0, h), rng.uniform(5, 25)
            base += rng.uniform(0.2, 0.6) * np.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * r * r))
        base = base / (base.max() + 1e-9)
    tint = rng.uniform(0.5, 1.0, 3)
    return np.clip(base[..., None] * tint * 200 + 20, 0, 255)


def rect(canvas, x, y, w, h, colour):
    x0, y0 = int(round(x)), int(round(y))
    canvas[max(0, y0):max(0, y0 + h), max(0, x0):max(0, x0 + w)] = colour


def jittered_onsets(rng, notes, miss=0.15, lag=0.06, jitter=0.05):
    """What the hands show: each onset late by lag ± jitter, some missed."""
    return [on + lag + rng.normal(0, jitter) for on, _, _ in notes if rng.uniform() > miss]


def draw_player(canvas, rng_state, left, top, style, t, cues, notes, glow, colour):
    """One player at time t in the panel whose top left corner is (left, top) (canvas coordinates)."""
    sway = rng_state["sway_amp"] * np.sin(2 * np.pi * t / rng_state["sway_period"] + rng_state["phase"])
    bx = left + 55 + sway
    by = top + 60
    # Glow: a halo behind the player, brighter with its follow-spot (see follow_spot).
    if glow > 0.02:
        y0, y1 = int(by - 20), int(by + 110)
        x0, x1 = int(bx - 20), int(bx + 70)
        canvas[y0:y1, x0:x1] = np.clip(canvas[y0:y1, x0:x1] + glow * 60, 0, 255)
    rect(canvas, bx, by, 50, 90, colour)  # body
    rect(canvas, bx + 15, by - 22, 20, 20, colour * 0.8 + 40)  # head
    past = [c for c in cues if c <= t]
    since = t - past[-1] if past else 10.0
    playing = any(on - 0.2 <= t <= on + d + 0.3 for on, d, _ in notes)
    if style == "bow":
        # The bow moves all the time while playing; it turns at each cue (and at random mid-note turns).
        turns = len(past) + sum(1 for m in rng_state["extra_turns"] if m <= t)
        direction = 1 if turns % 2 == 0 else -1
        if playing:
            rng_state["bow"] = float(np.clip(rng_state["bow"] + direction * 3.0, -30, 30))
        rect(canvas, bx - 10 + rng_state["bow"], by + 40, 70, 5, (230, 210, 160))
    elif style == "wind":
        lift = 10 * np.exp(-since / 0.12) if since < 0.5 else 0
        rect(canvas, bx + 5, by + 30 - lift, 40, 8, (240, 220, 200))  # hands / fingers
        if playing:
            rect(canvas, bx + 22, by + 10, 6, 50, (200, 190, 60))  # instrument raised while playing
    else:  # strike
        lift = 22 * np.exp(-since / 0.15) if since < 0.6 else 0
        rect(canvas, bx - 5, by + 50 - lift, 18, 10, (240, 220, 200))
        rect(canvas, bx + 37, by + 50 - 0.7 * lift, 18, 10, (240, 220, 200))


def draw_mover(canvas, kind, left, top, t, rng_state):
    """Motion that makes no sound, in its own panel (top left corner (left, top))."""
    if kind == "conductor":
        beat = 0.55
        phase = (t % beat) / beat
        ax = left + 70 + 30 * np.sin(2 * np.pi * phase)
        ay = top + 60 + 25 * abs(np.cos(np.pi * phase))
        rect(canvas, left + 55, top + 60, 50, 90, (40, 40, 50))
        rect(canvas, ax, ay, 12, 12, (240, 220, 200))
    elif kind == "dancer":
        x = left + 55 + 35 * np.sin(2 * np.pi * t / 1.7)
        y = top + 55 + 10 * np.sin(2 * np.pi * t / 0.6)
        rect(canvas, x, y, 40, 95, (200, 60, 120))
        rect(canvas, x - 15 + 15 * np.sin(2 * np.pi * t / 0.8), y + 20, 70, 8, (240, 220, 200))
    elif kind == "audience":
        for k in range(3):
            x = left + 15 + 45 * k
            rect(canvas, x, top + 120, 30, 60, (90, 80, 70))
            wave = 20 * np.sin(2 * np.pi * t / (0.9 + 0.3 * k) + k)
            rect(canvas, x + 10 + wave * 0.5, top + 95 - abs(wave), 8, 25, (240, 220, 200))
    else:  # screen: a scrolling picture in the background
        off = int(t * 40) % 32
        y0, y1, x0, x1 = top + 30, top + 150, left + 20, left + 140
        yy, xx = np.mgrid[y0:y1, x0:x1]
        canvas[y0:y1, x0:x1] = (80 + 80 * (((xx + off) // 16 + yy // 16) % 2))[..., None]


def make_scene(rng, cfg, count, seconds, set_name):
    """Chooses instruments, notes and what the camera, light and silent movers do."""
    pool = cfg["pool"]
    families = {}
    for i, p in enumerate(pool):
        families.setdefault(p[5], []).append(i)
    same = [f for f in families.values() if len(f) >= 2]
    picks = list(rng.choice(len(pool), size=count, replace=False))
    if rng.uniform() < 0.5 and same and count >= 2:  # two timbres of one GM family (the draw kept for a single player too)
        pair = list(same[int(rng.integers(len(same)))])
        rest = [p for p in picks if p not in pair][: count - 2]
        picks = pair[:2] + rest
        rng.shuffle(picks)
    chosen = [pool[p] for p in picks]
    pause_player = int(rng.integers(count)) if rng.uniform() < 0.5 else None
    pause = (seconds * 0.35, seconds * 0.35 + 3.0)
    notes = [melody(rng, lo, hi, seconds, pause if i == pause_player else None) for i, (_, _, lo, hi, _, _) in enumerate(chosen)]
    return {
        "set": set_name, "chosen": chosen, "notes": notes, "pause_player": pause_player,
        "camera": str(rng.choice(["static", "shake", "pan", "zoom"])),
        "light": str(rng.choice(["none", "flicker", "stage", "fade", "flash"])),
        "mover": str(rng.choice(cfg["movers"] + ["none"])),
        "texture": str(rng.choice(cfg["textures"])),
    }


def follow_spot(rng, notes, band, frames_n):
    """A player's glow per video frame, 0..1: a follow-spot worked by hand, a weak cue and an imperfect one. It follows
    the score (whether the player has a note), never the stem's loudness; late and slow, so it cannot mark an onset;
    mixed with the band's loudness (spill); held where it was for 1-3 s now and then; off in a third of the clips."""
    if rng.uniform() < 1 / 3:
        return np.zeros(frames_n)
    strength, spill = rng.uniform(0.4, 1.0), rng.uniform(0.2, 0.6)
    lag, width = int(rng.uniform(0.25, 0.6) * FPS), max(1, int(rng.uniform(0.4, 1.0) * FPS))
    t = np.arange(frames_n) / FPS
    playing = np.zeros(frames_n)
    for onset, duration, _ in notes:
        playing[(t >= onset) & (t <= onset + duration + 0.3)] = 1.0
    follow = np.convolve((1 - spill) * playing + spill * band, np.ones(width) / width, mode="full")[:frames_n]
    follow = np.concatenate([np.zeros(lag), follow])[:frames_n]
    for _ in range(int(rng.integers(0, 3))):
        start = int(rng.integers(0, frames_n))
        follow[start:start + int(rng.uniform(1, 3) * FPS)] = follow[start]
    return strength * follow


class Arrangement:
    """Where a clip's panels lie in its picture: the players' (0 ... count - 1), then the silent mover's (count), if any.

    `row` (every set until session 31): one row of panels, side by side. `grid` (session 31): the panels fill two rows
    of cells, row by row, as a video call's grid or players on risers (one behind and above another) would: a duet
    alone is 1 x 2 (one above the other), three panels 2 x 2 with the last cell empty, four 2 x 2, five (a quartet and
    its mover) 3 x 2 with the last cell empty; a single panel stays one. An empty cell shows the background only.
    A grid has thin dark lines between its cells, fixed in the picture while the camera moves the scene behind them (a
    video call's lines stay put while a cell's camera shakes); `risers` is the same two rows with no lines (one camera
    over a stage whose back row stands above the front row)."""

    def __init__(self, kind, count, mover):
        self.kind, self.count, self.panels = kind, count, count + bool(mover)
        if kind == "row" or self.panels == 1:  # grid and risers alike
            self.columns, self.rows = self.panels, 1
        else:
            self.columns, self.rows = (self.panels + 1) // 2, 2
        self.width, self.height = PANEL_W * self.columns, PANEL_H * self.rows

    def corner(self, panel):
        """The panel's top left corner in the picture (video pixels)."""
        return PANEL_W * (panel % self.columns), PANEL_H * (panel // self.columns)

    def panel_at(self, x, y):
        """The panel whose cell holds the picture's point (x, y): a player's, the mover's (count), or an empty cell
        (>= panels)."""
        column = min(max(int(x // PANEL_W), 0), self.columns - 1)
        row = min(max(int(y // PANEL_H), 0), self.rows - 1)
        return row * self.columns + column

    def region_panel(self, region):
        """The panel a region's centre lies on."""
        return self.panel_at(region["x"] + region["width"] / 2, region.get("y", 0) + region.get("height", 0) / 2)

    def spans(self, region):
        """Whether a region's box spans more than one cell side by side, and more than one one above another."""
        wide = region["x"] // PANEL_W != (region["x"] + region["width"] - 1) // PANEL_W
        tall = (self.rows > 1 and region["y"] // PANEL_H != (region["y"] + region["height"] - 1) // PANEL_H)
        return wide, tall

    def draw_borders(self, frame):
        """A grid's thin dark lines between cells, fixed in the picture (composited after the camera, as a video
        call's are); none in a row."""
        if self.kind != "grid":
            return
        for c in range(1, self.columns):
            frame[:, PANEL_W * c - BORDER // 2:PANEL_W * c + (BORDER + 1) // 2] = 25
        for r in range(1, self.rows):
            frame[PANEL_H * r - BORDER // 2:PANEL_H * r + (BORDER + 1) // 2, :] = 25


def video_frames(rng, spot_rng, scene, mixture, seconds, arrangement, grid_rng=None):
    """The clip's picture: frames x height x width x RGB. `grid_rng` draws a grid's background (the row-shaped one is
    drawn first all the same, so every later draw, and so every motion, is the row clip's)."""
    count = len(scene["chosen"])
    width, height = arrangement.width, arrangement.height
    frames_n = int(seconds * FPS)
    background = texture(scene["texture"], rng, PANEL_H + 2 * MARGIN, PANEL_W * arrangement.panels + 2 * MARGIN)
    if arrangement.kind != "row":
        background = texture(scene["texture"], grid_rng, height + 2 * MARGIN, width + 2 * MARGIN)
    colours = [rng.uniform(60, 200, 3) for _ in range(count)]
    states, cues = [], []
    for i, (_, _, _, _, style, _) in enumerate(scene["chosen"]):
        states.append({"sway_amp": rng.uniform(2, 6), "sway_period": rng.uniform(2.0, 4.0), "phase": rng.uniform(0, 6.3),
                       "bow": 0.0, "extra_turns": list(rng.uniform(0, seconds, int(seconds / 2)))})
        cues.append(jittered_onsets(rng, scene["notes"][i]))
    band = envelope(mixture, frames_n)
    glows = [follow_spot(spot_rng, notes, band, frames_n) for notes in scene["notes"]]
    shake = np.cumsum(rng.normal(0, 1.2, (frames_n, 2)), axis=0)
    shake -= np.linspace(0, 1, frames_n)[:, None] * shake[-1]  # a random walk that returns home
    flash_frame = int(rng.integers(FPS * 2, frames_n - FPS))
    out = np.empty((frames_n, height, width, 3), dtype=np.uint8)
    ys, xs = np.mgrid[0:height, 0:width]
    for f in range(frames_n):
        t = f / FPS
        canvas = background.copy()
        for i in range(count):
            left, top = arrangement.corner(i)
            draw_player(canvas, states[i], MARGIN + left, MARGIN + top, scene["chosen"][i][4], t, cues[i], scene["notes"][i],
                        glows[i][f], colours[i])
        if scene["mover"] != "none":
            left, top = arrangement.corner(count)
            draw_mover(canvas, scene["mover"], MARGIN + left, MARGIN + top, t, None)
        # Camera.
        dx = dy = 0.0
        zoom = 1.0
        if scene["camera"] == "shake":
            dx, dy = np.clip(shake[f], -MARGIN + 2, MARGIN - 2)
        elif scene["camera"] == "pan":
            dx = -16 + 32 * t / seconds
        elif scene["camera"] == "zoom":
            zoom = 1.0 + 0.1 * np.sin(np.pi * t / seconds)
        sx = np.clip(((xs - width / 2) / zoom + width / 2 + MARGIN + dx).astype(int), 0, canvas.shape[1] - 1)
        sy = np.clip(((ys - height / 2) / zoom + height / 2 + MARGIN + dy).astype(int), 0, canvas.shape[0] - 1)
        frame = canvas[sy, sx]
        # Light.
        gain = 1.0
        if scene["light"] == "flicker":
            gain = 1.0 + 0.12 * np.sin(2 * np.pi * t * 2.3) + rng.normal(0, 0.03)
        elif scene["light"] == "stage":
            gain = 0.8 + 0.4 * band[max(0, f - 2)]
        elif scene["light"] == "fade":
            gain = min(1.0, t / 1.5) if t < 1.5 else (max(0.2, (seconds - t) / 1.5) if t > seconds - 1.5 else 1.0)
        elif scene["light"] == "flash" and f in (flash_frame, flash_frame + 1):
            gain = 1.8
        tint = np.array([1.0, 1.0, 1.0]) if scene["light"] != "stage" else np.array([1.0, 0.9 + 0.1 * band[f], 0.85])
        out[f] = np.clip(frame * gain * tint, 0, 255).astype(np.uint8)
        arrangement.draw_borders(out[f])
    return out


def write_video(frames, mixture, path, work):
    wav = os.path.join(work, "mixture.wav")
    sf.write(wav, np.stack([mixture, mixture], axis=1), RATE, subtype="FLOAT")
    h, w = frames.shape[1:3]
    cmd = ["ffmpeg", "-y", "-loglevel", "error", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{w}x{h}", "-r", str(FPS), "-i", "-",
           "-i", wav, "-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-pix_fmt", "yuv420p", "-c:a", "pcm_f32le",
           "-shortest", path]
    subprocess.run(cmd, input=frames.tobytes(), check=True)


def panel_regions(count, arrangement=None):
    """Each player's whole panel as a `--region x,y,w,h` (video pixels): the oracle's regions."""
    arrangement = arrangement or Arrangement("row", count, False)
    return [arg for i in range(count)
            for arg in ("--region", "{},{},{},{}".format(*arrangement.corner(i), PANEL_W, PANEL_H))]


def row_scale_args(arrangement):
    """`tandem separate` arguments that analyse the picture at the scale its row clip is analysed at (the pipeline
    scales the shorter side to 144 pixels, so a grid's players are smaller in the motion cells than a row's): a grid's
    score with them apart from its players' size, the layout's own effect."""
    row = Arrangement("row", arrangement.count, arrangement.panels > arrangement.count)
    scale = 144 / min(row.width, row.height)
    side = round(scale * min(arrangement.width, arrangement.height))
    return ["--set", f"side={side}", "--set", f"max_side={7 * side}"]


def run_tandem(tandem, video, out, sources, extra):
    """Runs `tandem separate`; returns its summary, wall seconds and CPU seconds (user + system of the child)."""
    started = time.time()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run([tandem, "separate", video, "--out", out, "--sources", sources, "--progress", "none"] + extra,
                          capture_output=True, text=True)
    elapsed = time.time() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode != 0:
        print(proc.stderr, file=sys.stderr)
        raise SystemExit(f"tandem separate failed on {video}")
    # `tandem separate` runs Pipelines/separate-instruments.yaml: each input's files are in out/separated/<stem>/.
    folder = os.path.join("separated", os.path.splitext(os.path.basename(video))[0])
    summary = json.load(open(os.path.join(out, folder, "summary.json")))
    for source in summary["sources"]:
        if "file" in source:
            source["file"] = os.path.join(folder, source["file"])  # relative to out, as attribute() reads it
    return summary, elapsed, cpu


def attribute(summary, out, count, length, arrangement=None):
    """Per player panel, the sum of the outputs whose region centre lies on it (None if none); per panel
    beyond the players (the silent mover, or a grid's empty cell), the same. A row of panels unless `arrangement`."""
    arrangement = arrangement or Arrangement("row", count, True)
    by_panel = {}
    for source in summary["sources"]:
        region = source.get("region")
        if region is None or "file" not in source:  # silent regions have no file
            continue
        panel = arrangement.region_panel(region)
        audio, _ = sf.read(os.path.join(out, source["file"]), dtype="float32", always_2d=True)
        signal = audio.mean(axis=1)[:length]
        by_panel[panel] = by_panel.get(panel, 0) + signal
    return by_panel


def layout(summary, count, arrangement=None):
    """Where each region lies, one token per source: the player's panel its centre is on (M: the silent
    mover's panel, E: a grid's empty cell), `s` when flagged silent, `W` when its box spans more than one panel side
    by side (one box over two players), `T` when it spans panels one above another (a grid only) — what the failure
    causes are read from."""
    arrangement = arrangement or Arrangement("row", count, True)
    tokens = []
    for source in summary["sources"]:
        region = source.get("region")
        if region is None:
            continue
        panel = arrangement.region_panel(region)
        wide, tall = arrangement.spans(region)
        tokens.append(("E" if panel >= arrangement.panels else "M" if panel >= count else str(panel))
                      + ("s" if source.get("silent") else "") + ("W" if wide else "") + ("T" if tall else ""))
    return " ".join(tokens)


def player_estimates(panels, count, mixture):
    """Per player the summed outputs on its panel, or the mixture when none (or only silence) lies on it; and
    how many players had none."""
    estimates, unattributed = [], 0
    for i in range(count):
        e = panels.get(i)
        if e is None or np.sqrt(np.mean(e ** 2)) < 1e-4:
            unattributed += 1
            e = mixture
        estimates.append(e)
    return estimates, unattributed


# A clip's four score sets share its references: their Gram matrix is factorised once (bss_scores.py; mir_eval's
# bss_eval_sources figures, several times faster).
SCORER = CachedScorer()


def sdr(refs, estimates, permute):
    return SCORER.scores(refs, estimates, permute)[0]


SPOT_SEED = 2020  # the follow-spots' draws (session 20), apart from the clip's own so that nothing else changed
LEVEL_SEED = 2021  # the players' levels with --level-spread (session 20)
FOOTAGE_SEED = 1717  # drawn per clip together with the set's seed, the count and the clip's index
FOOTAGE_VERSION = 1  # a footage.json of another version is made again


def footage_settings(rng):
    """The strengths of one clip's footage variant (see the module's help)."""
    codec = rng.choice(["h264", "hevc", "vp9"], p=[0.6, 0.25, 0.15])
    crf = {"h264": rng.integers(24, 33), "hevc": rng.integers(26, 33), "vp9": rng.integers(32, 43)}[codec]
    second = bool(rng.random() < 0.5)
    return {
        "version": FOOTAGE_VERSION,
        "blur": round(float(rng.uniform(0.3, 0.9)), 2),
        "rescale": round(float(rng.uniform(0.55, 0.85)), 2) if rng.random() < 0.5 else None,
        "luma_noise": round(float(rng.uniform(1.5, 5.0)), 2), "grain": round(float(rng.uniform(0.4, 0.9)), 2),
        "chroma_noise": round(float(rng.uniform(1.0, 4.0)), 2),
        "codec": str(codec), "crf": int(crf), "gop": int(rng.choice([25, 50])), "bframes": int(rng.integers(2, 4)),
        "preset": str(rng.choice(["veryfast", "fast", "medium"])),
        "upload": {"crf": int(rng.integers(23, 29)), "gop": int(rng.choice([50, 75, 125]))} if second else None,
    }


def encoder_args(codec, crf, gop, bframes, preset):
    """FFmpeg video encoder arguments for one generation of the footage variant (yuv420p, a fixed GOP)."""
    if codec == "h264":
        return ["-c:v", "libx264", "-preset", preset, "-crf", str(crf), "-g", str(gop), "-bf", str(bframes)]
    if codec == "hevc":
        return ["-c:v", "libx265", "-preset", preset, "-crf", str(crf),
                "-x265-params", f"keyint={gop}:bframes={bframes}:log-level=none"]
    return ["-c:v", "libvpx-vp9", "-crf", str(crf), "-b:v", "0", "-g", str(gop), "-deadline", "good", "-cpu-used", "4",
            "-row-mt", "1"]


def add_sensor_noise(frames, settings, rng):
    """Temporal sensor noise on yuv444p frames (uint8, frames x 3 x h x w), in place: grain on the luma, stronger
    in the darks, and coarser noise on the chroma."""
    levels = settings["luma_noise"]
    for frame in frames:
        y = frame[0].astype(np.float32)
        grain = gaussian_filter(rng.standard_normal(y.shape).astype(np.float32), settings["grain"])
        grain /= grain.std() + 1e-6
        sigma = levels * (1.4 - 0.8 * y / 255)
        frame[0] = np.clip(y + sigma * grain + 0.5, 0, 255).astype(np.uint8)
        for plane in (1, 2):
            blotch = gaussian_filter(rng.standard_normal(y.shape).astype(np.float32), 1.5)
            blotch /= blotch.std() + 1e-6
            frame[plane] = np.clip(frame[plane].astype(np.float32) + settings["chroma_noise"] * blotch + 0.5, 0, 255).astype(np.uint8)


def make_footage(video, work, seed):
    """The clip's footage variant, `footage.mkv` in `work` (made once and reused; a symlink there is replaced, never
    written through): the picture blurred, rescaled, noised and encoded once or twice; the audio copied."""
    path, meta = os.path.join(work, "footage.mkv"), os.path.join(work, "footage.json")
    settings = footage_settings(np.random.default_rng(seed))
    if os.path.exists(path) and os.path.exists(meta) and not os.path.islink(path) and json.load(open(meta)) == settings:
        return path, settings
    probe = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,height",
                            "-of", "csv=p=0", video], capture_output=True, text=True, check=True)
    w, h = (int(v) for v in probe.stdout.strip().split(","))
    chain = [f"gblur=sigma={settings['blur']}"]
    if settings["rescale"]:
        sw, sh = (2 * round(v * settings["rescale"] / 2) for v in (w, h))
        chain = [f"scale={sw}:{sh}:flags=bicubic", f"scale={w}:{h}:flags=bicubic"] + chain
    decoded = subprocess.run(["ffmpeg", "-loglevel", "error", "-i", video, "-map", "0:v:0", "-vf", ",".join(chain),
                              "-pix_fmt", "yuv444p", "-f", "rawvideo", "-"], capture_output=True, check=True).stdout
    frames = np.frombuffer(decoded, np.uint8).reshape(-1, 3, h, w).copy()
    add_sensor_noise(frames, settings, np.random.default_rng([seed[0], seed[1], seed[2], seed[3], 1]))
    for stale in (path, meta):
        if os.path.lexists(stale):
            os.unlink(stale)
    first = os.path.join(work, "footage-camera.mkv" if settings["upload"] else "footage-partial.mkv")
    subprocess.run(["ffmpeg", "-y", "-loglevel", "error", "-f", "rawvideo", "-pix_fmt", "yuv444p", "-s", f"{w}x{h}",
                    "-r", str(FPS), "-i", "-", "-i", video, "-map", "0:v", "-map", "1:a", "-c:a", "copy", "-pix_fmt", "yuv420p"]
                   + encoder_args(settings["codec"], settings["crf"], settings["gop"], settings["bframes"], settings["preset"])
                   + ["-shortest", first], input=frames.tobytes(), check=True)
    if settings["upload"]:
        upload = settings["upload"]
        subprocess.run(["ffmpeg", "-y", "-loglevel", "error", "-i", first, "-map", "0:v", "-map", "0:a", "-c:a", "copy",
                        "-pix_fmt", "yuv420p"] + encoder_args("h264", upload["crf"], upload["gop"], 3, "medium")
                       + [os.path.join(work, "footage-partial.mkv")], check=True)
        os.unlink(first)
    os.rename(os.path.join(work, "footage-partial.mkv"), path)
    json.dump(settings, open(meta, "w"))
    return path, settings


def clip_name(set_name, count, index, arrangement="row"):
    """A clip's folder: a grid clip's is apart from the row clip's (`-grid`), so neither is read as the other."""
    return f"{set_name}-n{count}-m{index}" + ("" if arrangement == "row" else f"-{arrangement}")


def make_clip(args, set_name, cfg, count, index):
    """The clip's scene, stems, mixture and video; made once per clip folder (each clip has its own seed), in
    --clip-cache when given (shared by the runs of several builds) and otherwise in --work."""
    kind = getattr(args, "layout", "row")  # the other tools' arguments have no --layout
    work = os.path.join(args.clip_cache or args.work, clip_name(set_name, count, index, kind))
    os.makedirs(work, exist_ok=True)
    rng = np.random.default_rng([cfg["seed"], count, index])
    spot_rng = np.random.default_rng([cfg["seed"], count, index, SPOT_SEED])  # its own draws: the rest of the clip is as before
    grid_rng = np.random.default_rng([cfg["seed"], count, index, GRID_SEED])
    scene = make_scene(rng, cfg, count, args.seconds, set_name)
    arrangement = Arrangement(kind, count, scene["mover"] != "none")
    video = os.path.join(work, "mixture.mkv")
    cached = os.path.join(work, "stems.npy")
    if os.path.exists(video) and os.path.exists(cached):
        stems = list(np.load(cached))
    else:
        stems = [render(c[1], n, args.seconds, os.path.join(work, f"stem{i}.wav")) for i, (c, n) in enumerate(zip(scene["chosen"], scene["notes"]))]
        stems = [s / (np.sqrt(np.mean(s ** 2)) + 1e-9) * 0.1 for s in stems]
        if args.level_spread > 0:  # players at unequal loudness, drawn apart from the clip's other draws
            level_rng = np.random.default_rng([cfg["seed"], count, index, LEVEL_SEED])
            stems = [s * 10 ** (level_rng.uniform(-0.5, 0.5) * args.level_spread / 20) for s in stems]
        mixture = np.sum(stems, axis=0).astype(np.float32)
        write_video(video_frames(rng, spot_rng, scene, mixture, args.seconds, arrangement, grid_rng), mixture, video, work)
        np.save(cached, np.asarray(stems))
    if args.footage:
        video, _ = make_footage(video, work, [cfg["seed"], count, index, FOOTAGE_SEED])
    return work, scene, stems, video


def evaluate_clip(args, set_name, cfg, count, index):
    _, scene, stems, video = make_clip(args, set_name, cfg, count, index)
    arrangement = Arrangement(args.layout, count, scene["mover"] != "none")
    work = os.path.join(args.work, clip_name(set_name, count, index, args.layout))  # this run's outputs, beside or apart from the clip
    os.makedirs(work, exist_ok=True)
    mixture = np.sum(stems, axis=0).astype(np.float32)
    extra = args.separate_args.split() + (panel_regions(count, arrangement) if args.oracle_regions else [])
    if args.row_scale:
        extra += row_scale_args(arrangement)

    out = os.path.join(work, "oracle" if args.oracle_regions else "separated")
    summary, elapsed, cpu = run_tandem(args.tandem, video, out, str(count), extra)
    panels = attribute(summary, out, count, len(mixture), arrangement)
    estimates, unattributed = player_estimates(panels, count, mixture)
    mix_sdr = sdr(stems, [mixture] * count, False)
    fixed = sdr(stems, estimates, False)
    best = sdr(stems, estimates, True)
    mover = panels.get(count)
    mover_share = float(np.sum(mover ** 2) / np.sum(mixture ** 2)) if mover is not None else 0.0

    if args.no_auto or args.oracle_regions:
        auto, auto_count = {"sources": []}, -1
        auto_gain, auto_sdr, auto_unattributed = None, None, None
    else:
        out_auto = os.path.join(work, "auto")
        auto, _, _ = run_tandem(args.tandem, video, out_auto, "auto", extra)
        auto_count = sum(1 for s in auto["sources"] if not s.get("silent", False))
        # The automatic count's own sources, scored like the fixed count's: what a user of `auto` gets per player.
        auto_estimates, auto_unattributed = player_estimates(attribute(auto, out_auto, count, len(mixture), arrangement), count, mixture)
        auto_scores = sdr(stems, auto_estimates, False)
        auto_gain, auto_sdr = float(np.mean(auto_scores - mix_sdr)), float(np.mean(auto_scores))
    row = {
        "set": set_name, "count": count, "clip": index, "instruments": [c[0] for c in scene["chosen"]],
        "camera": scene["camera"], "light": scene["light"], "mover": scene["mover"], "texture": scene["texture"],
        "pause": scene["pause_player"] is not None,
        "mixture_sdr": float(np.mean(mix_sdr)), "attributed_sdr": float(np.mean(fixed)), "best_perm_sdr": float(np.mean(best)),
        "gain": float(np.mean(fixed - mix_sdr)), "best_perm_gain": float(np.mean(best - mix_sdr)),
        "per_player_gain": [float(v) for v in fixed - mix_sdr],
        "unattributed": unattributed, "mover_share": mover_share, "auto_count": auto_count,
        "auto_gain": auto_gain, "auto_sdr": auto_sdr, "auto_unattributed": auto_unattributed, "auto_notes": auto.get("notes", []),
        "layout": layout(summary, count, arrangement), "auto_layout": layout(auto, count, arrangement),
        "seconds": elapsed, "realtime": args.seconds / elapsed, "cpu_seconds": cpu, "oracle_regions": args.oracle_regions,
        "footage": json.load(open(os.path.join(os.path.dirname(video), "footage.json"))) if args.footage else None,
    }
    if args.layout != "row":  # a row clip's line is as it always was
        row["arrangement"] = args.layout
    score = (f"output SDR {row['attributed_sdr']:+6.2f}" if count == 1 else
             f"gain {row['gain']:+6.2f} (best perm {row['best_perm_gain']:+6.2f})")
    print(f"{set_name:8s} n={count} #{index} {'+'.join(row['instruments']):40s} cam {row['camera']:6s} light {row['light']:7s} "
          f"mover {row['mover']:9s} pause {'y' if row['pause'] else 'n'} | {score} "
          f"players w/o sound {unattributed} mover share {mover_share:.2f} auto {auto_count}"
          + (f" ({f'SDR {auto_sdr:+.2f}' if count == 1 else f'gain {auto_gain:+.2f}'}, w/o sound {auto_unattributed})" if auto_gain is not None else "") + f" | {elapsed:.1f} s, CPU {cpu:.2f} s | "
          f"regions {row['layout']} / auto {row['auto_layout']}", flush=True)
    return row


def table(results, sets, counts, command):
    lines = ["# Separation: region-attributed evaluation", "",
             "Made by (about 20 minutes on two cores):", "", "```sh", command, "```", "",
             "Medians over clips; gains are over the mixture's own SDR (BSS Eval v3 by bss_scores.py: mir_eval's bss_eval_sources figures, dB). "
             "*Region-attributed*: each player's stem against the output(s) whose region centre lies on that player. "
             "*Best permutation*: the same estimates, best pairing. *Without sound*: players with no output on them "
             "(scored on the mixture). *Mover share*: energy the outputs on a silent mover took, over the mixture's. "
             "*Count right*: `--sources auto` wrote as many non-silent sources as there are players. "
             "*Speed*: clip seconds over `tandem separate` wall time (decode, motion and separation, two shared cores).", "",
             "| set | players | clips | region-attributed gain | best-permutation gain | players without sound | mover share (median) | count right | speed |",
             "|---|---|---|---|---|---|---|---|---|"]
    for s in sets:
        for c in counts:
            rows = [r for r in results if r["set"] == s and r["count"] == c]
            if not rows:
                continue
            movers = [r["mover_share"] for r in rows if r["mover"] != "none"]
            if c == 1:  # a single player: the output's SDR against the player (no gain over a mixture that is the player)
                scores = f"output SDR {np.median([r['attributed_sdr'] for r in rows]):+.1f} dB | – | "
            else:
                scores = (f"{np.median([r['gain'] for r in rows]):+.1f} dB | "
                          f"{np.median([r['best_perm_gain'] for r in rows]):+.1f} dB | ")
            lines.append(f"| {s} | {c} | {len(rows)} | {scores}"
                         f"{sum(r['unattributed'] for r in rows)} of {sum(r['count'] for r in rows)} | "
                         f"{(np.median(movers) if movers else 0):.2f} | "
                         f"{sum(r['auto_count'] == r['count'] for r in rows)}/{len(rows)} | "
                         f"{np.median([r['realtime'] for r in rows]):.0f}× |")
    lines += ["", "Per clip:", "", "| set | players | instruments | camera | light | silent mover | pause | gain per player (dB) | auto count |",
              "|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        lines.append(f"| {r['set']} | {r['count']} | {', '.join(r['instruments'])} | {r['camera']} | {r['light']} | {r['mover']} | "
                     f"{'yes' if r['pause'] else 'no'} | {', '.join(f'{g:+.1f}' for g in r['per_player_gain'])} | {r['auto_count']} |")
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tandem", default=".build/release/tandem")
    parser.add_argument("--work", default="/tmp/tandem-separation-eval")
    parser.add_argument("--sets", nargs="+", default=["tuning", "held-out"], choices=list(SETS))
    parser.add_argument("--clips", type=int, default=6, help="clips per player count and set")
    parser.add_argument("--first-clip", type=int, default=0,
                        help="index of the first clip (held-out clips 0-8 were run and diagnosed in many sessions and are tuning material since session 16; 9-17 were run blind at the end of sessions 15 and 16, 18-26 at the end of session 16, 27-35 blind in session 17, 36-44 blind in session 18 and development material since session 19, 45-53 blind in session 19 and development material since session 20, 54-62 blind in session 20 and development material since session 21, 63-71 blind in session 21 and development material since session 22, 72-80 blind in session 22 and development material since session 23, 81-89 blind in session 23 and development material since session 24, 90-98 blind in session 24 and development material since session 25, 99-107 blind in session 25 and development material since session 26, 108-116 blind in session 26 and development material since session 27, 117-125 made and run at the end of session 26, read blind at the start of session 27 and development material since, 126-134 blind in session 27, 135-143 made and run at the end of session 27 and read blind at the start of session 28, all development material since session 28; 144-152 blind in session 28 and development material since; 153-161 made and run at the end of session 28, read blind at the start of session 29 and development material since; 162-170 blind in session 29 (run with main before its merges and with the merged build), development material from session 30; 171-179 made and run with session 29's final build at its end, read blind at the start of session 30 and development material since; 180-188 blind in session 30 (run with main before its merges and with the merged build), development material from session 31; 189-197 made and run with session 30's final build at its end, read blind at the start of session 31 and development material since; 198-206 blind in session 31 (run with main before its merges and with the merged build), development material from session 32; 207-215 made and run with session 31's final build at its end, read blind at the start of session 32 and development material since; 216-224 blind in session 32 (run with main before its merges and with the merged build); 225-233 made and run with session 32's final build at its end, unread; 234 on are unseen)")
    parser.add_argument("--counts", type=int, nargs="+", default=[2, 3, 4])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--separate-args", default="", help="extra arguments for tandem separate")
    parser.add_argument("--level-spread", type=float, default=0.0,
                        help="players at unequal loudness: each stem's level drawn uniformly over this many dB around the "
                             "others' (0: equal RMS, the default and every committed table); use its own --work, the clips differ")
    parser.add_argument("--clip-cache", help="make and read the clips here instead of in --work, whose folders then hold "
                             "only this run's outputs: one cache serves the runs of several builds (make it first with "
                             "--generate-only, with --footage too, so two runs never write a clip at once)")
    parser.add_argument("--table", help="write the Markdown table here")
    parser.add_argument("--generate-only", action="store_true", help="only make the clips (cached in --clip-cache, else --work)")
    parser.add_argument("--no-auto", action="store_true", help="skip the --sources auto run (count right is then not scored)")
    parser.add_argument("--footage", action="store_true",
                        help="score each clip's footage variant (footage.mkv beside mixture.mkv, made once: blur, rescale, "
                             "sensor noise, one or two lossy encodes; see above) instead of the clip; results-footage.json")
    parser.add_argument("--layout", choices=["row", "grid", "risers"], default="row",
                        help="where the panels lie: one row side by side (the default: every set and table until session "
                             "31), or two rows, one above another, as a video call's grid or players on risers "
                             "(see Arrangement), with lines between the cells (grid) or none (risers); their clips are "
                             "folders of their own (-grid, -risers), so use their own cache")
    parser.add_argument("--row-scale", action="store_true",
                        help="analyse each picture at its row clip's scale (see row_scale_args): with --layout grid, the "
                             "stacking's effect apart from the players' smaller size; use its own --work")
    parser.add_argument("--oracle-regions", action="store_true",
                        help="give each player's panel box as --region (used as given) instead of the found regions, "
                             "outputs in oracle/: the gap to the found-regions run is the finder's share of the shortfall "
                             "(implies --no-auto)")
    args = parser.parse_args()
    os.makedirs(args.work, exist_ok=True)
    results = []
    for set_name in args.sets:
        cfg = SETS[set_name]
        for count in args.counts:
            for index in range(args.first_clip, args.first_clip + args.clips):
                if args.generate_only:
                    make_clip(args, set_name, cfg, count, index)
                    continue
                results.append(evaluate_clip(args, set_name, cfg, count, index))
    if args.generate_only:
        return
    print("\nmedians:")
    for set_name in args.sets:
        for count in args.counts:
            rows = [r for r in results if r["set"] == set_name and r["count"] == count]
            scores = (f"output SDR {np.median([r['attributed_sdr'] for r in rows]):+.2f} dB, " if count == 1 else
                      f"region-attributed gain {np.median([r['gain'] for r in rows]):+.2f} dB, "
                      f"best perm {np.median([r['best_perm_gain'] for r in rows]):+.2f} dB, ")
            print(f"  {set_name:8s} {count} players ({len(rows)} clips): {scores}"
                  f"without sound {sum(r['unattributed'] for r in rows)}, auto count right {sum(r['auto_count'] == count for r in rows)}/{len(rows)}, "
                  + (f"auto {'output SDR' if count == 1 else 'gain'} {np.median([r['auto_sdr' if count == 1 else 'auto_gain'] for r in rows]):+.2f} dB, auto without sound {sum(r['auto_unattributed'] for r in rows)}, "
                     if rows and rows[0].get('auto_gain') is not None else "") +
                  f"speed {np.median([r['realtime'] for r in rows]):.1f}x, CPU {np.median([r['cpu_seconds'] for r in rows]):.2f} s")
    name = "results" + ("-footage" if args.footage else "") + ("-oracle" if args.oracle_regions else "") + ".json"
    with open(os.path.join(args.work, name), "w") as f:
        json.dump(results, f, indent=1)
    if args.table:
        command = "/work/venv/bin/python Tools/eval/separation_eval.py " + " ".join(a for a in sys.argv[1:])
        with open(args.table, "w") as f:
            f.write(table(results, args.sets, args.counts, command))


if __name__ == "__main__":
    main()
