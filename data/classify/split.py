#!/usr/bin/env python3
"""split.py: splits the classifier corpus into train, dev and test, row by row.

Reads data/classify/corpus-*.tsv (text, type, category, street) and writes
train.tsv, dev.tsv and test.tsv beside them, in the same four columns.

Each row's split depends on its own text and the seed only: h is the
SHA-256 of "SEED<TAB>text" (UTF-8) read as a fraction of 2^256, and the row
goes to test if h < 0.15, to dev if h < 0.30, else to train. So adding a
corpus file (or a line) never moves an existing row to another split: the
new rows fall into the three splits in about the shares 15/15/70, and the
old rows stay put.
The split is not stratified by category; with a few hundred rows per
category the shares per category come out close to 15/15/70 anyway
(--check prints them). The order of the input files and of their lines does
not matter, and the same corpus and seed always give the same three files.
Rows whose text repeats an earlier row are dropped (a text is in one split
only, since its split is a function of the text).

Usage: data/classify/split.py [--seed N] [--check]
  --check  write nothing; exit 1 if the files on disk differ from a fresh
           split, or a row sits in a split its hash does not give it.
History: the first split (corpora a-c) was stratified by category and made
by ranking; it was remade once, with this per-row rule and the default seed,
when corpora d-f were added (docs/CLASSIFIER.md); corpora g-j, then k-w, were added
under it without moving any earlier row. Do not re-split to chase a
better test score: tune on dev, report on test.
"""
import argparse
import collections
import glob
import hashlib
import os
import sys

SEED = 12345
TEST_PERCENT = 15          # h < 0.15: test
DEV_PERCENT = 30           # 0.15 <= h < 0.30: dev; the rest: train
HERE = os.path.dirname(os.path.abspath(__file__))
PARTS = ("train", "dev", "test")
HEADER = "# {name}: the {part} split of corpus-*.tsv made by split.py (seed {seed}); text\ttype\tcategory\tstreet\n"


def read_corpus():
    rows, seen = [], set()
    for path in sorted(glob.glob(os.path.join(HERE, "corpus-*.tsv"))):
        with open(path, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                line = line.rstrip("\r\n")
                if not line or line.startswith("#"):
                    continue
                cols = line.split("\t")
                if len(cols) != 4:
                    sys.exit(f"{path}:{n}: want 4 TAB-separated columns, got {len(cols)}")
                if cols[0] in seen:
                    continue
                seen.add(cols[0])
                rows.append(cols)
    return rows


def part_of(seed, text):
    """The split of a text: SHA-256(seed, text) / 2^256 against 0.15 and 0.30,
    compared exactly in integers."""
    h = int(hashlib.sha256(f"{seed}\t{text}".encode()).hexdigest(), 16)
    if h * 100 < TEST_PERCENT * 2 ** 256:
        return "test"
    if h * 100 < DEV_PERCENT * 2 ** 256:
        return "dev"
    return "train"


def split(rows, seed):
    parts = {p: [] for p in PARTS}
    for r in rows:
        parts[part_of(seed, r[0])].append(r)
    for rows_ in parts.values():   # a stable, category-mixed order
        rows_.sort(key=lambda r: hashlib.sha256(f"{seed}\torder\t{r[0]}".encode()).hexdigest())
    return parts


def render(name, part, seed, rows):
    return HEADER.format(name=name, part=part, seed=seed) + "".join("\t".join(r) + "\n" for r in rows)


def read_split(path):
    """Rows of a split file on disk, or None if it is missing."""
    try:
        with open(path, encoding="utf-8") as f:
            return [l.rstrip("\r\n").split("\t") for l in f if l.strip() and not l.startswith("#")]
    except FileNotFoundError:
        return None


def shares(parts):
    """Per category: rows and the share of each split, as lines of text."""
    count = collections.Counter((r[2], p) for p, rows in parts.items() for r in rows)
    lines = [f"{'category':<12} {'rows':>5} {'train':>6} {'dev':>6} {'test':>6}"]
    for cat in sorted({c for c, _ in count}):
        n = sum(count[(cat, p)] for p in PARTS)
        lines.append(f"{cat:<12} {n:5d}" + "".join(f" {100 * count[(cat, p)] / n:5.1f}%" for p in PARTS))
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--check", action="store_true")
    a = ap.parse_args()
    parts = split(read_corpus(), a.seed)
    problems = []
    for part, rows in parts.items():
        path = os.path.join(HERE, f"{part}.tsv")
        text = render(f"{part}.tsv", part, a.seed, rows)
        if a.check:
            on_disk = read_split(path)
            if on_disk is None:
                problems.append(f"{part}.tsv is missing")
                continue
            wrong = [r[0] for r in on_disk if part_of(a.seed, r[0]) != part]
            if wrong:
                problems.append(f"{part}.tsv: {len(wrong)} rows belong to another split, e.g. {wrong[0][:40]}")
            with open(path, encoding="utf-8") as f:
                if f.read() != text:
                    problems.append(f"{part}.tsv differs from a fresh split of corpus-*.tsv")
        else:
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
        print(f"{part}: {len(rows)} rows", file=sys.stderr)
    if a.check:
        print(shares(parts), file=sys.stderr)
    if problems:
        sys.exit("split.py --check: " + "; ".join(problems))


if __name__ == "__main__":
    main()
