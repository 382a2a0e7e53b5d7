"""Learned event heads on the fine-tuned encoder: what the rules cannot know.

Two small linear layers read the token classifier's last hidden states (they are trained with it, on the incident
layer, by ``war-ner train`` when ``model.event_heads`` is on) and are saved beside it in the checkpoint folder as
``event_heads.safetensors`` + ``event_heads.json``; the token classifier itself stays a plain
``AutoModelForTokenClassification``. At inference they run in numpy on the hidden states that the torch or the
ONNX runner returns with the logits:

- the **incident head** (one sigmoid per event type, on the mean of a sentence's hidden states): does this sentence
  report an incident, and of which type? No type above the threshold = no incident;
- the **role head** (softmax per word of a FACTION or LOCATION mention): ``none`` (mentioned only), ``side1``
  (the initiating side), ``side2`` (the other side), ``place`` (where the incident happened).

``apply_heads`` then edits the rule-built records: drops those whose sentences report no incident, retypes them
(the rules' type stands when a sentence of the record says it too), orders actors by side (dropping those only
mentioned; a battle gets two sides; allies, conjuncts and sources are read from the words around them by
``model.events.sides``) and puts the incident's own place first (``model.events.places``). Last, over
the report: a headline's retelling is dropped (``model.events.headline``), records of one incident are merged
(``model.events.merge``) and a record whose place is one of a list becomes one record per place
(``model.events.split``).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Sequence

import numpy as np

from model.events.classify import _territory_sub, sub_event_type_for
from model.events.headline import drop_headlines
from model.events.merge import merge_records
from model.events.places import order_places
from model.events.sides import after_between, between_pair, demote_sources, is_ally, is_conjunct
from model.events.split import split_by_place

HEADS_WEIGHTS = "event_heads.safetensors"
HEADS_CONFIG = "event_heads.json"
INCIDENT_TYPES = ("battle", "explosion_remote_violence", "violence_against_civilians", "strategic_development",
                  "other")
ROLES = ("none", "side1", "side2", "place")
_ROLE_OF = {"side1": "attacker", "side2": "target"}
_VIOLENT = ("battle", "explosion_remote_violence", "violence_against_civilians")
_TERRITORIAL = ("Government regains territory", "Non-state actor overtakes territory")


@dataclass
class EventHeads:
    """The heads' weights (numpy) and what training recorded about them."""

    incident_w: np.ndarray  # (hidden, types)
    incident_b: np.ndarray
    role_w: np.ndarray  # (hidden, roles)
    role_b: np.ndarray
    threshold: float = 0.5
    default_sub_types: Optional[dict] = None

    @classmethod
    def load(cls, model_dir: str | Path) -> Optional["EventHeads"]:
        """The heads of a checkpoint (or ONNX) folder, or None when it has none."""
        model_dir = Path(model_dir)
        if not (model_dir / HEADS_WEIGHTS).exists():
            return None
        from safetensors.numpy import load_file

        w = load_file(str(model_dir / HEADS_WEIGHTS))
        cfg = json.loads((model_dir / HEADS_CONFIG).read_text(encoding="utf-8"))
        if tuple(cfg.get("incident_types", ())) != INCIDENT_TYPES or tuple(cfg.get("roles", ())) != ROLES:
            raise ValueError(f"{model_dir / HEADS_CONFIG}: heads for types {cfg.get('incident_types')} and roles "
                             f"{cfg.get('roles')}; expected {INCIDENT_TYPES} and {ROLES}; retrain the checkpoint")
        # torch Linear stores (out, in): transposed once here so inference is x @ w
        return cls(w["incident.weight"].T.copy(), w["incident.bias"], w["role.weight"].T.copy(), w["role.bias"],
                   float(cfg.get("threshold", 0.5)), cfg.get("default_sub_types") or {})

    def incident_probs(self, pooled: np.ndarray) -> np.ndarray:
        """(sentences, hidden) -> (sentences, types) probabilities."""
        return 1.0 / (1.0 + np.exp(-(pooled @ self.incident_w + self.incident_b)))

    def role_probs(self, words: np.ndarray) -> np.ndarray:
        """(words, hidden) -> (words, roles) probabilities."""
        z = words @ self.role_w + self.role_b
        z = z - z.max(axis=-1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=-1, keepdims=True)


@dataclass
class HeadOutputs:
    """What the heads say about one report: per sentence (char bounds, type probabilities), per word (char bounds,
    role probabilities)."""

    sentences: list[tuple[int, int, np.ndarray]]
    words: list[tuple[int, int, np.ndarray]]
    text: Optional[str] = None  # the report the offsets index: with it, records of one incident are merged


def _mean_role(out: HeadOutputs, start: int, end: int) -> Optional[np.ndarray]:
    probs = [p for s, e, p in out.words if start <= s and e <= end]
    return np.mean(probs, axis=0) if probs else None


def _sided_actors(rec, out: HeadOutputs) -> list:
    """The record's actors with the role head's side (those only mentioned dropped), attackers first.

    A battle has two sides: when the head puts every actor on side 1 ("اشتباكات بين X و Y" reads as two
    initiators), the one it finds most like side 2 goes there."""
    actors, side2 = [], {}
    for m in rec.actors:
        p = _mean_role(out, m.start, m.end)
        if p is None:
            actors.append(m)
            continue
        side = ROLES[int(np.argmax(p[:3]))]
        if side in _ROLE_OF:
            m.role = _ROLE_OF[side]
            actors.append(m)
            side2[id(m)] = float(p[ROLES.index("side2")])
    allies, bound = _side_by_context(actors, out.text, rec.event_type.value in _VIOLENT)
    attackers = [m for m in actors if m.role == "attacker"]
    pair = between_pair(actors, out.text) if rec.event_type.value == "battle" else None
    if pair is not None and (pair[0].role == pair[1].role or pair[2]):
        pair[0].role, pair[1].role = "attacker", "target"  # "بين X و Y": one side each, X first
        for m in pair[2]:
            m.role = "attacker"  # X's allies named before "من جهة"
    elif rec.event_type.value == "battle" and len(attackers) == len(actors):
        # allies and conjuncts ("قوات النظام وحزب الله") are on their actor's side: the other side is unnamed
        free = [m for m in attackers[1:] if id(m) not in bound]
        if len({m.value for m in attackers if id(m) not in bound}) > 1 and free:
            max(free, key=lambda m: side2.get(id(m), 0.0)).role = "target"
    if out.text:
        actors = demote_sources(actors, out.text)
    # an ally is associated with the side it supports: after that side's own actor
    return sorted(actors, key=lambda m: (m.role != "attacker", id(m) in allies))


def _side_by_context(actors: list, text: Optional[str], violent: bool = True) -> tuple[set[int], set[int]]:
    """Allies take the side of the actor they support and conjuncts the side of the actor before them
    (``model.events.sides``), whatever the head said of each word; returns the allies' ids and the ids of
    both (bound to another actor's side). Conjuncts only in violent records: "توصل X وY إلى اتفاق" names the
    two parties of an agreement."""
    if not text:
        return set(), set()
    ordered = sorted(actors, key=lambda m: m.start)
    allies: set[int] = set()
    bound: set[int] = set()
    for i, m in enumerate(ordered):
        supported = next((o for o in reversed(ordered[:i]) if id(o) not in allies and o.role), None)
        if is_ally(m, text):
            allies.add(id(m))
            m.role = supported.role if supported is not None else "attacker"
            bound.add(id(m))
        elif violent and i and is_conjunct(m, ordered[i - 1], text) and not after_between(ordered[i - 1], text):
            m.role = ordered[i - 1].role
            bound.add(id(m))
            if id(ordered[i - 1]) in allies:
                allies.add(id(m))
    return allies, bound


def _placed_first(locations: list, out: HeadOutputs) -> list:
    """Locations the role head calls the incident's place first (``model.events.places.order_places``).

    The head's confidence is read as yes/no, not ranked: two places it is sure of ("على حي الهضبة وسوق الجمعة")
    keep the text's order; among places it doubts, datelines and regions go last."""
    def placed(m) -> bool:
        p = _mean_role(out, m.start, m.end)
        return p is not None and float(p[ROLES.index("place")]) >= 0.5

    return order_places(locations, out.text, placed)


def _learned_type(rule: str, probs: Sequence[np.ndarray], threshold: float) -> str:
    """The record's type from its sentences' probabilities: the rules' own type when a sentence of the record
    says it too (a record often spans the clash and the shelling told inside it: the head sees each sentence
    alone, the rules see which word opened the record); else the type of the first sentence that reports an
    incident (the one the record opens on), not the most confident sentence anywhere in it."""
    if any(p[INCIDENT_TYPES.index(rule)] >= threshold for p in probs) if rule in INCIDENT_TYPES else False:
        return rule
    first = next((p for p in probs if p.max() >= threshold), probs[0])
    return INCIDENT_TYPES[int(first.argmax())]


def apply_heads(records: Sequence, out: HeadOutputs, heads: EventHeads) -> list:
    """Edit rule-built records with the heads' view (records are changed in place and the kept ones returned)."""
    kept = []
    for rec in records:
        probs = [p for s, e, p in out.sentences if rec.start < e and s < rec.end]
        if not probs:
            kept.append(rec)
            continue
        best = np.max(probs, axis=0)
        if best.max() < heads.threshold:
            continue  # the sentences report no incident: a trigger word alone does not make an event
        learned = _learned_type(rec.event_type.value, probs, heads.threshold)
        if learned != rec.event_type.value:
            rec.event_type.value = learned
            # the rules still know which kind of that type the record's words say ("قصف مدفعي": shelling)
            rec.event_type.sub_event_type = sub_event_type_for(rec, learned) or (
                heads.default_sub_types or {}).get(learned)
        rec.actors = _sided_actors(rec, out)
        if rec.event_type.sub_event_type in _TERRITORIAL and any(m.role == "attacker" for m in rec.actors):
            # who took the ground is read from the sides as the head now has them, not the rules' first guess
            rec.event_type.sub_event_type = _territory_sub(rec.actors)
        rec.locations = _placed_first(rec.locations, out)
        kept.append(rec)
    # merged first: a list of places is often named once the incident's sentences are one record
    return split_by_place(merge_records(drop_headlines(kept, out.text), out.text))
