"""Checks the commands run on their arguments before any work, so bad input fails in a second with one line.

Each raises a ``model.errors`` error (``war-ner`` prints it and exits 2); none has side effects.
"""
from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from model.errors import InputError, MissingInput, require

CHECKPOINT = "a checkpoint folder written by `war-ner train` or `war-ner export-onnx`"
# any one of these lets transformers (or the ONNX predictor) build the tokenizer
_TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "vocab.txt")


def checkpoint_dir(path: str | os.PathLike, option: str = "--model", expected: str = CHECKPOINT) -> Path:
    """``path`` if it holds a model (``config.json`` and weights), else a one-line error saying what it holds."""
    path = Path(path)
    where = f"{option} {path}"
    if not path.exists():
        raise MissingInput("no such folder", where=where, expected=expected, fix="check the path")
    if not path.is_dir():
        raise MissingInput("is a file", where=where, expected=expected, fix="name the folder that holds config.json")
    config = path / "config.json"
    if not config.is_file():
        raise MissingInput("the folder has no config.json", where=where, expected=expected,
                           fix="name the checkpoint folder itself (for a training run: <output_dir>/model)")
    try:
        ok = isinstance(json.loads(config.read_bytes().decode("utf-8")), dict)
    except (ValueError, OSError):  # ValueError: not UTF-8 or not JSON
        ok = False
    if not ok:
        raise InputError("config.json is not a JSON object", where=where, expected=expected,
                         fix="re-export or retrain the checkpoint")
    weights = [p for p in path.iterdir() if p.name == "model.onnx" or p.name.startswith("pytorch_model")
               or (p.suffix == ".safetensors" and p.name != "event_heads.safetensors")]
    if not weights:
        raise InputError("the folder has no weights (model.safetensors, pytorch_model.bin or model.onnx)",
                         where=where, expected=expected, fix="the run may not have finished; retrain or re-export")
    if not any((path / name).is_file() for name in _TOKENIZER_FILES):
        raise InputError("the folder has no tokenizer (tokenizer.json)", where=where, expected=expected,
                         fix="copy the whole checkpoint folder")
    _check_safetensors(path, where, expected)
    if (path / "model.onnx").is_file():
        _check_onnx(path / "model.onnx", where, expected)
    return path


def _check_onnx(f: Path, where: str, expected: str) -> None:
    """An ONNX folder needs ONNX Runtime, and its graph must parse (0.05 s for e5-small int8)."""
    require("onnxruntime", "onnx", "running an ONNX checkpoint")
    onnx = require("onnx", "onnx", "running an ONNX checkpoint")
    from google.protobuf.message import DecodeError

    try:
        onnx.load(str(f), load_external_data=False)
    except DecodeError as exc:
        raise InputError(f"model.onnx is not a whole ONNX graph ({exc})", where=where, expected=expected,
                         fix="the file is truncated or corrupt: copy it again, or re-export") from None


def _check_safetensors(path: Path, where: str, expected: str) -> None:
    """Open every ``*.safetensors`` header (memory-mapped: 0.1 s for e5-small), so a truncated copy is named here
    rather than failing inside the library after minutes of work."""
    from safetensors import SafetensorError, safe_open

    for f in sorted(path.glob("*.safetensors")):
        try:
            with safe_open(str(f), framework="numpy"):
                pass
        except SafetensorError as exc:
            raise InputError(f"{f.name} is not a whole safetensors file ({exc})", where=where, expected=expected,
                             fix="the file is truncated or corrupt: copy it again, or retrain") from None


def positive_int(value: str) -> int:
    """An ``argparse`` type: an integer of at least 1."""
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"found {value!r}; expected a positive integer") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"found {n}; expected a positive integer")
    return n
