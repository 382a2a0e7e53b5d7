"""Training examples -> labelled windows -> the batches of an epoch -> padded tensors.

Batch order and padding come from the libraries: torch's samplers, transformers' length grouping
(``get_length_grouped_indices``) and ``DataCollatorForTokenClassification``. Only the event heads' targets (a
sentence vector and per-token roles, which that collator does not know) are padded here.
"""
from __future__ import annotations

from typing import Callable, Optional, Sequence

import torch

from model.encoding import encode_sentences, window_labels
from train.config import RunConfig
from train.data import Example

IGNORE = -100  # the label of positions the loss skips: special tokens, continuation sub-words, padding


def encode_features(examples: Sequence[Example], tokenizer, label2id: dict[str, int], cfg: RunConfig,
                    preprocess: Optional[Callable[[str], str]], heads: Optional[list] = None) -> list[dict]:
    """Encode examples into windows with labels on first sub-words (types the model lacks become O); with
    ``heads`` (one ``(incident target or None, word roles or None)`` per example) the heads' targets too."""
    windows = encode_sentences(tokenizer, [ex.words for ex in examples], cfg.model.max_length, cfg.model.stride,
                               preprocess)
    feats = []
    for k, (ex, wins) in enumerate(zip(examples, windows)):
        ids = [label2id.get(t, 0) for t in ex.tags]
        for win in wins:
            feat = {"input_ids": win.input_ids, "labels": window_labels(win, ids)}
            if heads is not None:
                target, roles = heads[k]
                feat["incident"] = target
                feat["roles"] = window_labels(win, roles) if roles else [IGNORE] * len(win.input_ids)
            feats.append(feat)
    return feats


def epoch_batches(lengths: Sequence[int], batch_size: int, seed: int, group_by_length: bool) -> list[list[int]]:
    """The batches (window indices) of one epoch: shuffled, the same for the same seed, so a resumed run replays
    the interrupted epoch's order and skips the batches it had done.

    ``group_by_length`` puts windows of similar length together (a batch pads less): transformers' grouping
    (shuffle, cut into mega-batches of 50 batches, sort each by length), then the batches in random order.
    """
    from torch.utils.data import BatchSampler, RandomSampler
    from transformers.trainer_pt_utils import get_length_grouped_indices

    generator = torch.Generator().manual_seed(seed)
    if not group_by_length:
        return list(BatchSampler(RandomSampler(range(len(lengths)), generator=generator), batch_size, False))
    # Not LengthGroupedSampler itself: its mega-batches hold len/(4 * batch_size) batches, not 50, which pads 1.4%
    # (e5-offline) to 4.3% (tiny) more tokens per epoch here, and it serves each mega-batch longest first, a
    # long-to-short sawtooth through the epoch; shuffling the batches keeps each epoch's order random.
    order = get_length_grouped_indices(list(lengths), batch_size, mega_batch_mult=50, generator=generator)
    batches = [order[k : k + batch_size] for k in range(0, len(order), batch_size)]
    return [batches[i] for i in torch.randperm(len(batches), generator=generator).tolist()]


class WindowCollator:
    """Pad a batch of windows to its longest one: ``DataCollatorForTokenClassification`` (input ids with the
    tokenizer's pad id, attention mask 0, labels -100), plus the event heads' targets when the windows carry them.
    """

    def __init__(self, tokenizer):
        from transformers import DataCollatorForTokenClassification

        self.base = DataCollatorForTokenClassification(tokenizer, label_pad_token_id=IGNORE)
        self.right = tokenizer.padding_side == "right"

    def __call__(self, items: list[dict]):
        batch = self.base([{"input_ids": it["input_ids"], "labels": it["labels"]} for it in items])
        if "roles" in items[0]:
            batch.update(self._head_targets(items, batch["input_ids"].shape[1]))
        return batch

    def _head_targets(self, items: list[dict], width: int) -> dict[str, torch.Tensor]:
        """Roles padded like the labels (same side, -100); the incident vector and whether a window has one."""
        from model.event_heads import INCIDENT_TYPES

        roles = torch.full((len(items), width), IGNORE, dtype=torch.long)
        incident = torch.zeros((len(items), len(INCIDENT_TYPES)))
        has = torch.zeros(len(items), dtype=torch.bool)
        for r, it in enumerate(items):
            n = len(it["roles"])
            start = 0 if self.right else width - n
            roles[r, start : start + n] = torch.tensor(it["roles"])
            if it["incident"] is not None:
                incident[r] = torch.tensor(it["incident"])
                has[r] = True
        return {"roles": roles, "incident": incident, "incident_mask": has}
