"""Writing a model folder whole or not at all: build it in a private sibling temp folder, then rename it into
place, so a reader (or a concurrent build) never sees a half-written folder."""
from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Callable


def dump_json(path: Path, obj: object) -> None:
    """Write ``obj`` as sorted, indented UTF-8 JSON (deterministic bytes for the same content)."""
    path.write_text(json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")


def check_target(out_dir: Path, overwrite: bool) -> None:
    """Refuse an existing ``out_dir`` unless ``overwrite``: checked before the slow work, and again at the rename."""
    if out_dir.exists() and not overwrite:
        raise FileExistsError(f"{out_dir} already exists; pass overwrite=True to replace it, or remove it")


def write_folder(out_dir: Path, overwrite: bool, write: Callable[[Path], None]) -> None:
    """Fill a temp folder next to ``out_dir`` with ``write(tmp)``, then rename it into place; on any failure
    nothing is left behind and a previous ``out_dir`` stays as it was."""
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=out_dir.parent))
    try:
        write(tmp)
        _publish(tmp, out_dir, overwrite)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def _publish(tmp: Path, out_dir: Path, overwrite: bool) -> None:
    """Move a finished temp folder into place; readers never see a half-written folder."""
    # mkdtemp makes the folder private (0700); give the result the modes a plain mkdir/open would.
    mask = os.umask(0)
    os.umask(mask)
    os.chmod(tmp, 0o777 & ~mask)
    for f in tmp.iterdir():
        os.chmod(f, 0o666 & ~mask)
    if out_dir.exists():
        check_target(out_dir, overwrite)
        trash = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.old-", dir=out_dir.parent))
        os.replace(out_dir, trash / "old")
        os.replace(tmp, out_dir)
        shutil.rmtree(trash, ignore_errors=True)
    else:
        os.replace(tmp, out_dir)
