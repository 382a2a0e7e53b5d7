"""Where a training run's log lines go: the console gets the run's own progress lines, the run's log file gets
everything, accelerate's per-save chatter ("[RANK 0] Saving current state to ...", "Model weights saved in ...")
included."""
from __future__ import annotations

import contextlib
import logging
from pathlib import Path
from typing import Iterator, Optional

FORMAT = "%(asctime)s %(message)s"


@contextlib.contextmanager
def run_logging(log_file: Optional[Path], main: bool, append: bool = False) -> Iterator[None]:
    """Route logging for one run: ``war_ner`` INFO lines to the console (main process) and to ``log_file``;
    accelerate's INFO lines to ``log_file`` only, its warnings to the console as well. ``log_file`` is written by
    the main process (``append`` on resume); everything is put back as it was when the block ends."""
    logging.basicConfig(level=logging.INFO if main else logging.WARNING, format=FORMAT)
    ours, accel = logging.getLogger("war_ner"), logging.getLogger("accelerate")
    saved = (ours.level, accel.level, accel.propagate)
    console = logging.StreamHandler()
    console.setLevel(logging.WARNING)
    console.setFormatter(logging.Formatter(FORMAT))
    handlers: list[tuple[logging.Logger, logging.Handler]] = [(accel, console)]
    if main and log_file is not None:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        to_file = logging.FileHandler(log_file, mode="a" if append else "w", encoding="utf-8")
        to_file.setFormatter(logging.Formatter(FORMAT))
        handlers += [(ours, to_file), (accel, to_file)]
    ours.setLevel(logging.INFO if main else logging.WARNING)
    # accelerate logs each save at INFO through the root logger; stop it there so the console stays readable.
    accel.setLevel(logging.INFO)
    accel.propagate = False
    for logger, handler in handlers:
        logger.addHandler(handler)
    try:
        yield
    finally:
        for logger, handler in handlers:
            logger.removeHandler(handler)
            handler.close()
        ours.setLevel(saved[0])
        accel.setLevel(saved[1])
        accel.propagate = saved[2]
