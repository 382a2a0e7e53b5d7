"""Training the event heads (``model/event_heads.py``) with the token classifier, on the incident layer.

Labels come from ``layers/incidents.jsonl``:
- a sentence's incident target is the set of event types of the (non-background) incidents that cite it: all
  zeros for a sentence of an annotated report that reports none, ignored for sentences only in background
  incidents and for reports outside the layer;
- a word's role target is ``side1`` / ``side2`` for the words of a FACTION span that an incident lists in
  actor1/assoc_actor1 or actor2/assoc_actor2, ``place`` for a LOCATION span in its location, ``none`` for the
  other FACTION and LOCATION words of annotated reports; every other word is ignored (-100).
Augmented copies (entity swap, proclitic gluing) keep their mentions in the same order, so they inherit the
targets of the sentence they were made from.
"""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Optional, Sequence

import torch
from torch import nn

from model.event_heads import HEADS_CONFIG, HEADS_WEIGHTS, INCIDENT_TYPES, ROLES
from model.spans import Entity

if TYPE_CHECKING:
    from train.config import RunConfig

IGNORE = -100


def _span_key(sentence: str, sp: dict) -> tuple[str, int, int]:
    return sentence, sp["start"], sp["end"]


def head_targets(docs: Sequence, layer: Sequence[dict]) -> dict[str, tuple[Optional[list[float]], list[int]]]:
    """For each sentence id of ``docs`` in an annotated report: (incident target or None, one role per entity)."""
    annotated = {r["doc"] for r in layer}
    types: dict[str, set] = {}
    background: set[str] = set()
    roles: dict[tuple, str] = {}
    for inc in layer:
        if inc.get("none"):
            continue
        for s in inc["sentences"]:
            if inc.get("background"):
                background.add(s)
            else:
                types.setdefault(s, set()).add(inc["event_type"])
        if inc.get("background"):
            continue
        for key, role in (("actor1", "side1"), ("assoc_actor1", "side1"), ("actor2", "side2"),
                          ("assoc_actor2", "side2"), ("location", "place")):
            for sp in inc.get(key, []):
                if sp != "civilians":
                    roles.setdefault(_span_key(sp["sentence"], sp), role)
    out: dict[str, tuple[Optional[list[float]], list[int]]] = {}
    for d in docs:
        if d.meta.get("doc") not in annotated:
            continue
        if d.id in types:
            target: Optional[list[float]] = [float(t in types[d.id]) for t in INCIDENT_TYPES]
        elif d.id in background:
            target = None
        else:
            target = [0.0] * len(INCIDENT_TYPES)
        ent_roles = [ROLES.index(roles.get((d.id, e.start, e.end), "none")) if e.label in ("FACTION", "LOCATION")
                     else IGNORE for e in d.entities]
        out[d.id] = (target, ent_roles)
    return out


def word_roles(words: Sequence, entities: Sequence[Entity], ent_roles: Sequence[int]) -> list[int]:
    """One role id per word (IGNORE outside the labelled mentions)."""
    out = [IGNORE] * len(words)
    for e, r in zip(entities, ent_roles):
        if r == IGNORE:
            continue
        for i, w in enumerate(words):
            if e.start <= w.start and w.end <= e.end:
                out[i] = r
    return out


def default_sub_types(layer: Sequence[dict]) -> dict[str, str]:
    """The most frequent sub-event type of each event type in the training layer (used when the head retypes)."""
    counts: dict[str, Counter] = {}
    for inc in layer:
        if not inc.get("none"):
            counts.setdefault(inc["event_type"], Counter())[inc["sub_event_type"]] += 1
    return {t: c.most_common(1)[0][0] for t, c in counts.items()}


class WithEventHeads(nn.Module):
    """A token classifier plus the incident and role heads; ``loss`` adds the heads' losses times ``weight``."""

    def __init__(self, ner, weight: float = 0.5, dropout: float = 0.1):
        super().__init__()
        hidden = ner.config.hidden_size
        self.ner = ner
        self.incident = nn.Linear(hidden, len(INCIDENT_TYPES))
        self.role = nn.Linear(hidden, len(ROLES))
        self.dropout = nn.Dropout(dropout)
        self.weight = weight

    def forward(self, input_ids, attention_mask, labels=None, incident=None, incident_mask=None, roles=None):
        out = self.ner(input_ids=input_ids, attention_mask=attention_mask, labels=labels, output_hidden_states=True)
        h = out.hidden_states[-1]
        m = attention_mask.unsqueeze(-1).to(h.dtype)
        pooled = (h * m).sum(1) / m.sum(1).clamp(min=1.0)
        inc_logits = self.incident(self.dropout(pooled))
        role_logits = self.role(self.dropout(h))
        loss = out.loss
        if loss is not None and incident is not None:
            extra = torch.zeros((), dtype=h.dtype, device=h.device)
            if incident_mask is not None and incident_mask.any():
                extra = extra + nn.functional.binary_cross_entropy_with_logits(
                    inc_logits[incident_mask], incident[incident_mask])
            if roles is not None and (roles != IGNORE).any():
                extra = extra + nn.functional.cross_entropy(role_logits.reshape(-1, len(ROLES)), roles.reshape(-1),
                                                            ignore_index=IGNORE)
            loss = loss + self.weight * extra
        out.loss = loss
        return out


def numpy_heads(model: WithEventHeads, threshold: float = 0.5, layer: Sequence[dict] = ()):
    """The inference-side ``EventHeads`` of an in-memory model."""
    from model.event_heads import EventHeads

    def arr(t):
        return t.detach().float().cpu().numpy()

    return EventHeads(arr(model.incident.weight).T.copy(), arr(model.incident.bias), arr(model.role.weight).T.copy(),
                      arr(model.role.bias), threshold, default_sub_types(layer))


def calibrate_threshold(predictor, docs: Sequence, layer: Sequence[dict]) -> tuple[float, dict]:
    """The incident threshold that maximises sentence-level incident F1 on ``docs`` (dev), and the curve.

    A sentence is positive when an incident (not background) cites it; its score is its highest type
    probability. Ties go to the higher threshold (fewer records on text that reports nothing)."""
    from model.words import split_words

    targets = head_targets(docs, layer)
    chosen = [d for d in docs if d.id in targets and targets[d.id][0] is not None]
    if not chosen:
        return 0.5, {}
    rows = predictor._analyse([[w.text for w in split_words(d.text)] for d in chosen], hidden=True)
    scores = [float(predictor.heads.incident_probs(r[2][None])[0].max()) for r in rows]
    gold = [max(targets[d.id][0]) > 0 for d in chosen]
    curve = {}
    for k in range(5, 100, 5):
        th = k / 100
        tp = sum(1 for s, g in zip(scores, gold) if s >= th and g)
        fp = sum(1 for s, g in zip(scores, gold) if s >= th and not g)
        fn = sum(1 for s, g in zip(scores, gold) if s < th and g)
        curve[th] = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    best = max(curve, key=lambda th: (curve[th], th))
    return best, curve


def save_heads(model: WithEventHeads, folder: Path, layer: Sequence[dict], threshold: float) -> None:
    """Write the heads beside the token classifier (``event_heads.safetensors`` + ``event_heads.json``)."""
    from safetensors.torch import save_file

    weights = {f"{name}.{k}": v.detach().cpu().contiguous() for name in ("incident", "role")
               for k, v in getattr(model, name).state_dict().items()}
    save_file(weights, str(folder / HEADS_WEIGHTS))
    (folder / HEADS_CONFIG).write_text(json.dumps({
        "incident_types": list(INCIDENT_TYPES), "roles": list(ROLES), "threshold": threshold,
        "default_sub_types": default_sub_types(layer),
    }, indent=2, ensure_ascii=False), encoding="utf-8")


def tagger(model):
    """The token classifier inside a model that may carry the event heads."""
    return getattr(model, "ner", model)


def head_rows(cfg: "RunConfig", docs: Sequence) -> tuple[list, Optional[list]]:
    """The incident layer and, per training record, the event heads' targets ``(incident target or None, word
    roles or None)``; ``([], None)`` unless ``model.event_heads``."""
    if not cfg.model.event_heads:
        return [], None
    from model.words import split_words
    from train.incidents import read_layer

    layer, problems = read_layer(cfg.data.incidents)
    if problems:
        raise ValueError(f"{len(problems)} problem(s) in {cfg.data.incidents}; run `war-ner validate`:\n"
                         + "\n".join(map(str, problems[:10])))
    targets = head_targets([d for d in docs if "augmented_from" not in d.meta], layer)
    rows = []
    for d in docs:
        target, roles = targets.get(d.meta.get("augmented_from", d.id), (None, None))
        if roles is not None and len(roles) != len(d.entities):
            target, roles = None, None  # an augmented copy whose mentions no longer line up: no head targets
        rows.append((target, word_roles(split_words(d.text), d.entities, roles) if roles else None))
    return layer, rows
