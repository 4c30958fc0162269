#!/usr/bin/env python3
"""Peer of `tandem-bench vision`: OpenCV 4's CascadeClassifier on the same images and parameters.

Run from the repository root: /work/venv/bin/python Tools/bench/face_detect_bench.py [--threads 1]
"""
import argparse
import time

import cv2
import numpy as np


def median_time(fn, repeats=5):
    fn()
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return sorted(times)[len(times) // 2]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1, help="cv2.setNumThreads (Tandem's detector is single-threaded)")
    args = ap.parse_args()
    cv2.setNumThreads(args.threads)
    cv2.ocl.setUseOpenCL(False)
    path = "/usr/share/opencv4/haarcascades/haarcascade_frontalface_default.xml"
    small = np.fromfile("Tests/TandemVisionTests/Fixtures/astronaut_256x256.gray", np.uint8).reshape(256, 256)
    large = np.tile(small, (2, 2))
    cc = cv2.CascadeClassifier(path)
    print(f"opencv {cv2.__version__}, threads {args.threads}")
    print(f"parse frontalface_default.xml: median {median_time(lambda: cv2.CascadeClassifier(path)):.4f} s")
    for name, img in (("256x256", small), ("512x512", large)):
        t = median_time(lambda: cc.detectMultiScale(img, 1.1, 3))
        print(f"detectMultiScale {name}: median {t:.4f} s")


if __name__ == "__main__":
    main()
