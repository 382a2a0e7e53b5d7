"""Fine-tuning loop on ``accelerate``: the same code on CPU, one GPU, or ``accelerate launch`` with several
processes. Seeded and resumable; keeps the best dev-F1 weights; writes the checkpoint folder atomically.

Run directory layout (``train.output_dir``)::

    model/              the checkpoint downstream apps load (best dev F1)
    state/last/         accelerate state + trainer_state.json, for --resume
    state/best/         best weights so far
    state/tokenizer/    the tokenizer of this run (tiny's is trained on the corpus)
"""
from __future__ import annotations

import json
import logging
import math
import os
import random
import time
from pathlib import Path
from typing import Optional

import torch
from torch.utils.data import DataLoader

from model.encoding import encode_sentences, window_labels
from model.predictor import Predictor
from train.augment import run_copies
from train.checkpoint import atomic_dir, recover_dir, save_checkpoint
from train.config import RunConfig, dump_config
from train.data import Example, bio_labels, entity_types, load_any, to_example
from train.distill import distillation_loss
from train.evaluate import evaluate_predictor, format_report
from train import models

log = logging.getLogger("war_ner.train")


def _features(examples: list[Example], tokenizer, label2id: dict, cfg: RunConfig, preprocess,
              heads: Optional[list] = None) -> list[dict]:
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
                feat["roles"] = window_labels(win, roles) if roles else [-100] * len(win.input_ids)
            feats.append(feat)
    return feats


def _tagger(model):
    """The token classifier inside a model that may carry the event heads."""
    return getattr(model, "ner", model)


def _head_rows(cfg: RunConfig, docs: list) -> tuple[list, Optional[list]]:
    """The incident layer and, per training record, the event heads' targets (``model.event_heads`` only)."""
    if not cfg.model.event_heads:
        return [], None
    from model.words import split_words
    from train.heads import head_targets, word_roles
    from train.incidents import read_layer

    layer, problems = read_layer(cfg.data.incidents)
    if problems:
        raise ValueError(f"{len(problems)} problem(s) in {cfg.data.incidents}; run `war-ner validate`:\n"
                         + "\n".join(map(str, problems[:10])))
    targets = head_targets([d for d in docs if "augmented_from" not in d.meta], layer)
    rows = []
    for d in docs:
        target, roles = targets.get(d.meta.get("augmented_from", d.id), (None, None))
        if roles is not None and len(roles) != len(d.entities):
            target, roles = None, None  # an augmented copy whose mentions no longer line up: no head targets
        rows.append((target, word_roles(split_words(d.text), d.entities, roles) if roles else None))
    return layer, rows


def length_grouped_batches(lengths: list[int], batch_size: int, seed: int) -> list[list[int]]:
    """Shuffled batches of similar lengths (less padding), the same for the same seed.

    Indices are shuffled, cut into mega-batches of 50 batches, sorted by length inside each, then the batches
    are shuffled, so every epoch sees a different order but each batch holds neighbours in length.
    """
    rng = random.Random(seed)
    order = list(range(len(lengths)))
    rng.shuffle(order)
    mega = batch_size * 50
    batches = []
    for i in range(0, len(order), mega):
        chunk = sorted(order[i : i + mega], key=lambda j: -lengths[j])
        batches.extend(chunk[k : k + batch_size] for k in range(0, len(chunk), batch_size))
    rng.shuffle(batches)
    return batches


def plain_batches(n: int, batch_size: int, seed: int) -> list[list[int]]:
    rng = random.Random(seed)
    order = list(range(n))
    rng.shuffle(order)
    return [order[k : k + batch_size] for k in range(0, n, batch_size)]


class Collator:
    """Dynamic padding: pad each batch to its own longest window."""

    def __init__(self, pad_id: int):
        self.pad_id = pad_id

    def __call__(self, items: list[dict]) -> dict:
        width = max(len(it["input_ids"]) for it in items)
        ids = torch.full((len(items), width), self.pad_id, dtype=torch.long)
        mask = torch.zeros((len(items), width), dtype=torch.long)
        labels = torch.full((len(items), width), -100, dtype=torch.long)
        for r, it in enumerate(items):
            n = len(it["input_ids"])
            ids[r, :n] = torch.tensor(it["input_ids"])
            mask[r, :n] = 1
            labels[r, :n] = torch.tensor(it["labels"])
        batch = {"input_ids": ids, "attention_mask": mask, "labels": labels}
        if "roles" in items[0]:
            from model.event_heads import INCIDENT_TYPES

            roles = torch.full((len(items), width), -100, dtype=torch.long)
            incident = torch.zeros((len(items), len(INCIDENT_TYPES)))
            has = torch.zeros(len(items), dtype=torch.bool)
            for r, it in enumerate(items):
                roles[r, : len(it["roles"])] = torch.tensor(it["roles"])
                if it["incident"] is not None:
                    incident[r] = torch.tensor(it["incident"])
                    has[r] = True
            batch.update(roles=roles, incident=incident, incident_mask=has)
        return batch


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


def _save_json(path: Path, data: dict) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2), encoding="utf-8")
    os.replace(tmp, path)


def train(cfg: RunConfig, *, resume: bool = False, run_name: str = "war-ner") -> dict:
    """Train, select the best epoch on dev F1, evaluate dev and test, and write ``<output_dir>/model``."""
    from accelerate import Accelerator
    from accelerate.utils import set_seed
    from safetensors.torch import load_file, save_file
    from transformers import AutoTokenizer, get_linear_schedule_with_warmup

    tc = cfg.train
    out = Path(tc.output_dir)
    state_dir = out / "state"
    if tc.num_threads:
        torch.set_num_threads(tc.num_threads)
    accelerator = Accelerator(
        # Without a GPU, processes started by `accelerate launch --multi_gpu` or torchrun train on CPU over gloo.
        cpu=not torch.cuda.is_available(),
        gradient_accumulation_steps=tc.gradient_accumulation_steps,
        log_with="tensorboard" if tc.tensorboard else None,
        project_dir=str(out / "logs"),
    )
    main = accelerator.is_main_process
    logging.basicConfig(level=logging.INFO if main else logging.WARNING, format="%(asctime)s %(message)s")
    last = state_dir / "last"
    if tc.overwrite and not resume and state_dir.exists():
        import shutil

        shutil.rmtree(state_dir)
    recover_dir(last)
    if resume and not (last / "trainer_state.json").exists():
        raise FileNotFoundError(f"--resume: no saved state in {last}; expected a run interrupted after its first "
                                "save (train.save_every_steps or an epoch end); start without --resume")
    if not resume and (last / "trainer_state.json").exists():
        raise FileExistsError(f"{out} holds a run's saved state; pass --resume to continue it, "
                              "set train.overwrite=true to start afresh, or choose another train.output_dir")
    set_seed(tc.seed)

    train_docs, dev_docs, test_docs = (load_any(p) if p else [] for p in (cfg.data.train, cfg.data.dev, cfg.data.test))
    if cfg.data.max_train_docs:
        train_docs = train_docs[: cfg.data.max_train_docs]
    if not train_docs:
        raise ValueError(f"no training records in {cfg.data.train}; expected at least one annotated sentence")
    labels = bio_labels(cfg.data.labels or entity_types(train_docs))
    label2id = {l: i for i, l in enumerate(labels)}
    augmented = run_copies(train_docs, cfg)
    train_ex = [to_example(d) for d in train_docs + augmented]
    heads_layer, head_rows = _head_rows(cfg, train_docs + augmented)
    dev_ex = [to_example(d) for d in dev_docs]
    test_ex = [to_example(d) for d in test_docs]
    texts = [d.text for d in train_docs]

    tok_dir = state_dir / "tokenizer"
    with accelerator.main_process_first():
        model, tokenizer, preprocess = models.build(
            cfg.model, labels, texts, out, tok_dir if (resume and tok_dir.exists()) else None
        )
        if main and not tok_dir.exists():
            atomic_dir(tok_dir, tokenizer.save_pretrained)
    if not resume:
        tokenizer = AutoTokenizer.from_pretrained(tok_dir)  # every process uses the same saved tokenizer

    feats = _features(train_ex, tokenizer, label2id, cfg, preprocess, head_rows)
    if head_rows is not None:
        from train.heads import WithEventHeads

        model = WithEventHeads(model, tc.heads_weight)
    lengths = [len(f["input_ids"]) for f in feats]
    collate = Collator(tokenizer.pad_token_id or 0)
    per_epoch = math.ceil(math.ceil(len(feats) / tc.batch_size) / accelerator.num_processes)
    updates_per_epoch = math.ceil(per_epoch / tc.gradient_accumulation_steps)
    total = tc.max_steps if tc.max_steps > 0 else updates_per_epoch * tc.epochs
    epochs = tc.epochs if tc.max_steps <= 0 else math.ceil(tc.max_steps / max(updates_per_epoch, 1))

    teacher = None
    if tc.distill_from:
        from train.distill import load_teacher

        teacher = load_teacher(tc.distill_from, labels, tokenizer, accelerator.device)

    optimizer = _optimizer(model, cfg)
    scheduler = get_linear_schedule_with_warmup(optimizer, int(tc.warmup_ratio * total), total)
    model, optimizer, scheduler = accelerator.prepare(model, optimizer, scheduler)
    if tc.tensorboard:
        accelerator.init_trackers(run_name)

    st = {"epoch": 0, "step_in_epoch": 0, "global_step": 0, "best_f1": -1.0, "best_epoch": -1,
          "bad_epochs": 0, "history": []}
    if resume:
        accelerator.load_state(str(last))
        st = json.loads((last / "trainer_state.json").read_text(encoding="utf-8"))
        log.info("resumed at epoch %d, batch %d, step %d", st["epoch"], st["step_in_epoch"], st["global_step"])

    def save_state() -> None:
        accelerator.wait_for_everyone()

        def write(tmp: Path) -> None:
            accelerator.save_state(str(tmp))
            if main:
                _save_json(tmp / "trainer_state.json", st)

        if main:
            atomic_dir(last, write)
        accelerator.wait_for_everyone()

    def dev_f1() -> tuple[float, Optional[dict]]:
        if not dev_ex:
            return 0.0, None
        pred = Predictor.from_model(_tagger(accelerator.unwrap_model(model)), tokenizer, max_length=cfg.model.max_length,
                                    stride=cfg.model.stride, batch_size=tc.eval_batch_size, preprocess=preprocess)
        metrics = evaluate_predictor(pred, dev_ex)
        return metrics["strict"]["f1"], metrics

    if main:
        log.info("%d train sentences (%d of them augmented copies) -> %d windows; %d dev, %d test; %d labels; "
                 "%d update steps on %d process(es)", len(train_ex), len(augmented), len(feats), len(dev_ex),
                 len(test_ex), len(labels), total, accelerator.num_processes)
    stop = st.get("stopped", False)
    started = time.perf_counter()
    seen = 0
    for epoch in range(st["epoch"], epochs):
        if stop or st["global_step"] >= total:
            break
        seed = tc.seed * 1000 + epoch
        batches = (length_grouped_batches(lengths, tc.batch_size, seed) if tc.group_by_length
                   else plain_batches(len(feats), tc.batch_size, seed))
        loader = accelerator.prepare_data_loader(
            DataLoader(feats, batch_sampler=batches, collate_fn=collate), device_placement=True
        )
        skip = st["step_in_epoch"] if st["epoch"] == epoch else 0
        if skip:
            loader = accelerator.skip_first_batches(loader, skip)
        st["epoch"] = epoch
        model.train()
        bar = None
        if tc.progress_bar and main:
            from tqdm.auto import tqdm

            bar = tqdm(total=per_epoch, initial=skip, desc=f"epoch {epoch + 1}/{epochs}", leave=False)
        for batch in loader:
            with accelerator.accumulate(model):
                step_out = model(**batch)
                loss = step_out.loss
                if teacher is not None:
                    with torch.no_grad():
                        soft = teacher(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits
                    loss = distillation_loss(step_out.logits, soft, batch["labels"], loss, tc.distill_alpha,
                                             tc.distill_temperature)
                accelerator.backward(loss)
                if accelerator.sync_gradients and tc.max_grad_norm > 0:
                    accelerator.clip_grad_norm_(model.parameters(), tc.max_grad_norm)
                optimizer.step()
                scheduler.step()
                optimizer.zero_grad()
            st["step_in_epoch"] += 1
            seen += batch["input_ids"].shape[0] * accelerator.num_processes
            if accelerator.sync_gradients:
                st["global_step"] += 1
                if st["global_step"] % tc.log_every_steps == 0:
                    rate = seen / max(time.perf_counter() - started, 1e-9)
                    if bar is not None:
                        bar.set_postfix(loss=f"{loss.item():.4f}", windows_s=f"{rate:.1f}")
                    accelerator.log({"loss": loss.item(), "lr": scheduler.get_last_lr()[0],
                                     "windows_per_s": rate}, step=st["global_step"])
                if tc.save_every_steps and st["global_step"] % tc.save_every_steps == 0:
                    save_state()
                if st["global_step"] >= total:
                    break
            if bar is not None:
                bar.update(1)
        if bar is not None:
            bar.close()
        st["epoch"], st["step_in_epoch"] = epoch + 1, 0
        if (epoch + 1) % tc.eval_every_epochs == 0 or st["global_step"] >= total:
            f1, _ = dev_f1()
            st["history"].append({"epoch": epoch + 1, "step": st["global_step"], "dev_f1": float(f1),
                                  "loss": float(loss.item())})
            if main:
                log.info("epoch %d step %d loss %.4f dev F1 %.4f", epoch + 1, st["global_step"], loss.item(), f1)
            accelerator.log({"dev_f1": f1}, step=st["global_step"])
            if f1 > st["best_f1"] or not dev_ex:  # without a dev set the last epoch is the one kept
                st["best_f1"], st["best_epoch"], st["bad_epochs"] = float(f1), epoch + 1, 0
                if main:
                    weights = {k: v.detach().cpu().contiguous()
                               for k, v in accelerator.unwrap_model(model).state_dict().items()}
                    atomic_dir(state_dir / "best", lambda d: save_file(weights, str(d / "model.safetensors")))
            else:
                st["bad_epochs"] += 1
                if tc.early_stopping_patience and st["bad_epochs"] >= tc.early_stopping_patience:
                    st["stopped"] = stop = True
                    if main:
                        log.info("early stop: no dev F1 gain for %d epochs", st["bad_epochs"])
        save_state()
    elapsed = time.perf_counter() - started

    accelerator.wait_for_everyone()
    final = accelerator.unwrap_model(model)
    best = state_dir / "best" / "model.safetensors"
    if best.exists():
        final.load_state_dict(load_file(str(best)))
    predictor = Predictor.from_model(_tagger(final), tokenizer, max_length=cfg.model.max_length, stride=cfg.model.stride,
                                     batch_size=tc.eval_batch_size, preprocess=preprocess)
    metrics: dict = {"best_epoch": st["best_epoch"], "global_steps": st["global_step"],
                     "train_seconds_this_process": round(elapsed, 2), "history": st["history"]}
    threshold = 0.5
    if head_rows is not None:
        from train.heads import calibrate_threshold, numpy_heads

        predictor.heads = numpy_heads(final, 0.5, heads_layer)
        threshold, curve = calibrate_threshold(predictor, dev_docs, heads_layer)
        metrics["event_heads"] = {"threshold": threshold, "dev_sentence_f1_by_threshold": curve}
        if main:
            log.info("event heads: incident threshold %.2f (dev sentence F1 %.3f)", threshold, curve.get(threshold, 0))
    for split, examples in (("dev", dev_ex), ("test", test_ex)):
        if examples:
            metrics[split] = evaluate_predictor(predictor, examples)
            if main:
                log.info("\n%s", format_report(metrics[split], f"== {split} =="))
    if main:
        extra = None
        if head_rows is not None:
            from train.heads import save_heads

            extra = lambda folder: save_heads(final, folder, heads_layer, threshold)  # noqa: E731
        save_checkpoint(out / "model", _tagger(final), tokenizer, dump_config(cfg), metrics, run_name, extra)
        log.info("checkpoint written to %s", out / "model")
    accelerator.wait_for_everyone()
    if tc.tensorboard:
        accelerator.end_training()
    return metrics
