"""Constrained BIO decoding: the best valid tag sequence, checked against brute force."""
import itertools

import numpy as np
import pytest

from model.decoding import TagPrior, constrained_bio

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


# ------------------------------------------------------------------ the tag prior (bigrams weighed on dev)

PER = ["O", "B-PER", "I-PER"]


def test_prior_counts_bigrams_with_smoothing():
    prior = TagPrior.fit([["B-PER", "I-PER", "O"], ["B-PER", "I-PER"]], PER)
    rows = np.exp(prior.trans).sum(axis=1)
    assert np.allclose(rows, 1.0) and np.isclose(np.exp(prior.start).sum(), 1.0)
    # B-PER was followed by I-PER twice, by nothing else: (2+1)/(2+3)
    assert np.isclose(np.exp(prior.trans[1, 2]), 3 / 5)


def test_prior_keeps_a_name_whole_only_at_its_weight():
    # the word after a first name leans to a new B-PER (0.55 vs 0.45): argmax splits "غسان | مخيبر"
    dists = np.array([[0.05, 0.9, 0.05], [0.0, 0.55, 0.45]])
    prior = TagPrior.fit([["B-PER", "I-PER"]] * 20 + [["O", "O"]] * 20, PER)
    assert [PER[i] for i in constrained_bio(dists, PER)] == ["B-PER", "B-PER"]
    assert [PER[i] for i in constrained_bio(dists, PER, prior)] == ["B-PER", "B-PER"]  # weight 0: no change
    assert [PER[i] for i in constrained_bio(dists, PER, prior.with_weight(1.0))] == ["B-PER", "I-PER"]


def test_prior_file_round_trip_and_errors(tmp_path):
    prior = TagPrior.fit([["B-PER", "I-PER"]], PER, weight=0.5).with_weight(0.5, {"engine": "onnx"})
    prior.save(tmp_path)
    back = TagPrior.load(tmp_path)
    assert back.labels == tuple(PER) and back.weight == 0.5 and back.info == {"engine": "onnx"}
    assert np.allclose(back.trans, prior.trans, atol=1e-4)
    assert TagPrior.load(tmp_path / "none") is None
    with pytest.raises(ValueError, match="labels"):
        constrained_bio(np.ones((2, 5)) / 5, LABELS, back)
    (tmp_path / "tag_prior.json").write_text('{"labels": ["O"], "trans": [[0, 1]], "start": [0]}', encoding="utf-8")
    with pytest.raises(ValueError, match=r"tag_prior\.json: a tag prior needs .*trans \(1, 2\).*calibrate-decoding"):
        TagPrior.load(tmp_path)


class _Stub:
    """A predictor that returns fixed word distributions."""

    def __init__(self, dists):
        self.id2label = dict(enumerate(PER))
        self.engine, self.tag_prior, self.dists = "stub", "kept", dists

    def predict_word_distributions(self, sentences):
        assert self.tag_prior is None  # calibration reads the distributions without any prior
        return [(None, None, d) for d in self.dists]


def test_calibration_picks_the_weight_dev_prefers_and_zero_when_it_does_not_help():
    from train.data import Example
    from train.tag_prior import calibrate_tag_prior

    train = [Example("t", ["a", "b"], ["B-PER", "I-PER"])] * 5
    split = np.array([[0.05, 0.9, 0.05], [0.0, 0.55, 0.45]])
    dev = [Example("d", ["غسان", "مخيبر"], ["B-PER", "I-PER"])]
    stub = _Stub([split])
    prior = calibrate_tag_prior(stub, train, dev)
    assert prior.weight > 0 and stub.tag_prior == "kept"
    assert prior.info["dev_f1_by_weight"]["0.0"] == 0.0 and prior.info["dev_f1_by_weight"][str(prior.weight)] == 1.0
    # two one-word names side by side: the prior can only hurt, so the weight stays 0
    dev2 = [Example("d", ["غسان", "مخيبر"], ["B-PER", "B-PER"])]
    assert calibrate_tag_prior(_Stub([np.array([[0, 0.9, 0.1], [0, 0.9, 0.1]])]), train, dev2).weight == 0.0
    with pytest.raises(ValueError, match=r"training tags \['B-LOC'\] are not labels of the model"):
        calibrate_tag_prior(stub, [Example("t", ["x"], ["B-LOC"])], dev)


def test_training_writes_the_prior_and_the_command_recalibrates_a_copy(tiny_checkpoint, tiny_corpus, tmp_path,
                                                                       capsys):
    import json
    import shutil

    from model.predictor import Predictor
    from train.cli import main

    assert (tiny_checkpoint / "tag_prior.json").exists()
    assert "dev_f1_by_weight" in json.loads((tiny_checkpoint / "metrics.json").read_text())["tag_prior"]
    model = tmp_path / "model"
    shutil.copytree(tiny_checkpoint, model)
    (model / "tag_prior.json").unlink()
    args = ["calibrate-decoding", "--model", str(model), "--train", str(tiny_corpus / "train.jsonl"),
            "--dev", str(tiny_corpus / "dev.jsonl")]
    assert main(args) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["written"] == str(model / "tag_prior.json") and set(out["dev_f1_by_weight"]) == {
        "0.0", "0.25", "0.5", "0.75", "1.0"}
    assert Predictor.from_pretrained(model).tag_prior.weight == out["weight"]
    bad = tmp_path / "other.jsonl"
    bad.write_text('{"id": "x-1", "text": "في حلب", "entities": [{"start": 3, "end": 6, "label": "CITY", '
                   '"text": "حلب"}]}\n', encoding="utf-8")
    assert main(args[:3] + ["--train", str(bad)] + args[5:]) == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]  # after the weights' loading bar
    assert err.startswith(f"war-ner calibrate-decoding: error: {bad}: training tags ['B-CITY'] are not labels")
