"""Training windows -> batches: the epoch's order (seeded, complete, length-grouped) and the padding of a batch."""
from __future__ import annotations

import random

import pytest

torch = pytest.importorskip("torch")


def test_collator_pads_inputs_labels_and_head_targets():
    from model.event_heads import INCIDENT_TYPES
    from train.batching import WindowCollator
    from train.models import train_tiny_tokenizer

    tok = train_tiny_tokenizer(["قصفت قوات النظام مدينة الرقة"], 50)
    pad = tok.pad_token_id
    inc = [1.0] + [0.0] * (len(INCIDENT_TYPES) - 1)
    items = [{"input_ids": [2, 7, 8, 3], "labels": [-100, 1, 0, -100], "incident": inc, "roles": [-100, 0, 2, -100]},
             {"input_ids": [2, 9, 3], "labels": [-100, 2, -100], "incident": None, "roles": [-100, -100, -100]}]
    batch = WindowCollator(tok)(items)
    assert batch["input_ids"].tolist() == [[2, 7, 8, 3], [2, 9, 3, pad]]
    assert batch["attention_mask"].tolist() == [[1, 1, 1, 1], [1, 1, 1, 0]]
    assert batch["labels"].tolist() == [[-100, 1, 0, -100], [-100, 2, -100, -100]]
    assert batch["roles"].tolist() == [[-100, 0, 2, -100], [-100, -100, -100, -100]]
    assert batch["incident"].tolist() == [inc, [0.0] * len(INCIDENT_TYPES)]
    assert batch["incident_mask"].tolist() == [True, False]
    assert all(batch[k].dtype == torch.long for k in ("input_ids", "attention_mask", "labels", "roles"))
    # without head targets the batch holds exactly what a plain token classifier takes
    plain = WindowCollator(tok)([{"input_ids": it["input_ids"], "labels": it["labels"]} for it in items])
    assert set(plain.keys()) == {"input_ids", "attention_mask", "labels"}


@pytest.mark.parametrize("group_by_length", [True, False])
def test_epoch_batches_hold_every_window_once_and_repeat_for_a_seed(group_by_length):
    from train.batching import epoch_batches

    lengths = [random.Random(0).randint(5, 200) for _ in range(101)]
    batches = epoch_batches(lengths, 8, seed=7, group_by_length=group_by_length)
    assert sorted(i for b in batches for i in b) == list(range(101))
    assert sorted(len(b) for b in batches) == [5] + [8] * 12
    assert batches == epoch_batches(lengths, 8, seed=7, group_by_length=group_by_length)
    assert batches != epoch_batches(lengths, 8, seed=8, group_by_length=group_by_length)


def test_length_grouping_pads_little():
    from train.batching import epoch_batches

    rng = random.Random(0)
    lengths = [rng.randint(5, 256) for _ in range(2000)]

    def overhead(group: bool) -> float:
        batches = epoch_batches(lengths, 16, seed=1, group_by_length=group)
        return sum(len(b) * max(lengths[i] for i in b) for b in batches) / sum(lengths) - 1

    # measured: 2.2% grouped (50-batch mega-batches), 86% shuffled
    assert overhead(True) < 0.04 and overhead(False) > 0.5
    # grouped batches still come in a random order, not longest first
    first = [max(lengths[i] for i in b) for b in epoch_batches(lengths, 16, seed=1, group_by_length=True)[:10]]
    assert first != sorted(first, reverse=True)
