"""``python -m train.bench``: the same as ``war-ner bench``."""
import sys

from train.bench.cli import main

sys.exit(main())
