#!/usr/bin/env python3
"""Checks of separation_eval.py's panel arrangements (row and grid): where panels lie, which panel a region's centre
is on, the layout tokens and the oracle's regions. Small shapes, no clips made:

    /work/venv/bin/python -m unittest Tools/eval/test_separation_layout.py
"""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import separation_eval as ev  # noqa: E402

W, H = ev.PANEL_W, ev.PANEL_H


def region(x, y, w, h, silent=False):
    return {"region": {"x": x, "y": y, "width": w, "height": h}, "silent": silent}


class ArrangementTests(unittest.TestCase):
    def test_row_is_one_row_of_every_panel(self):
        a = ev.Arrangement("row", 3, True)
        self.assertEqual((a.columns, a.rows, a.width, a.height), (4, 1, 4 * W, H))
        self.assertEqual(a.corner(3), (3 * W, 0))

    def test_grid_shapes(self):
        shapes = {(2, False): (1, 2), (2, True): (2, 2), (3, False): (2, 2), (3, True): (2, 2), (4, False): (2, 2),
                  (4, True): (3, 2), (1, False): (1, 1), (1, True): (1, 2)}
        for (count, mover), shape in shapes.items():
            a = ev.Arrangement("grid", count, mover)
            self.assertEqual((a.columns, a.rows), shape, (count, mover))

    def test_grid_fills_row_by_row(self):
        a = ev.Arrangement("grid", 4, True)  # 3 x 2: players 0 1 2 above, 3 and the mover below
        self.assertEqual([a.corner(p) for p in range(5)], [(0, 0), (W, 0), (2 * W, 0), (0, H), (W, H)])

    def test_panel_at_reads_both_axes(self):
        a = ev.Arrangement("grid", 2, False)  # one above the other
        self.assertEqual(a.panel_at(W / 2, H / 2), 0)
        self.assertEqual(a.panel_at(W / 2, H + 5), 1)
        self.assertEqual(a.region_panel({"x": 20, "y": H - 30, "width": 100, "height": 80}), 1)  # centre H + 10

    def test_row_reads_x_only_as_before(self):
        a = ev.Arrangement("row", 3, False)
        for x in (0, W - 1, W, 2 * W + 5, 3 * W - 1):
            self.assertEqual(a.panel_at(x, H - 1), int(x // W))

    def test_tokens(self):
        summary = {"sources": [region(20, H + 40, 100, 60), region(W + 30, 20, 60, H), region(W + 20, 40, 50, 50, True),
                               region(W + 10, H + 20, 60, 60), region(W - 30, H - 30, 60, 60)]}
        # three players and the mover in 2 x 2: 0 1 / 2 M; the last box spans all four cells, its centre on the mover's
        self.assertEqual(ev.layout(summary, 3, ev.Arrangement("grid", 3, True)), "2 1T 1s M MWT")
        # three players, no mover: 0 1 / 2 and an empty cell
        self.assertEqual(ev.layout(summary, 3, ev.Arrangement("grid", 3, False)), "2 1T 1s E EWT")

    def test_row_tokens_unchanged(self):
        summary = {"sources": [region(20, 40, 100, 60), region(W - 20, 20, 60, 100), region(3 * W + 10, 10, 50, 50, True)]}
        self.assertEqual(ev.layout(summary, 3), "0 1W Ms")
        self.assertEqual(ev.layout(summary, 3, ev.Arrangement("row", 3, True)), "0 1W Ms")

    def test_oracle_regions(self):
        self.assertEqual(ev.panel_regions(2), ["--region", f"0,0,{W},{H}", "--region", f"{W},0,{W},{H}"])
        self.assertEqual(ev.panel_regions(2, ev.Arrangement("grid", 2, False)),
                         ["--region", f"0,0,{W},{H}", "--region", f"0,{H},{W},{H}"])

    def test_row_scale(self):
        # a row's scale is 144 / 180 (the row's height); a 2 x 2 grid's shorter side is 320, a stacked duet's 160
        self.assertEqual(ev.row_scale_args(ev.Arrangement("grid", 4, False)), ["--set", "side=256", "--set", "max_side=1792"])
        self.assertEqual(ev.row_scale_args(ev.Arrangement("grid", 2, False)), ["--set", "side=128", "--set", "max_side=896"])
        self.assertEqual(ev.row_scale_args(ev.Arrangement("row", 3, True)), ["--set", "side=144", "--set", "max_side=1008"])
        # a soloist alone: 160 x 180, shorter side 160 either way
        self.assertEqual(ev.row_scale_args(ev.Arrangement("grid", 1, False)), ["--set", "side=144", "--set", "max_side=1008"])

    def test_clip_names_apart(self):
        self.assertEqual(ev.clip_name("tuning", 2, 3), "tuning-n2-m3")
        self.assertEqual(ev.clip_name("tuning", 2, 3, "grid"), "tuning-n2-m3-grid")

    def test_grid_borders_fixed_lines(self):
        import numpy as np
        a = ev.Arrangement("grid", 2, True)
        frame = np.full((a.height, a.width, 3), 200, np.uint8)
        a.draw_borders(frame)
        self.assertTrue((frame[:, W - 1:W + 1] == 25).all() and (frame[H - 1:H + 1, :] == 25).all())
        self.assertEqual(int((frame == 25).all(axis=2).sum()), 2 * a.height + 2 * a.width - 4)
        for kind, shape in (("row", (H, 2 * W, 3)), ("risers", (2 * H, 2 * W, 3))):
            plain = np.full(shape, 200, np.uint8)
            ev.Arrangement(kind, 3, True).draw_borders(plain)
            self.assertTrue((plain == 200).all(), kind)

    def test_risers_are_a_grid_without_lines(self):
        g, r = ev.Arrangement("grid", 4, True), ev.Arrangement("risers", 4, True)
        self.assertEqual((g.columns, g.rows, [g.corner(p) for p in range(5)]), (r.columns, r.rows, [r.corner(p) for p in range(5)]))


if __name__ == "__main__":
    unittest.main()
