"""Word tags from word label distributions: the best tag sequence that is valid BIO (constrained Viterbi).

Taking each word's most likely tag alone can give ``B-LOCATION I-FACTION`` or an ``I-X`` after ``O``, which the
span decoder must then cut into pieces. The best *valid* sequence (an ``I-X`` only after ``B-X`` or ``I-X``) keeps a
name whole when the model hesitates on one word's type. Same inputs on every engine, so torch and ONNX agree.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Sequence

import numpy as np

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


def constrained_bio(dists: np.ndarray, labels: Sequence[str]) -> list[int]:
    """Label ids of the most probable valid BIO sequence for a words x labels probability array
    (``labels[i]`` names column ``i``).

    >>> labels = ["O", "B-LOC", "I-LOC", "B-FAC", "I-FAC"]
    >>> p = np.array([[.1, .6, 0, .3, 0], [.1, 0, .4, 0, .5]])   # argmax alone: B-LOC I-FAC
    >>> [labels[i] for i in constrained_bio(p, labels)]
    ['B-LOC', 'I-LOC']
    """
    n = len(dists)
    if n == 0:
        return []
    trans, start = _transitions(tuple(labels))
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
