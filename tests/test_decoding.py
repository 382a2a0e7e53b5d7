"""Constrained BIO decoding: the best valid tag sequence, checked against brute force."""
import itertools

import numpy as np
import pytest

from model.decoding import constrained_bio

LABELS = ["O", "B-LOC", "I-LOC", "B-FAC", "I-FAC"]


def _valid(tags):
    prev = "O"
    for t in tags:
        if t.startswith("I-") and prev[2:] != t[2:]:
            return False
        prev = t
    return True


def _joint(dists, path):
    return float(np.sum(np.log(np.clip([dists[k, i] for k, i in enumerate(path)], 1e-12, 1))))


@pytest.mark.parametrize("seed", range(20))
def test_best_valid_sequence_equals_brute_force(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 5))
    dists = rng.dirichlet(np.ones(len(LABELS)) * 0.5, size=n)
    got = constrained_bio(dists, LABELS)
    assert _valid([LABELS[i] for i in got])
    best = max((p for p in itertools.product(range(len(LABELS)), repeat=n) if _valid([LABELS[i] for i in p])),
               key=lambda p: _joint(dists, p))
    assert _joint(dists, got) == pytest.approx(_joint(dists, best))
    argmax = list(dists.argmax(1))
    if _valid([LABELS[i] for i in argmax]):  # nothing to repair: the word-by-word choice stands
        assert got == argmax


def test_a_hesitant_word_keeps_the_name_whole():
    # argmax alone gives B-LOC I-FAC (a type switch inside a name): the best valid reading is B-LOC I-LOC
    switch = np.array([[0.0, 0.6, 0.0, 0.4, 0.0], [0.1, 0.0, 0.4, 0.0, 0.5]])
    assert [LABELS[i] for i in constrained_bio(switch, LABELS)] == ["B-LOC", "I-LOC"]
    # argmax alone gives O I-LOC (a name opened by an I-): the name gets its first word
    opened = np.array([[0.6, 0.4, 0.0, 0.0, 0.0], [0.1, 0.0, 0.9, 0.0, 0.0]])
    assert [LABELS[i] for i in constrained_bio(opened, LABELS)] == ["B-LOC", "I-LOC"]
    assert constrained_bio(np.zeros((0, len(LABELS))), LABELS) == []
