"""Training end to end on tiny models: overfit, save/reload, checkpoint contents, CLI, resume, 2 processes."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import REPO, corpus_overrides

TINY = REPO / "configs" / "tiny.yaml"
WAR_NER = [sys.executable, "-m", "train.cli"]


def _run(cmd, **kw):
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=300, **kw)


def test_overfit_two_documents_then_reload_gives_identical_predictions(tiny_corpus, tmp_path):
    from train.config import load_config
    from train.evaluate import evaluate
    from train.trainer import train

    two = tmp_path / "two.jsonl"
    lines = (tiny_corpus / "train.jsonl").read_text(encoding="utf-8").splitlines()
    two.write_text("\n".join(l for l in lines if '"t-001' in l or '"t-002' in l) + "\n", encoding="utf-8")
    overrides = corpus_overrides(tiny_corpus, tmp_path / "run") + [
        f"--data.train={two}", f"--data.dev={two}", f"--data.test={two}", "--train.epochs=60"]
    metrics = train(load_config(TINY, overrides))
    assert metrics["dev"]["strict"]["f1"] == 1.0
    reloaded = evaluate(tmp_path / "run" / "model", [two])
    assert reloaded["strict"] == metrics["dev"]["strict"]
    assert reloaded["errors"] == metrics["dev"]["errors"]


def test_checkpoint_loads_with_plain_transformers(tiny_checkpoint):
    from transformers import AutoModelForTokenClassification, AutoTokenizer, pipeline

    from train.config import load_config

    files = {p.name for p in tiny_checkpoint.iterdir()}
    assert {"model.safetensors", "config.json", "tokenizer.json", "training_config.yaml", "metrics.json",
            "README.md"} <= files
    assert not any(f.endswith((".bin", ".pt", ".pkl")) for f in files)
    model = AutoModelForTokenClassification.from_pretrained(tiny_checkpoint)
    assert model.config.id2label[0] == "O"
    assert set(model.config.label2id) == set(model.config.id2label.values())
    assert "B-FACTION" in model.config.label2id
    AutoTokenizer.from_pretrained(tiny_checkpoint)
    out = pipeline("token-classification", model=str(tiny_checkpoint))("قصفت قوات النظام مدينة الرقة فجر اليوم.")
    assert isinstance(out, list)
    cfg = load_config(tiny_checkpoint / "training_config.yaml")
    assert cfg.model.name == "tiny"
    metrics = json.loads((tiny_checkpoint / "metrics.json").read_text())
    assert {"dev", "test"} <= set(metrics)
    card = (tiny_checkpoint / "README.md").read_text(encoding="utf-8")
    assert "| test | all |" in card and "AutoModelForTokenClassification" in card


def test_cli_train_then_evaluate(tiny_corpus, tmp_path):
    out = tmp_path / "cli"
    r = _run(WAR_NER + ["train", str(TINY)] + corpus_overrides(tiny_corpus, out) + ["--train.epochs=2"])
    assert r.returncode == 0, r.stderr[-3000:]
    assert json.loads(r.stdout.strip().splitlines()[-1])["checkpoint"].endswith("model")
    # accelerate's per-save lines go to the run's log file, not to the console
    log = (out / "train.log").read_text(encoding="utf-8")
    assert "Saving current state to" in log and "dev F1" in log
    assert "Saving current state" not in r.stderr and "dev F1" in r.stderr
    m = tmp_path / "m.json"
    r = _run(WAR_NER + ["evaluate", "--model", str(out / "model"), "--out", str(m), str(tiny_corpus / "test.jsonl")])
    assert r.returncode == 0, r.stderr[-3000:]
    metrics = json.loads(m.read_text())
    assert set(metrics["strict"]) == {"precision", "recall", "f1", "per_type"}
    assert "strict" in r.stdout and "F1" in r.stdout
    # which engine was scored is said (a checkpoint with an onnx-int8/ export would be scored on it)
    assert metrics["engine"] == "torch" and metrics["engine_dir"] == str(out / "model")
    assert f"(torch: {out / 'model'})" in r.stdout
    assert set(metrics["errors"]) == {"per_gold_type", "type_confusions", "spurious"}


def test_cli_rejects_unknown_key_with_did_you_mean(tmp_path):
    r = _run(WAR_NER + ["train", str(TINY), "--train.warmup_step=3"])
    assert r.returncode == 2
    assert "Unknown config key: train.warmup_step; did you mean train.warmup_ratio?" in r.stderr


def test_resume_after_kill_reaches_the_same_metrics(tiny_corpus, tmp_path):
    from train.config import load_config
    from train.trainer import train

    extra = ["--train.epochs=40", "--train.save_every_steps=2", "--train.batch_size=2"]
    reference = train(load_config(TINY, corpus_overrides(tiny_corpus, tmp_path / "ref") + extra))

    out = tmp_path / "killed"
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.Popen(WAR_NER + ["train", str(TINY)] + corpus_overrides(tiny_corpus, out) + extra,
                            cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    state = out / "state" / "last" / "trainer_state.json"
    deadline = time.time() + 120
    killed_at = None
    while time.time() < deadline and proc.poll() is None:
        try:
            st = json.loads(state.read_text())
        except (OSError, ValueError):
            time.sleep(0.005)
            continue
        if st["global_step"] >= 10 and st["step_in_epoch"] > 0:
            proc.send_signal(signal.SIGKILL)
            killed_at = st["global_step"]
            break
        time.sleep(0.005)
    proc.wait()
    assert killed_at is not None, "the run ended before it could be killed mid-epoch"
    assert not (out / "model").exists()
    with pytest.raises(FileExistsError, match="pass --resume"):
        train(load_config(TINY, corpus_overrides(tiny_corpus, out) + extra))
    resumed = train(load_config(TINY, corpus_overrides(tiny_corpus, out) + extra), resume=True)
    assert resumed["global_steps"] == reference["global_steps"]
    # Same epochs, steps and dev F1; the logged loss may differ in the 7th digit (threaded CPU reductions).
    assert [{**h, "loss": None} for h in resumed["history"]] == [{**h, "loss": None} for h in reference["history"]]
    assert [h["loss"] for h in resumed["history"]] == pytest.approx([h["loss"] for h in reference["history"]],
                                                                    rel=1e-5)
    assert resumed["test"] == reference["test"]


def test_resume_without_state_says_how_to_fix(tiny_corpus, tmp_path):
    from train.config import load_config
    from train.trainer import train

    with pytest.raises(FileNotFoundError, match="start without --resume"):
        train(load_config(TINY, corpus_overrides(tiny_corpus, tmp_path / "none")), resume=True)


def test_two_process_accelerate_launch(tiny_corpus, tmp_path):
    pytest.importorskip("accelerate")
    out = tmp_path / "mp"
    cmd = [sys.executable, "-m", "accelerate.commands.launch", "--multi_gpu", "--num_processes", "2", "--num_machines",
           "1", "--mixed_precision", "no", "--dynamo_backend", "no", "-m", "train.cli", "train", str(TINY)]
    r = _run(cmd + corpus_overrides(tiny_corpus, out) + ["--train.epochs=3"])
    assert r.returncode == 0, r.stderr[-3000:]
    assert "2 process(es)" in r.stderr
    metrics = json.loads((out / "model" / "metrics.json").read_text())
    assert metrics["global_steps"] > 0 and "test" in metrics


def test_atomic_checkpoint_write_keeps_the_old_folder_on_failure(tmp_path):
    from train.checkpoint import atomic_dir

    final = tmp_path / "ckpt"
    atomic_dir(final, lambda d: (d / "weights").write_text("good"))

    def broken(d: Path) -> None:
        (d / "weights").write_text("half")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        atomic_dir(final, broken)
    assert (final / "weights").read_text() == "good"
    assert [p.name for p in tmp_path.iterdir()] == ["ckpt"]


def test_tensorboard_logging_writes_event_files(tiny_corpus, tmp_path):
    pytest.importorskip("tensorboard", reason="tensorboard is an optional extra: pip install tensorboard")
    from train.config import load_config
    from train.trainer import train

    out = tmp_path / "tb"
    train(load_config(TINY, corpus_overrides(tiny_corpus, out) + ["--train.epochs=2", "--train.tensorboard=true",
                                                                  "--train.log_every_steps=1"]))
    events = list((out / "logs").rglob("events.out.tfevents.*"))
    assert events and events[0].stat().st_size > 0


def _local_encoder(folder: Path, layers: int = 2) -> Path:
    """A small 'pretrained' BERT folder (random weights, trained tokenizer) standing in for a hub encoder."""
    from train.config import TinyModelConfig
    from train.models import tiny_model, train_tiny_tokenizer

    tok = train_tiny_tokenizer(["قصفت قوات النظام مدينة الرقة", "قتل ثلاثة عناصر في إدلب"], 100)
    model = tiny_model(TinyModelConfig(vocab_size=100, hidden_size=16, num_hidden_layers=layers, num_attention_heads=2,
                                       intermediate_size=32), len(tok), ["O", "B-X", "I-X"])
    model.base_model.save_pretrained(folder)
    tok.save_pretrained(folder)
    return folder


def test_num_layers_keeps_the_first_layers_of_a_pretrained_encoder(tmp_path):
    import torch
    from transformers import AutoModel

    from train.config import ModelConfig
    from train.models import build

    enc = _local_encoder(tmp_path / "enc")
    model, _, _ = build(ModelConfig(name=str(enc), num_layers=1), ["O", "B-LOCATION", "I-LOCATION"], [], tmp_path)
    assert model.config.num_hidden_layers == 1 and len(model.base_model.encoder.layer) == 1
    full = AutoModel.from_pretrained(enc)
    for name, value in full.encoder.layer[0].state_dict().items():
        assert torch.equal(model.base_model.encoder.layer[0].state_dict()[name], value), name
    with pytest.raises(ValueError, match=r"model.num_layers is 3 but .*enc has 2 layers; expected 1..2"):
        build(ModelConfig(name=str(enc), num_layers=3), ["O"], [], tmp_path)
    # "spread" keeps the first and the last layer
    spread, _, _ = build(ModelConfig(name=str(enc), num_layers=1, layer_pick="spread"), ["O", "B-X", "I-X"], [],
                         tmp_path)
    assert spread.config.war_ner_source_layers == [0]
    for name, value in full.encoder.layer[0].state_dict().items():
        assert torch.equal(spread.base_model.encoder.layer[0].state_dict()[name], value), name
    enc3 = tmp_path / "enc3"
    _local_encoder(enc3, layers=3)
    spread, _, _ = build(ModelConfig(name=str(enc3), num_layers=2, layer_pick="spread"), ["O", "B-X", "I-X"], [],
                         tmp_path)
    full3 = AutoModel.from_pretrained(enc3)
    assert spread.config.war_ner_source_layers == [0, 2]
    for j, i in ((0, 0), (1, 2)):
        for name, value in full3.encoder.layer[i].state_dict().items():
            assert torch.equal(spread.base_model.encoder.layer[j].state_dict()[name], value), (j, i, name)


def test_num_layers_config_errors():
    from train.config import ConfigError, ModelConfig

    with pytest.raises(ConfigError, match="model.num_layers is 0; expected a positive layer count"):
        ModelConfig(name="e5-small", num_layers=0)
    with pytest.raises(ConfigError, match="for model.name=tiny set model.tiny.num_hidden_layers"):
        ModelConfig(name="tiny", num_layers=1)
    with pytest.raises(ConfigError, match="model.layer_pick is 'last'; expected 'first' or 'spread'"):
        ModelConfig(name="e5-small", layer_pick="last")


def test_distillation_loss_terms():
    import torch

    from train.distill import distillation_loss

    torch.manual_seed(0)
    student, teacher = torch.randn(2, 5, 4), torch.randn(2, 5, 4)
    labels = torch.tensor([[-100, 1, 2, -100, -100], [-100, 0, -100, -100, -100]])
    gold = torch.tensor(0.7)
    assert distillation_loss(student, teacher, labels, gold, 0.0, 2.0) is gold
    # identical distributions: only the gold term is left
    assert torch.allclose(distillation_loss(teacher, teacher, labels, gold, 0.5, 2.0), torch.tensor(0.35))
    # positions without a label do not count: changing them changes nothing
    other = teacher.clone()
    other[labels.eq(-100)] += 5.0
    a = distillation_loss(student, teacher, labels, gold, 0.5, 2.0)
    assert a > 0.35 and torch.allclose(a, distillation_loss(student, other, labels, gold, 0.5, 2.0))


def test_distilled_student_trains_and_a_mismatched_teacher_is_refused(tiny_corpus, tmp_path):
    from train.config import load_config
    from train.trainer import train

    base = corpus_overrides(tiny_corpus, tmp_path / "teacher") + ["--train.epochs=3"]
    train(load_config(TINY, base))
    teacher = tmp_path / "teacher" / "model"
    student = corpus_overrides(tiny_corpus, tmp_path / "student") + [
        "--train.epochs=3", "--model.tiny.num_hidden_layers=1", f"--train.distill_from={teacher}"]
    metrics = train(load_config(TINY, student))
    assert metrics["global_steps"] > 0 and "f1" in metrics["test"]["strict"]
    saved = (tmp_path / "student" / "model" / "training_config.yaml").read_text(encoding="utf-8")
    assert f"distill_from: {teacher}" in saved

    other = corpus_overrides(tiny_corpus, tmp_path / "other") + [
        "--model.tiny.vocab_size=200", f"--train.distill_from={teacher}"]
    with pytest.raises(ValueError, match=r"has a different vocabulary .* expected the same one"):
        train(load_config(TINY, other))
    fewer = corpus_overrides(tiny_corpus, tmp_path / "fewer") + ["--data.labels=[LOCATION]",
                                                                 f"--train.distill_from={teacher}"]
    with pytest.raises(ValueError, match=r"this run's labels are \['O', 'B-LOCATION', 'I-LOCATION'\]; expected "):
        train(load_config(TINY, fewer))
    assert not (tmp_path / "other" / "model").exists() and not (tmp_path / "fewer" / "model").exists()


@pytest.mark.parametrize("path", sorted((REPO / "configs").glob("*.yaml")), ids=lambda p: p.name)
def test_every_shipped_config_loads(path):
    from train.config import load_config

    cfg = load_config(path)
    assert cfg.train.output_dir.startswith("outputs/")
