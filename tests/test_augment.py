"""Entity-swap augmentation: exact offsets, untouched context, train split only, deterministic."""
from __future__ import annotations

import logging
import re

import pytest

from tests.conftest import REPO, corpus_overrides

CORPUS_TRAIN = REPO / "data" / "annotations" / "train.jsonl"


def _gaps(doc) -> list[str]:
    """The text between and around a record's spans, in order."""
    out, cursor = [], 0
    for e in sorted(doc.entities, key=lambda x: x.start):
        out.append(doc.text[cursor:e.start])
        cursor = e.end
    return out + [doc.text[cursor:]]


@pytest.fixture(scope="module")
def corpus_docs():
    from train.data import load_any

    return load_any([CORPUS_TRAIN])


def test_swapped_records_are_exact_and_keep_their_context(corpus_docs):
    from train.augment import mention_pool, swap_entities, swappable
    from train.config import AUGMENT_TYPES
    from train.data import to_example

    originals = {d.id: d for d in corpus_docs}
    pool = mention_pool(corpus_docs, AUGMENT_TYPES)
    new = swap_entities(corpus_docs, copies=2, seed=7)
    assert len(new) > len(corpus_docs)  # two copies of (almost) every sentence with a swappable mention
    for doc in new:
        src = originals[doc.meta["augmented_from"]]
        assert re.fullmatch(re.escape(src.id) + r"~swap[12]", doc.id)
        assert doc.meta["doc"] == src.meta["doc"] and doc.meta["augmented"] == "entity-swap"
        assert [e.label for e in doc.entities] == [e.label for e in sorted(src.entities, key=lambda x: x.start)]
        assert _gaps(doc) == _gaps(src)  # only the mentions changed
        changed = 0
        for e, old in zip(doc.entities, sorted(src.entities, key=lambda x: x.start)):
            assert doc.text[e.start:e.end] == e.text
            if e.label in AUGMENT_TYPES and swappable(old.text):
                assert e.text in pool[e.label]
                changed += e.text != old.text
            else:
                assert e.text == old.text  # CASUALTY counts and mentions with a proclitic are never swapped
        assert changed >= 1
        to_example(doc)  # word-aligned: would raise otherwise
    assert len({d.id for d in new}) == len(new) and not {d.id for d in new} & set(originals)


def test_swapping_is_deterministic_and_the_seed_matters(corpus_docs):
    from train.augment import swap_entities

    a = [d.to_json() for d in swap_entities(corpus_docs, 1, seed=3)]
    assert a == [d.to_json() for d in swap_entities(corpus_docs, 1, seed=3)]
    assert a != [d.to_json() for d in swap_entities(corpus_docs, 1, seed=4)]
    assert swap_entities(corpus_docs, 0, seed=3) == []


def test_only_the_named_types_are_swapped_and_unswappable_sentences_are_skipped():
    from model.spans import Entity
    from train.augment import swap_entities
    from train.corpus import Document

    text = "قصفت قوات النظام بلدة كفرنبل وقتل 4 مدنيين."
    a = Document("a-1", text, [Entity(5, 16, "FACTION", "قوات النظام"), Entity(17, 28, "LOCATION", "بلدة كفرنبل"),
                               Entity(34, 35, "CASUALTY", "4")], {"doc": "a"})
    b = Document("b-1", "سيطرت هيئة تحرير الشام على المعبر.", [Entity(6, 22, "FACTION", "هيئة تحرير الشام")], {"doc": "b"})
    c = Document("c-1", "لا شيء هنا.", [], {"doc": "c"})
    new = {d.id: d for d in swap_entities([a, b, c], 1, seed=1, types=["FACTION"])}
    assert set(new) == {"a-1~swap1", "b-1~swap1"}
    assert new["a-1~swap1"].text == "قصفت هيئة تحرير الشام بلدة كفرنبل وقتل 4 مدنيين."
    assert [e.text for e in new["a-1~swap1"].entities] == ["هيئة تحرير الشام", "بلدة كفرنبل", "4"]
    assert new["b-1~swap1"].text == "سيطرت قوات النظام على المعبر."
    # one mention of a type is nothing to swap it with
    assert swap_entities([b], 1, seed=1, types=["FACTION"]) == []


def test_mentions_with_a_proclitic_are_neither_replaced_nor_used():
    from model.spans import Entity
    from train.augment import swap_entities
    from train.corpus import Document

    docs = [
        Document("a-1", "انسحبت وحدات الجيش العراقي.", [Entity(13, 26, "FACTION", "الجيش العراقي")], {"doc": "a"}),
        Document("b-1", "قصفت الطائرات مواقع والحوثيين.", [Entity(20, 29, "FACTION", "والحوثيين")], {"doc": "b"}),
        Document("c-1", "اشتباكات مع قوات النظام.", [Entity(12, 23, "FACTION", "قوات النظام")], {"doc": "c"}),
    ]
    for seed in range(20):
        new = {d.id: d for d in swap_entities(docs, 1, seed=seed, types=["FACTION"])}
        assert "b-1~swap1" not in new  # its only mention carries و: nothing to swap
        assert {e.text for d in new.values() for e in d.entities} <= {"الجيش العراقي", "قوات النظام"}


def test_config_rejects_bad_augmentation_settings():
    from train.config import ConfigError, load_config

    with pytest.raises(ConfigError, match=r"data.augment_copies is -1; expected 0 \(off\) or more copies"):
        load_config(None, ["--data.augment_copies=-1"])
    with pytest.raises(ConfigError, match="data.augment_types is empty"):
        load_config(None, ["--data.augment_copies=1", "--data.augment_types=[]"])


def test_trainer_augments_the_training_split_only(tiny_corpus, tmp_path, caplog):
    from train.config import load_config
    from train.trainer import train

    overrides = corpus_overrides(tiny_corpus, tmp_path / "run") + ["--train.epochs=1", "--data.augment_copies=2"]
    with caplog.at_level(logging.INFO, logger="war_ner.train"):
        metrics = train(load_config(REPO / "configs" / "tiny.yaml", overrides))
    line = next(r.getMessage() for r in caplog.records if "augmented copies" in r.getMessage())
    # 6 training sentences, each with a swappable mention, twice; dev (2) and test (2) untouched
    assert line.startswith("18 train sentences (12 of them augmented copies)"), line
    assert "; 2 dev, 2 test;" in line
    assert metrics["dev"]["sentences"] == 2 and metrics["test"]["sentences"] == 2
