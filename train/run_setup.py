"""A training run's pieces, built once before the loop: the accelerator, the output folder check, the data as
examples, the model and its tokenizer, the training windows, the optimizer and its schedule (``build_run``)."""
from __future__ import annotations

import logging
import math
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Optional

import torch

from train import models
from train.augment import run_copies
from train.batching import WindowCollator, encode_features
from train.checkpoint import atomic_dir, recover_dir
from train.config import RunConfig, TrainConfig
from train.data import Example, bio_labels, entity_types, load_any, to_example
from train.heads import head_rows

log = logging.getLogger("war_ner.train")
STATE_FILE = "trainer_state.json"


@dataclass
class RunData:
    """The run's sentences as (words, tags) examples, and what the event heads learn from."""

    labels: list[str]
    train: list[Example]  # the annotated sentences, then their augmented copies
    n_augmented: int
    dev: list[Example]
    test: list[Example]
    dev_docs: list  # the heads' threshold is calibrated on them
    texts: list[str]  # the annotated training texts (tiny's tokenizer, vocabulary trimming)
    heads_layer: list
    head_rows: Optional[list]  # None unless model.event_heads


@dataclass
class Run:
    """What one run trains with, built once by ``build_run``; the counters at the end are not saved."""

    cfg: RunConfig
    accelerator: Any
    data: RunData
    model: Any
    tokenizer: Any
    preprocess: Optional[Callable[[str], str]]
    optimizer: Any
    scheduler: Any
    feats: list[dict]  # one training window each
    collate: WindowCollator
    teacher: Optional[torch.nn.Module]
    batches_per_epoch: int  # per process
    total_steps: int
    epochs: int
    started: float = 0.0
    windows_seen: int = 0
    last_loss: Optional[torch.Tensor] = None

    @property
    def tc(self) -> TrainConfig:
        return self.cfg.train

    @property
    def out(self) -> Path:
        return Path(self.cfg.train.output_dir)

    @property
    def main(self) -> bool:
        return self.accelerator.is_main_process


def make_accelerator(tc: TrainConfig):
    from accelerate import Accelerator

    if tc.num_threads:
        torch.set_num_threads(tc.num_threads)
    return Accelerator(
        # Without a GPU, processes started by `accelerate launch --multi_gpu` or torchrun train on CPU over gloo.
        cpu=not torch.cuda.is_available(),
        gradient_accumulation_steps=tc.gradient_accumulation_steps,
        log_with="tensorboard" if tc.tensorboard else None,
        project_dir=str(Path(tc.output_dir) / "logs"),
    )


def check_output_dir(tc: TrainConfig, resume: bool) -> None:
    """A fresh run must not overwrite a saved one by accident; a resumed one needs its saved state."""
    state_dir = Path(tc.output_dir) / "state"
    last = state_dir / "last"
    if tc.overwrite and not resume and state_dir.exists():
        shutil.rmtree(state_dir)
    recover_dir(last)
    if resume and not (last / STATE_FILE).exists():
        raise FileNotFoundError(f"--resume: no saved state in {last}; expected a run interrupted after its first "
                                "save (train.save_every_steps or an epoch end); start without --resume")
    if not resume and (last / STATE_FILE).exists():
        raise FileExistsError(f"{tc.output_dir} holds a run's saved state; pass --resume to continue it, "
                              "set train.overwrite=true to start afresh, or choose another train.output_dir")


def _load_data(cfg: RunConfig) -> RunData:
    train_docs, dev_docs, test_docs = (load_any(p) if p else [] for p in (cfg.data.train, cfg.data.dev, cfg.data.test))
    if cfg.data.max_train_docs:
        train_docs = train_docs[: cfg.data.max_train_docs]
    if not train_docs:
        raise ValueError(f"no training records in {cfg.data.train}; expected at least one annotated sentence")
    augmented = run_copies(train_docs, cfg)
    layer, rows = head_rows(cfg, train_docs + augmented)
    return RunData(labels=bio_labels(cfg.data.labels or entity_types(train_docs)),
                   train=[to_example(d) for d in train_docs + augmented], n_augmented=len(augmented),
                   dev=[to_example(d) for d in dev_docs], test=[to_example(d) for d in test_docs],
                   dev_docs=dev_docs, texts=[d.text for d in train_docs], heads_layer=layer, head_rows=rows)


def _model_and_tokenizer(cfg: RunConfig, accelerator, data: RunData, resume: bool):
    """The model, and the tokenizer every process reads back from ``state/tokenizer`` (saved once, by the main
    process: tiny's is trained on the corpus, and must be the same in every process and on resume)."""
    from transformers import AutoTokenizer

    out = Path(cfg.train.output_dir)
    tok_dir = out / "state" / "tokenizer"
    with accelerator.main_process_first():
        model, tokenizer, preprocess = models.build(cfg.model, data.labels, data.texts, out,
                                                    tok_dir if (resume and tok_dir.exists()) else None)
        if accelerator.is_main_process and not tok_dir.exists():
            atomic_dir(tok_dir, tokenizer.save_pretrained)
    if not resume:
        tokenizer = AutoTokenizer.from_pretrained(tok_dir)
    return model, tokenizer, preprocess


def build_run(cfg: RunConfig, accelerator, resume: bool, run_name: str) -> Run:
    """Seed, then data, model, windows, optimizer and schedule, in that order (the same init for the same seed)."""
    from accelerate.utils import set_seed
    from transformers import get_linear_schedule_with_warmup

    tc = cfg.train
    set_seed(tc.seed)
    data = _load_data(cfg)
    model, tokenizer, preprocess = _model_and_tokenizer(cfg, accelerator, data, resume)
    label2id = {l: i for i, l in enumerate(data.labels)}
    feats = encode_features(data.train, tokenizer, label2id, cfg, preprocess, data.head_rows)
    if data.head_rows is not None:
        from train.heads import WithEventHeads

        model = WithEventHeads(model, tc.heads_weight)
    per_epoch = math.ceil(math.ceil(len(feats) / tc.batch_size) / accelerator.num_processes)
    updates_per_epoch = math.ceil(per_epoch / tc.gradient_accumulation_steps)
    total = tc.max_steps if tc.max_steps > 0 else updates_per_epoch * tc.epochs
    epochs = tc.epochs if tc.max_steps <= 0 else math.ceil(tc.max_steps / max(updates_per_epoch, 1))
    teacher = None
    if tc.distill_from:
        from train.distill import load_teacher

        teacher = load_teacher(tc.distill_from, data.labels, tokenizer, accelerator.device)
    optimizer = _optimizer(model, cfg)
    scheduler = get_linear_schedule_with_warmup(optimizer, int(tc.warmup_ratio * total), total)
    model, optimizer, scheduler = accelerator.prepare(model, optimizer, scheduler)
    if tc.tensorboard:
        accelerator.init_trackers(run_name)
    if accelerator.is_main_process:
        log.info("%d train sentences (%d of them augmented copies) -> %d windows; %d dev, %d test; %d labels; "
                 "%d update steps on %d process(es)", len(data.train), data.n_augmented, len(feats), len(data.dev),
                 len(data.test), len(data.labels), total, accelerator.num_processes)
    return Run(cfg, accelerator, data, model, tokenizer, preprocess, optimizer, scheduler, feats,
               WindowCollator(tokenizer), teacher, per_epoch, total, epochs)


def _optimizer(model, cfg: RunConfig):
    no_decay = ("bias", "LayerNorm.weight", "layer_norm.weight", "LayerNorm.bias")
    emb_lr = cfg.train.embedding_learning_rate or cfg.train.learning_rate
    groups: dict[tuple, list] = {}
    for name, p in model.named_parameters():
        if not p.requires_grad:
            continue
        wd = 0.0 if any(k in name for k in no_decay) else cfg.train.weight_decay
        lr = emb_lr if "word_embeddings" in name else cfg.train.learning_rate
        if name.startswith(("incident.", "role.")):  # fresh event heads learn faster than the pretrained encoder
            lr = cfg.train.learning_rate * cfg.train.heads_lr_scale
        groups.setdefault((wd, lr), []).append(p)
    params = [{"params": ps, "weight_decay": wd, "lr": lr} for (wd, lr), ps in groups.items()]
    # Fused AdamW: one kernel over all tensors; most parameters are embeddings, so the step dominates otherwise.
    return torch.optim.AdamW(params, lr=cfg.train.learning_rate, fused=cfg.train.fused_adamw or None)
