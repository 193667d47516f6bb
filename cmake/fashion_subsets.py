#!/usr/bin/env python3
"""Extract the page's Fashion-MNIST subsets from Debian's dataset-fashion-mnist files.

Usage: fashion_subsets.py --src /usr/share/datasets/fashion-mnist --out DIR

Writes DIR/{t10k,train}-{images-idx3,labels-idx1}-ubyte.gz with the same IDX layout as
the originals: the test split keeps the first 200 images of each class in file order
(2,000 images; es::train::stratified_subset(test, 200) picks the same ones natively), the
training split the first 600 of each class (6,000 images). Deterministic output (gzip
mtime 0), so the page's bytes depend only on the dataset.
"""
import argparse
import gzip
import os
import struct


def read(path):
    with gzip.open(path, "rb") as f:
        return f.read()


def subset(images, labels, per_class):
    n, rows, cols = struct.unpack(">III", images[4:16])
    if struct.unpack(">I", images[:4])[0] != 0x803 or struct.unpack(">I", labels[:4])[0] != 0x801:
        raise SystemExit("fashion_subsets.py: not IDX image/label files")
    size = rows * cols
    taken = [0] * 10
    keep = []
    for i in range(n):
        y = labels[8 + i]
        if y < 10 and taken[y] < per_class:
            taken[y] += 1
            keep.append(i)
    if min(taken) < per_class:
        raise SystemExit(f"fashion_subsets.py: only {min(taken)} images of some class (need {per_class})")
    img = bytearray(struct.pack(">IIII", 0x803, len(keep), rows, cols))
    lab = bytearray(struct.pack(">II", 0x801, len(keep)))
    for i in keep:
        img += images[16 + i * size:16 + (i + 1) * size]
        lab.append(labels[8 + i])
    return bytes(img), bytes(lab)


def write(path, data):
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as f:
        f.write(data)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--src", required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    for split, per_class in (("t10k", 200), ("train", 600)):
        img, lab = subset(read(f"{a.src}/{split}-images-idx3-ubyte.gz"),
                          read(f"{a.src}/{split}-labels-idx1-ubyte.gz"), per_class)
        write(f"{a.out}/{split}-images-idx3-ubyte.gz", img)
        write(f"{a.out}/{split}-labels-idx1-ubyte.gz", lab)


if __name__ == "__main__":
    main()
