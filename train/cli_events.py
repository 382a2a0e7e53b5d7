"""CLI commands on the inference side: ``extract``, ``events``, ``export-onnx``, ``bench``."""
from __future__ import annotations


def add_commands(sub) -> None:
    """Register the inference-side subcommands (filled in as their modules land)."""
    return None
