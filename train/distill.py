"""Knowledge distillation: a smaller student (``model.num_layers``) learns from a trained checkpoint's soft tags.

The student is trained on the gold tags as usual plus, on the same first-sub-word positions, the KL divergence
to the teacher's tag distribution softened by a temperature (Hinton et al., 2015). Teacher and student must
share the tokenizer (the same ids for the same text) and the label list, which ``load_teacher`` checks.
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

import torch
import torch.nn.functional as F


def load_teacher(model_dir: str | Path, labels: Sequence[str], tokenizer, device) -> torch.nn.Module:
    """The teacher checkpoint in eval mode on ``device``, after checking its labels and vocabulary match."""
    from transformers import AutoModelForTokenClassification, AutoTokenizer

    model_dir = Path(model_dir)
    if not (model_dir / "config.json").exists():
        raise FileNotFoundError(f"train.distill_from: {model_dir} has no config.json; expected a checkpoint folder "
                                "written by `war-ner train` (e.g. outputs/e5-offline/model)")
    teacher = AutoModelForTokenClassification.from_pretrained(model_dir, use_safetensors=True)
    theirs = [teacher.config.id2label[i] for i in range(len(teacher.config.id2label))]
    if theirs != list(labels):
        raise ValueError(f"train.distill_from: {model_dir} tags {theirs}, but this run's labels are {list(labels)}; "
                         "expected the same label list (train the teacher on the same data and data.labels)")
    their_vocab = AutoTokenizer.from_pretrained(model_dir).get_vocab()
    if their_vocab != tokenizer.get_vocab():
        raise ValueError(f"train.distill_from: {model_dir} has a different vocabulary ({len(their_vocab)} pieces) "
                         f"from this run's tokenizer ({len(tokenizer)} pieces); expected the same one: use the "
                         "teacher's model.name and model.trim_vocab/trim_keep_arabic settings")
    for p in teacher.parameters():
        p.requires_grad_(False)
    return teacher.to(device).eval()


def distillation_loss(
    student_logits: torch.Tensor,
    teacher_logits: torch.Tensor,
    labels: torch.Tensor,
    gold_loss: torch.Tensor,
    alpha: float,
    temperature: float,
) -> torch.Tensor:
    """``(1 - alpha) * gold_loss + alpha * T^2 * KL(teacher_T || student_T)`` over positions with a label.

    Positions labelled -100 (special tokens, continuation sub-words, padding) carry no tag and are left out.
    """
    keep = labels.ne(-100)
    if alpha == 0 or not bool(keep.any()):
        return gold_loss
    s = F.log_softmax(student_logits[keep].float() / temperature, dim=-1)
    t = F.log_softmax(teacher_logits[keep].float() / temperature, dim=-1)
    kl = F.kl_div(s, t, log_target=True, reduction="batchmean")
    return (1 - alpha) * gold_loss + alpha * temperature**2 * kl
