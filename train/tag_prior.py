"""Choose the weight of a checkpoint's tag prior on dev (``war-ner calibrate-decoding``, and the end of training).

The prior (``model/decoding.py``: tag bigrams of the training corpus) is fitted on the training split and weighed
against the classifier's own word distributions; how much it should count depends on how sharp those are, so the
weight is picked per folder and engine (an int8 export's distributions are flatter than its torch checkpoint's)."""
from __future__ import annotations

from typing import Sequence

from seqeval.metrics import f1_score
from seqeval.scheme import IOB2

from model.decoding import TagPrior, constrained_bio
from model.errors import InputError
from model.spans import enforce_span_edges

WEIGHTS = (0.0, 0.25, 0.5, 0.75, 1.0)


def calibrate_tag_prior(predictor, train: Sequence, dev: Sequence, weights: Sequence[float] = WEIGHTS,
                        train_where: str = "", dev_where: str = "") -> TagPrior:
    """The prior fitted on ``train`` examples (words + gold tags) with the weight that maximises strict F1 on
    ``dev`` when ``predictor`` decodes with it; ties go to the smaller weight (0 when the prior does not help).
    The curve is kept in the prior's ``info``. ``predictor.tag_prior`` is left as it was."""
    labels = [predictor.id2label[i] for i in range(len(predictor.id2label))]
    unknown = sorted({t for e in train for t in e.tags} - set(labels))
    if unknown:
        raise InputError(f"training tags {unknown[:5]} are not labels of the model ({len(labels)} labels)",
                         where=train_where, expected="the corpus the model was trained on",
                         fix="pass the checkpoint's own training and dev files")
    dev = [e for e in dev if e.words]
    if not dev:
        raise InputError("no dev sentence", where=dev_where, expected="a dev file with annotated sentences")
    prior = TagPrior.fit((e.tags for e in train), labels)
    saved, predictor.tag_prior = predictor.tag_prior, None
    try:
        dists = [row[2] for row in predictor.predict_word_distributions([e.words for e in dev])]
    finally:
        predictor.tag_prior = saved
    gold = [e.tags for e in dev]
    curve = {}
    for w in weights:
        weighed = prior.with_weight(w)
        pred = [enforce_span_edges(e.words, [labels[i] for i in constrained_bio(d, labels, weighed)])
                for e, d in zip(dev, dists)]
        curve[w] = round(float(f1_score(gold, pred, mode="strict", scheme=IOB2, zero_division=0)), 4)
    best = min(weights, key=lambda w: (-curve[w], w))
    return prior.with_weight(best, {"engine": predictor.engine, "dev_sentences": len(dev),
                                    "dev_f1_by_weight": {str(w): f for w, f in curve.items()}})
