"""The fast path of a checkpoint: its int8 ONNX export kept inside the checkpoint folder (``make run`` writes it).

``Predictor.from_pretrained(folder)`` runs ``folder/onnx-int8`` when it exists and was exported from the weights
now in ``folder`` (a fingerprint of them is stored in its ``onnx_export.json``); a stale export is skipped with a
warning, so retraining in place never silently runs the old model.
"""
from __future__ import annotations

import hashlib
import json
import warnings
from pathlib import Path
from typing import Optional

FAST_PATH_DIR = "onnx-int8"
WEIGHTS = "model.safetensors"
_CHUNK = 1 << 20


def weights_fingerprint(model_dir: str | Path) -> Optional[dict]:
    """Size and a hash of the first and last MiB of the checkpoint's weights (a trained tensor changes both), or
    None without a weights file. Cheap: reading all of a 130 MB file would cost more than loading the model."""
    path = Path(model_dir) / WEIGHTS
    if not path.is_file():
        return None
    size = path.stat().st_size
    digest = hashlib.sha256(str(size).encode())
    with open(path, "rb") as fh:
        digest.update(fh.read(_CHUNK))
        fh.seek(max(size - _CHUNK, 0))
        digest.update(fh.read(_CHUNK))
    return {"file": WEIGHTS, "bytes": size, "sha256_head_tail": digest.hexdigest()}


def fast_path(model_dir: str | Path) -> Optional[Path]:
    """``model_dir/onnx-int8`` when it holds an export of the weights now in ``model_dir``; else None."""
    sub = Path(model_dir) / FAST_PATH_DIR
    if not (sub / "model.onnx").is_file():
        return None
    try:
        recorded = json.loads((sub / "onnx_export.json").read_text(encoding="utf-8")).get("source_weights")
    except (OSError, ValueError):
        recorded = None
    if recorded is None or recorded != weights_fingerprint(model_dir):
        warnings.warn(f"{sub} was not exported from the weights now in {model_dir}; running torch. Re-export with "
                      f"`war-ner export-onnx --model {model_dir} --quantize int8 --out {sub}`", stacklevel=3)
        return None
    return sub
