"""Fine-tuning loop on ``accelerate``: the same code on CPU, one GPU, or ``accelerate launch`` with several
processes. Seeded and resumable; keeps the best dev-F1 weights; writes the checkpoint folder atomically.

Run directory layout (``train.output_dir``)::

    model/              the checkpoint downstream apps load (best dev F1)
    train.log           the run's log, accelerate's per-save lines included (the console shows progress only)
    state/last/         accelerate state + trainer_state.json, for --resume
    state/best/         best weights so far
    state/tokenizer/    the tokenizer of this run (tiny's is trained on the corpus)
"""
from __future__ import annotations

import json
import logging
import time
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path

import torch
from torch.utils.data import DataLoader

from model.atomic import atomic_write_text
from model.predictor import Predictor
from train.batching import epoch_batches
from train.checkpoint import atomic_dir, save_checkpoint
from train.config import RunConfig, dump_config
from train.distill import distillation_loss
from train.evaluate import evaluate_predictor, format_report
from train.heads import tagger
from train.logs import run_logging
from train.run_setup import STATE_FILE, Run, build_run, check_output_dir, make_accelerator

log = logging.getLogger("war_ner.train")
LOG_FILE = "train.log"


@dataclass
class RunState:
    """How far a run has got: saved with the accelerate state (``state/last/trainer_state.json``) for --resume."""

    epoch: int = 0  # the epoch in progress, or the next one
    step_in_epoch: int = 0  # batches of that epoch done
    global_step: int = 0  # optimizer updates
    best_f1: float = -1.0
    best_epoch: int = -1
    bad_epochs: int = 0  # evaluations in a row without a dev F1 gain
    history: list[dict] = field(default_factory=list)
    stopped: bool = False  # early stopping fired

    @classmethod
    def load(cls, folder: Path) -> "RunState":
        return cls(**json.loads((folder / STATE_FILE).read_text(encoding="utf-8")))

    def save(self, folder: Path) -> None:
        atomic_write_text(folder / STATE_FILE, json.dumps(asdict(self), indent=2))


def train(cfg: RunConfig, *, resume: bool = False, run_name: str = "war-ner") -> dict:
    """Train, select the best epoch on dev F1, evaluate dev and test, and write ``<output_dir>/model``."""
    accelerator = make_accelerator(cfg.train)
    check_output_dir(cfg.train, resume)
    with run_logging(Path(cfg.train.output_dir) / LOG_FILE, accelerator.is_main_process, append=resume):
        run = build_run(cfg, accelerator, resume, run_name)
        st = _start_state(run, resume)
        run.started = time.perf_counter()
        for epoch in range(st.epoch, run.epochs):
            if st.stopped or st.global_step >= run.total_steps:
                break
            _train_epoch(run, st, epoch)
            st.epoch, st.step_in_epoch = epoch + 1, 0
            if (epoch + 1) % run.tc.eval_every_epochs == 0 or st.global_step >= run.total_steps:
                _evaluate_epoch(run, st)
            _save_state(run, st)
        return _finish(run, st, time.perf_counter() - run.started, run_name)


def _start_state(run: Run, resume: bool) -> RunState:
    if not resume:
        return RunState()
    last = run.out / "state" / "last"
    run.accelerator.load_state(str(last))
    st = RunState.load(last)
    log.info("resumed at epoch %d, batch %d, step %d", st.epoch, st.step_in_epoch, st.global_step)
    return st


# ---------------------------------------------------------------------------------------------- one epoch


def _train_epoch(run: Run, st: RunState, epoch: int) -> None:
    """One pass over the epoch's batches, after those a resumed run had already done."""
    tc, acc = run.tc, run.accelerator
    batches = epoch_batches([len(f["input_ids"]) for f in run.feats], tc.batch_size, tc.seed * 1000 + epoch,
                            tc.group_by_length)
    loader = acc.prepare_data_loader(DataLoader(run.feats, batch_sampler=batches, collate_fn=run.collate),
                                     device_placement=True)
    skip = st.step_in_epoch if st.epoch == epoch else 0
    if skip:
        loader = acc.skip_first_batches(loader, skip)
    st.epoch = epoch
    run.model.train()
    bar = None
    if tc.progress_bar and run.main:
        from tqdm.auto import tqdm

        bar = tqdm(total=run.batches_per_epoch, initial=skip, desc=f"epoch {epoch + 1}/{run.epochs}", leave=False)
    for batch in loader:
        _step(run, batch)
        st.step_in_epoch += 1
        run.windows_seen += batch["input_ids"].shape[0] * acc.num_processes
        if acc.sync_gradients:
            st.global_step += 1
            _after_update(run, st, bar)
            if st.global_step >= run.total_steps:
                break
        if bar is not None:
            bar.update(1)
    if bar is not None:
        bar.close()


def _step(run: Run, batch) -> None:
    """Forward, backward, and (when the accumulation window closes) an optimizer update."""
    acc = run.accelerator
    with acc.accumulate(run.model):
        out = run.model(**batch)
        loss = out.loss
        if run.teacher is not None:
            with torch.no_grad():
                soft = run.teacher(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits
            loss = distillation_loss(out.logits, soft, batch["labels"], loss, run.tc.distill_alpha,
                                     run.tc.distill_temperature)
        acc.backward(loss)
        if acc.sync_gradients and run.tc.max_grad_norm > 0:
            acc.clip_grad_norm_(run.model.parameters(), run.tc.max_grad_norm)
        run.optimizer.step()
        run.scheduler.step()
        run.optimizer.zero_grad()
    run.last_loss = loss.detach()


def _after_update(run: Run, st: RunState, bar) -> None:
    """Log every ``log_every_steps`` updates, save the state every ``save_every_steps``."""
    if st.global_step % run.tc.log_every_steps == 0:
        rate = run.windows_seen / max(time.perf_counter() - run.started, 1e-9)
        loss = run.last_loss.item()
        if bar is not None:
            bar.set_postfix(loss=f"{loss:.4f}", windows_s=f"{rate:.1f}")
        run.accelerator.log({"loss": loss, "lr": run.scheduler.get_last_lr()[0], "windows_per_s": rate},
                            step=st.global_step)
    if run.tc.save_every_steps and st.global_step % run.tc.save_every_steps == 0:
        _save_state(run, st)


def _predictor(run: Run, model) -> Predictor:
    return Predictor.from_model(tagger(model), run.tokenizer, max_length=run.cfg.model.max_length,
                                stride=run.cfg.model.stride, batch_size=run.tc.eval_batch_size,
                                preprocess=run.preprocess)


def _evaluate_epoch(run: Run, st: RunState) -> None:
    """Dev F1 after ``st.epoch`` epochs: keep the weights if it is the best so far, else count towards early stop."""
    acc = run.accelerator
    f1 = 0.0
    if run.data.dev:
        f1 = evaluate_predictor(_predictor(run, acc.unwrap_model(run.model)), run.data.dev)["strict"]["f1"]
    # A resumed run whose state was saved after an epoch's last batch trains no batch before this evaluation.
    loss = float(run.last_loss) if run.last_loss is not None else float("nan")
    st.history.append({"epoch": st.epoch, "step": st.global_step, "dev_f1": float(f1), "loss": loss})
    if run.main:
        log.info("epoch %d step %d loss %.4f dev F1 %.4f", st.epoch, st.global_step, loss, f1)
    acc.log({"dev_f1": f1}, step=st.global_step)
    if f1 > st.best_f1 or not run.data.dev:  # without a dev set the last epoch is the one kept
        st.best_f1, st.best_epoch, st.bad_epochs = float(f1), st.epoch, 0
        if run.main:
            from safetensors.torch import save_file

            weights = {k: v.detach().cpu().contiguous() for k, v in acc.unwrap_model(run.model).state_dict().items()}
            atomic_dir(run.out / "state" / "best", lambda d: save_file(weights, str(d / "model.safetensors")))
    else:
        st.bad_epochs += 1
        if run.tc.early_stopping_patience and st.bad_epochs >= run.tc.early_stopping_patience:
            st.stopped = True
            if run.main:
                log.info("early stop: no dev F1 gain for %d epochs", st.bad_epochs)


def _save_state(run: Run, st: RunState) -> None:
    """Replace ``state/last`` with the accelerate state (weights, optimizer, scheduler, RNGs) and ``st``."""
    acc = run.accelerator
    acc.wait_for_everyone()

    def write(tmp: Path) -> None:
        acc.save_state(str(tmp))
        st.save(tmp)

    if run.main:
        atomic_dir(run.out / "state" / "last", write)
    acc.wait_for_everyone()


# ------------------------------------------------------------------------------------------------- the end


def _finish(run: Run, st: RunState, elapsed: float, run_name: str) -> dict:
    """Reload the best weights, calibrate the heads, evaluate dev and test, write the checkpoint."""
    from safetensors.torch import load_file

    acc = run.accelerator
    acc.wait_for_everyone()
    final = acc.unwrap_model(run.model)
    best = run.out / "state" / "best" / "model.safetensors"
    if best.exists():
        final.load_state_dict(load_file(str(best)))
    predictor = _predictor(run, final)
    metrics: dict = {"best_epoch": st.best_epoch, "global_steps": st.global_step,
                     "train_seconds_this_process": round(elapsed, 2), "history": st.history}
    threshold = 0.5
    if run.data.head_rows is not None:
        threshold = _calibrate_heads(run, final, predictor, metrics)
    if run.data.dev:
        predictor.tag_prior = _calibrate_prior(run, predictor, metrics)
    for split, examples in (("dev", run.data.dev), ("test", run.data.test)):
        if examples:
            metrics[split] = evaluate_predictor(predictor, examples)
            if run.main:
                log.info("\n%s", format_report(metrics[split], f"== {split} =="))
    if run.main:
        writers = [predictor.tag_prior.save] if predictor.tag_prior is not None else []
        if run.data.head_rows is not None:
            from train.heads import save_heads

            writers.append(partial(save_heads, final, layer=run.data.heads_layer, threshold=threshold))

        def extra(folder: Path) -> None:
            for write in writers:
                write(folder)
        save_checkpoint(run.out / "model", tagger(final), run.tokenizer, dump_config(run.cfg), metrics, run_name,
                        extra if writers else None)
        log.info("checkpoint written to %s", run.out / "model")
    acc.wait_for_everyone()
    if run.tc.tensorboard:
        acc.end_training()
    return metrics


def _calibrate_heads(run: Run, final, predictor: Predictor, metrics: dict) -> float:
    """Give the predictor the trained heads and pick their incident threshold on dev (recorded in ``metrics``)."""
    from train.heads import calibrate_threshold, numpy_heads

    predictor.heads = numpy_heads(final, 0.5, run.data.heads_layer)
    threshold, curve = calibrate_threshold(predictor, run.data.dev_docs, run.data.heads_layer)
    metrics["event_heads"] = {"threshold": threshold, "dev_sentence_f1_by_threshold": curve}
    if run.main:
        log.info("event heads: incident threshold %.2f (dev sentence F1 %.3f)", threshold, curve.get(threshold, 0))
    return threshold


def _calibrate_prior(run: Run, predictor: Predictor, metrics: dict):
    """The tag prior of the training sentences (not their augmented copies), weighed on dev (``train/tag_prior.py``)."""
    from train.tag_prior import calibrate_tag_prior

    originals = run.data.train[: len(run.data.train) - run.data.n_augmented]
    prior = calibrate_tag_prior(predictor, originals, run.data.dev)
    metrics["tag_prior"] = {"weight": prior.weight, "dev_f1_by_weight": prior.info["dev_f1_by_weight"]}
    if run.main:
        log.info("tag prior: weight %.2f (dev strict F1 by weight %s)", prior.weight, prior.info["dev_f1_by_weight"])
    return prior
