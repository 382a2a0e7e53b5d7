"""Carve a dev set out of ANERcorp's CAMeL train split (its last 10% of sentences, a contiguous block of
articles), so model selection never looks at the test split. Writes train.txt and dev.txt under --out (an
ignored outputs/ folder); the test split is read in place from ../shared.

    python scripts/anercorp_split.py --src ../shared/corpora/anercorp --out outputs/anercorp/data
"""
from __future__ import annotations

import argparse
from pathlib import Path


def split(src: Path, out: Path, dev_fraction: float = 0.1) -> dict[str, int]:
    train = src / "ANERCorp_CamelLab_train.txt"
    test = src / "ANERCorp_CamelLab_test.txt"
    for f in (train, test):
        if not f.exists():
            raise FileNotFoundError(f"{f} not found; expected the CAMeL split of ANERcorp (see shared/corpora)")
    sentences = [s for s in train.read_text(encoding="utf-8").split("\n\n") if s.strip()]
    cut = int(len(sentences) * (1 - dev_fraction))
    out.mkdir(parents=True, exist_ok=True)
    (out / "train.txt").write_text("\n\n".join(sentences[:cut]) + "\n\n", encoding="utf-8")
    (out / "dev.txt").write_text("\n\n".join(sentences[cut:]) + "\n\n", encoding="utf-8")
    return {"train": cut, "dev": len(sentences) - cut}


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--src", type=Path, default=Path(__file__).resolve().parents[2] / "shared/corpora/anercorp")
    ap.add_argument("--out", type=Path, required=True)
    print(split(**vars(ap.parse_args())))
