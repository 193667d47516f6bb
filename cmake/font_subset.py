#!/usr/bin/env python3
"""Subset a CJK font to exactly the characters the app can show.

Usage: font_subset.py --font FONT.ttc --out OUT.ttf TABLE.json [TABLE.json ...]

Every string value in the given JSON files (UI string tables, later the quiz bank) is
collected, plus printable ASCII and the symbols that formatted numbers and formulas use.
The subset keeps the binary small (a few hundred KB instead of 5 MB) while a test checks
that no string contains a character the subset lacks.
"""
import argparse
import json
import sys

# Characters produced at run time (numbers, formulas, units) rather than read from tables.
RUNTIME_CHARS = "".join(chr(c) for c in range(0x20, 0x7F)) + "×÷≈²³¹√⌊⌋⌈⌉≤≥−·…→←↑↓±°∑≠∞αβγσμΔ✓•"


def collect(value, out):
    if isinstance(value, str):
        out.update(value)
    elif isinstance(value, dict):
        for v in value.values():
            collect(v, out)
    elif isinstance(value, list):
        for v in value:
            collect(v, out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--font", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("tables", nargs="+")
    args = ap.parse_args()

    chars = set(RUNTIME_CHARS)
    for path in args.tables:
        try:
            with open(path, encoding="utf-8") as f:
                collect(json.load(f), chars)
        except (OSError, ValueError) as e:
            sys.exit(f"font_subset: cannot read {path}: {e}")
    chars = {c for c in chars if c not in "\n\r\t"}

    from fontTools import subset
    from fontTools.ttLib import TTFont

    font = TTFont(args.font, fontNumber=0, lazy=False)
    cmap = font.getBestCmap()
    missing = sorted(c for c in chars if ord(c) not in cmap)
    if missing:
        # Not fatal here: the font-coverage test names each string that uses one of these.
        print("font_subset: warning: the font lacks " + " ".join(f"U+{ord(c):04X}" for c in missing),
              file=sys.stderr)

    options = subset.Options()
    options.layout_features = []
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.recalc_bounds = True
    sub = subset.Subsetter(options=options)
    sub.populate(unicodes=[ord(c) for c in chars if ord(c) in cmap])
    sub.subset(font)
    font.save(args.out)


if __name__ == "__main__":
    main()
