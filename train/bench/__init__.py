"""The benchmark behind ``war-ner bench``, one module per concern:

- ``texts``: test sentences grouped back into reports, the long reports, entities -> word tags;
- ``system``: CPU model and ISA flags, library versions, threads, peak RSS;
- ``workers``: one inference path in one process (throughput, latency, long reports) and the scaling line;
- ``trainers``: our trainer against a ``run_ner.py``-style ``transformers.Trainer``;
- ``isolation``: every worker in a fresh interpreter; ``checkpoint``: all paths of one checkpoint;
- ``goals``: the thresholds (options) and whether a run meets them; ``report``: the tables; ``run``: the driver;
- ``cli``: the options; ``quant_study``: int8 variants measured against fp32 (a study, not part of a bench run).
"""
from __future__ import annotations

from train.bench.checkpoint import PATHS
from train.bench.goals import Goals
from train.bench.report import format_table
from train.bench.run import run_benchmark

__all__ = ["PATHS", "Goals", "format_table", "run_benchmark"]
