"""The checkpoint folder downstream apps load: written whole or not at all.

Contents: safetensors weights, tokenizer, ``config.json`` with ``id2label``/``label2id``, the resolved run config
(``training_config.yaml``), ``metrics.json`` and a model card ``README.md``.
"""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Callable, Optional

TYPE_NOTES = {
    "FACTION": "armed actors: armies, militias, armed groups, coalitions",
    "LOCATION": "countries, provinces, towns, villages, neighbourhoods, landmarks, rivers",
    "OPERATION": "named military operations, campaigns and battles",
    "CASUALTY": "figures counting people killed, wounded, captured or missing",
    "DATE": "temporal expressions",
    "PERSON": "named individuals: commanders, officials, spokesmen, victims",
}


def atomic_dir(final: Path, write: Callable[[Path], None]) -> None:
    """Build a folder in a sibling temp dir with ``write(tmp)``, then swap it in place of ``final``.

    A run killed while writing leaves the previous folder untouched (plus a stray ``.tmp-*`` dir at worst).
    """
    final = Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    recover_dir(final)
    tmp = final.parent / f".tmp-{final.name}-{os.getpid()}"
    old = final.parent / f".old-{final.name}-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        write(tmp)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if final.exists():
        os.replace(final, old)
    os.replace(tmp, final)
    shutil.rmtree(old, ignore_errors=True)


def recover_dir(final: Path) -> None:
    """Undo a swap cut short between its two renames: bring the previous folder back into place."""
    final = Path(final)
    if final.exists() or not final.parent.exists():
        return
    olds = sorted(final.parent.glob(f".old-{final.name}-*"), key=lambda p: p.stat().st_mtime)
    if olds:
        os.replace(olds[-1], final)


def model_card(labels: list[str], metrics: dict, config_yaml: str, name: str) -> str:
    """A model card: labels, data, metrics table, how to load, limits."""
    types = sorted({l[2:] for l in labels if l != "O"})
    rows = []
    for split in ("dev", "test"):
        m = metrics.get(split)
        if not m:
            continue
        rows.append(f"| {split} | all | {m['strict']['precision']:.4f} | {m['strict']['recall']:.4f} | "
                    f"{m['strict']['f1']:.4f} | {sum(v['support'] for v in m['strict']['per_type'].values())} |")
        for t, v in m["strict"]["per_type"].items():
            rows.append(f"| {split} | {t} | {v['precision']:.4f} | {v['recall']:.4f} | {v['f1']:.4f} | {v['support']} |")
    type_lines = "\n".join(f"- `{t}`: {TYPE_NOTES.get(t, 'entity type from the training data')}" for t in types)
    return f"""---
language: ar
library_name: transformers
pipeline_tag: token-classification
tags: [ner, arabic, conflict-events]
---
# {name}

Arabic token classifier for conflict reports (BIO tags over words), trained with `war-ner train`.

## Labels
{type_lines}

Tags: {", ".join(f"`{l}`" for l in labels)}.

## Metrics (seqeval, entity level, strict IOB2, micro)
| split | type | precision | recall | F1 | support |
|---|---|---|---|---|---|
{chr(10).join(rows) if rows else "| - | - | - | - | - | - |"}

## Load it
```python
from transformers import AutoModelForTokenClassification, AutoTokenizer, pipeline
model = AutoModelForTokenClassification.from_pretrained("PATH")
tok = AutoTokenizer.from_pretrained("PATH")
ner = pipeline("token-classification", model="PATH")
```
For offsets into your original text, word-level decoding and event records, use the toolkit:
`from model.predictor import Predictor; Predictor.from_pretrained("PATH").predict(texts)`.

## Limits
- Trained on a small hand-written corpus of monitor-style reports (Syria, Iraq, Yemen, Libya, Sudan, Somalia);
  other registers (social media, dialect) are out of domain.
- Labels sit on the first sub-word of each word (the corpus word rule: punctuation is its own word, clitics stay
  on their word); `pipeline(aggregation_strategy="simple")` aggregates sub-words differently and scores lower.

## Training config
```yaml
{config_yaml}```
"""


def save_checkpoint(out_dir: Path, model, tokenizer, config_yaml: str, metrics: dict, name: str,
                    extra: Optional[Callable[[Path], None]] = None) -> None:
    """Write the whole checkpoint folder atomically (``extra(folder)`` adds files, such as the event heads)."""
    labels = [model.config.id2label[i] for i in range(len(model.config.id2label))]

    def write(tmp: Path) -> None:
        model.save_pretrained(tmp, safe_serialization=True)
        tokenizer.save_pretrained(tmp)
        (tmp / "training_config.yaml").write_text(config_yaml, encoding="utf-8")
        (tmp / "metrics.json").write_text(json.dumps(metrics, indent=2, ensure_ascii=False), encoding="utf-8")
        (tmp / "README.md").write_text(model_card(labels, metrics, config_yaml, name), encoding="utf-8")
        if extra is not None:
            extra(tmp)

    atomic_dir(out_dir, write)
