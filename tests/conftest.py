"""Shared tiny settings: a small corpus written here in markup, and tiny-model overrides that train in seconds."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"

# Sentences written for the tests (not part of the corpus), in markup so offsets are computed, not typed.
TINY_MARKUP = {
    "train": """# doc: t-001
# date: 2019-03-12
# split: train
قصفت طائرات [[FACTION|التحالف الدولي]] مواقع في [[LOCATION|مدينة الرقة]] [[DATE|فجر اليوم]].
وقتل [[CASUALTY|12]] عنصراً من [[FACTION|تنظيم “الدولة الإسلامية”]] خلال الاشتباكات.
# doc: t-002
# date: 2020-02-01
# split: train
سيطرت [[FACTION|قوات النظام]] على [[LOCATION|بلدة سراقب]] ضمن [[OPERATION|معركة “فجر إدلب”]] [[DATE|ليل أمس]].
أصيب [[CASUALTY|نحو 20]] مدنياً بجروح في [[LOCATION|إدلب]].
# doc: t-003
# date: 2018-07-04
# split: train
استهدفت [[FACTION|قسد]] رتلاً في [[LOCATION|دير الزور]] [[DATE|الثلاثاء الـ 4 من تموز / يوليو]].
وثق المرصد مقتل [[CASUALTY|ثلاثة]] مقاتلين من [[FACTION|هيئة تحرير الشام]].
""",
    "dev": """# doc: t-101
# date: 2019-05-10
# split: dev
قصفت [[FACTION|قوات النظام]] [[LOCATION|مدينة الرقة]] [[DATE|فجر اليوم]].
# doc: t-102
# date: 2019-05-11
# split: dev
وقتل [[CASUALTY|ثلاثة]] عناصر من [[FACTION|قسد]] في [[LOCATION|إدلب]].
""",
    "test": """# doc: t-201
# date: 2019-06-01
# split: test
أصيب [[CASUALTY|12]] مدنياً في [[LOCATION|دير الزور]] [[DATE|ليل أمس]].
# doc: t-202
# date: 2019-06-02
# split: test
سيطرت [[FACTION|هيئة تحرير الشام]] على [[LOCATION|بلدة سراقب]] ضمن [[OPERATION|معركة “فجر إدلب”]].
""",
}

TINY_OVERRIDES = [
    "--train.progress_bar=false",
    "--train.batch_size=4",
    "--train.learning_rate=5e-3",
    "--train.warmup_ratio=0.0",
    "--model.dropout=0.0",
    "--model.tiny.vocab_size=300",
    "--model.tiny.hidden_size=32",
    "--model.tiny.intermediate_size=64",
]


@pytest.fixture(scope="session")
def tiny_corpus(tmp_path_factory) -> Path:
    """A directory with train/dev/test.jsonl built from TINY_MARKUP."""
    from train.markup import markup_to_jsonl

    d = tmp_path_factory.mktemp("tiny_corpus")
    src = d / "markup"
    src.mkdir()
    for split, text in TINY_MARKUP.items():
        (src / f"{split}.txt").write_text(text, encoding="utf-8")
    markup_to_jsonl([src], d)
    return d


def corpus_overrides(corpus: Path, out: Path) -> list[str]:
    return [f"--data.train={corpus / 'train.jsonl'}", f"--data.dev={corpus / 'dev.jsonl'}",
            f"--data.test={corpus / 'test.jsonl'}", f"--train.output_dir={out}"] + TINY_OVERRIDES


@pytest.fixture(scope="session")
def tiny_checkpoint(tiny_corpus, tmp_path_factory) -> Path:
    """A tiny model trained once per session on the tiny corpus (its F1 means nothing; its shape does)."""
    from train.config import load_config
    from train.trainer import train

    out = tmp_path_factory.mktemp("tiny_run")
    train(load_config(REPO / "configs" / "tiny.yaml", corpus_overrides(tiny_corpus, out) + ["--train.epochs=30"]))
    return out / "model"
