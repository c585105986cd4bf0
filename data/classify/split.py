#!/usr/bin/env python3
"""split.py: splits the classifier corpus ONCE into train, dev and test.

Reads data/classify/corpus-*.tsv (text, type, category, street) and writes
train.tsv, dev.tsv and test.tsv beside them, in the same four columns.

The split is stratified by category and fixed by a seed: within each
category the rows are ordered by SHA-256(seed, text) and the first 15% go to
test, the next 15% to dev, the rest to train. The order of the input files
and of their lines does not matter, and the same corpus and seed always give
the same three files. Rows whose text repeats an earlier row are dropped, so
one text can never sit on both sides of the split.

Usage: data/classify/split.py [--seed N] [--check]
  --check  write nothing; exit 1 if the files on disk differ from a fresh split.
The split was made once with the default seed; do not re-split to chase a
better test score: tune on dev, report on test.
"""
import argparse
import glob
import hashlib
import os
import sys

SEED = 12345
SHARE_TEST = 0.15
SHARE_DEV = 0.15
HERE = os.path.dirname(os.path.abspath(__file__))
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


def split(rows, seed):
    parts = {"train": [], "dev": [], "test": []}
    for cat in sorted({r[2] for r in rows}):
        mine = [r for r in rows if r[2] == cat]
        mine.sort(key=lambda r: hashlib.sha256(f"{seed}\t{r[0]}".encode()).hexdigest())
        n_test = round(len(mine) * SHARE_TEST)
        n_dev = round(len(mine) * SHARE_DEV)
        parts["test"] += mine[:n_test]
        parts["dev"] += mine[n_test:n_test + n_dev]
        parts["train"] += mine[n_test + n_dev:]
    for rows_ in parts.values():   # a stable, category-mixed order
        rows_.sort(key=lambda r: hashlib.sha256(f"{seed}\torder\t{r[0]}".encode()).hexdigest())
    return parts


def render(name, part, seed, rows):
    return HEADER.format(name=name, part=part, seed=seed) + "".join("\t".join(r) + "\n" for r in rows)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--check", action="store_true")
    a = ap.parse_args()
    parts = split(read_corpus(), a.seed)
    differ = False
    for part, rows in parts.items():
        path = os.path.join(HERE, f"{part}.tsv")
        text = render(f"{part}.tsv", part, a.seed, rows)
        if a.check:
            try:
                with open(path, encoding="utf-8") as f:
                    differ |= f.read() != text
            except FileNotFoundError:
                differ = True
        else:
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
        print(f"{part}: {len(rows)} rows", file=sys.stderr)
    if differ:
        sys.exit("split.py --check: the split files differ from a fresh split")


if __name__ == "__main__":
    main()
