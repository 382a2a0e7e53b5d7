"""Thin wrapper: the benchmark lives in the package (``train/bench/``); ``war-ner bench`` is the same command.

    python scripts/bench.py --model outputs/e5-offline/model --data data/annotations --out bench.json
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

from train.bench.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
