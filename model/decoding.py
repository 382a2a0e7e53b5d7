"""Word tags from word label distributions: the best tag sequence that is valid BIO (constrained Viterbi).

Taking each word's most likely tag alone can give ``B-LOCATION I-FACTION`` or an ``I-X`` after ``O``, which the
span decoder must then cut into pieces. The best *valid* sequence (an ``I-X`` only after ``B-X`` or ``I-X``) keeps a
name whole when the model hesitates on one word's type. Same inputs on every engine, so torch and ONNX agree.

A checkpoint may also hold a **tag prior** (``tag_prior.json``): how often each tag follows each other in the
training corpus, added to the scores with a weight chosen on dev for that folder's own engine (0 when it does not
help). A classifier sees words, not the tags it gave the word before; the prior says, for example, that a PERSON
name rarely ends after its first word.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Optional, Sequence

import numpy as np

from model.atomic import atomic_write_text

TAG_PRIOR = "tag_prior.json"

_FORBIDDEN = -1e9


@lru_cache(maxsize=16)
def _transitions(labels: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """(previous x current) additive scores and the start scores: 0 where allowed, a large negative where not.
    Cached: every sentence of a checkpoint has the same label set."""
    inside = [t[2:] if t.startswith("I-") else None for t in labels]
    kinds = [t[2:] if t[:2] in ("B-", "I-") else None for t in labels]
    trans = np.zeros((len(labels), len(labels)), dtype=np.float64)
    for j, kind in enumerate(inside):
        if kind is not None:
            trans[:, j] = [0.0 if kinds[i] == kind else _FORBIDDEN for i in range(len(labels))]
    start = np.array([_FORBIDDEN if k is not None else 0.0 for k in inside])
    return trans, start


@dataclass
class TagPrior:
    """Log-probabilities of a tag after a tag (and of a first tag) in a training corpus, and their weight."""

    labels: tuple[str, ...]
    trans: np.ndarray  # (previous x current) log P(current | previous)
    start: np.ndarray  # log P(first tag)
    weight: float = 0.0
    info: dict = field(default_factory=dict)  # how the weight was chosen (written with it)

    @classmethod
    def fit(cls, sequences: Iterable[Sequence[str]], labels: Sequence[str], weight: float = 0.0) -> "TagPrior":
        """Counts of tag bigrams in ``sequences``, add-one smoothed (a pair never seen is unlikely, not banned:
        the BIO rule alone bans)."""
        index = {t: i for i, t in enumerate(labels)}
        pairs, first = np.ones((len(labels), len(labels))), np.ones(len(labels))
        for tags in sequences:
            ids = [index[t] for t in tags]
            if ids:
                first[ids[0]] += 1
            for a, b in zip(ids, ids[1:]):
                pairs[a, b] += 1
        return cls(tuple(labels), np.log(pairs / pairs.sum(axis=1, keepdims=True)), np.log(first / first.sum()),
                   weight)

    def with_weight(self, weight: float, info: Optional[dict] = None) -> "TagPrior":
        return TagPrior(self.labels, self.trans, self.start, weight, dict(info or self.info))

    def save(self, folder: str | Path) -> Path:
        """Write ``tag_prior.json`` into a checkpoint or ONNX folder (atomically)."""
        path = Path(folder) / TAG_PRIOR
        atomic_write_text(path, json.dumps({"labels": list(self.labels), "weight": self.weight,
                                            "trans": np.round(self.trans, 5).tolist(),
                                            "start": np.round(self.start, 5).tolist(), **self.info},
                                           ensure_ascii=False, indent=1))
        return path

    @classmethod
    def load(cls, folder: str | Path) -> Optional["TagPrior"]:
        """The folder's prior, or None when it has none."""
        path = Path(folder) / TAG_PRIOR
        if not path.exists():
            return None
        raw = json.loads(path.read_text(encoding="utf-8"))
        labels = tuple(raw.get("labels", ()))
        trans, start = np.asarray(raw.get("trans", []), dtype=np.float64), np.asarray(raw.get("start", []))
        if not labels or trans.shape != (len(labels), len(labels)) or start.shape != (len(labels),):
            raise ValueError(f"{path}: a tag prior needs 'labels' and a labels x labels 'trans' and 'start'; found "
                             f"{len(labels)} labels, trans {trans.shape}, start {start.shape}; delete it or rerun "
                             "`war-ner calibrate-decoding`")
        info = {k: v for k, v in raw.items() if k not in ("labels", "weight", "trans", "start")}
        return cls(labels, trans, start, float(raw.get("weight", 0.0)), info)


def constrained_bio(dists: np.ndarray, labels: Sequence[str], prior: Optional[TagPrior] = None) -> list[int]:
    """Label ids of the most probable valid BIO sequence for a words x labels probability array
    (``labels[i]`` names column ``i``), with ``prior``'s tag bigrams added at its weight.

    >>> labels = ["O", "B-LOC", "I-LOC", "B-FAC", "I-FAC"]
    >>> p = np.array([[.1, .6, 0, .3, 0], [.1, 0, .4, 0, .5]])   # argmax alone: B-LOC I-FAC
    >>> [labels[i] for i in constrained_bio(p, labels)]
    ['B-LOC', 'I-LOC']
    """
    n = len(dists)
    if n == 0:
        return []
    trans, start = _transitions(tuple(labels))
    if prior is not None and prior.weight:
        if prior.labels != tuple(labels):
            raise ValueError(f"tag prior for labels {list(prior.labels)}, model labels {list(labels)}; delete "
                             f"{TAG_PRIOR} from the model folder or rerun `war-ner calibrate-decoding`")
        trans, start = trans + prior.weight * prior.trans, start + prior.weight * prior.start
    logp = np.log(np.clip(np.asarray(dists, dtype=np.float64), 1e-12, 1.0))
    score = logp[0] + start
    back = np.zeros((n, len(labels)), dtype=np.int64)
    for k in range(1, n):
        cand = score[:, None] + trans
        back[k] = cand.argmax(axis=0)
        score = cand[back[k], np.arange(len(labels))] + logp[k]
    path = [int(score.argmax())]
    for k in range(n - 1, 0, -1):
        path.append(int(back[k][path[-1]]))
    return path[::-1]
