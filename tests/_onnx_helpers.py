"""Shared by tests/test_onnx_export.py and tests/test_onnx_benchmark.py: a few hand-made sentences and a tiny model
trained on them, with its fp32 and int8 ONNX exports. Loaded as a plugin (``pytest_plugins``) by both files so the
session-scoped ``tiny`` fixture trains once for both."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

# (report, sentence, [(label, surface)]): every surface is whole words of its sentence, first occurrence.
CORPUS = [
    ("syr-001", "قصفت قوات النظام بلدة معرة النعمان فجر اليوم، ما أدى إلى مقتل خمسة مدنيين.",
     [("FACTION", "قوات النظام"), ("LOCATION", "معرة النعمان"), ("DATE", "فجر اليوم"), ("CASUALTY", "خمسة")]),
    ("syr-001", "وردت هيئة تحرير الشام بقصف مواقع في ريف حلب الغربي.",
     [("FACTION", "هيئة تحرير الشام"), ("LOCATION", "ريف حلب الغربي")]),
    ("syr-001", "وأصيب ثلاثة عناصر من الجيش الوطني في اشتباكات قرب عفرين يوم الأحد.",
     [("CASUALTY", "ثلاثة"), ("FACTION", "الجيش الوطني"), ("LOCATION", "عفرين"), ("DATE", "يوم الأحد")]),
    ("irq-001", "استهدفت طائرة مسيرة سيارة في جبل سنجار مساء أمس.",
     [("LOCATION", "جبل سنجار"), ("DATE", "مساء أمس")]),
    ("irq-001", "وقتل اثنان من وحدات مقاومة سنجار في الهجوم.",
     [("CASUALTY", "اثنان"), ("FACTION", "وحدات مقاومة سنجار")]),
    ("irq-001", "وأعلنت قوات سوريا الديمقراطية اعتقال أربعة عناصر من تنظيم الدولة في الحسكة.",
     [("FACTION", "قوات سوريا الديمقراطية"), ("CASUALTY", "أربعة"), ("FACTION", "تنظيم الدولة"),
      ("LOCATION", "الحسكة")]),
    ("yem-001", "شنت جماعة الحوثي هجوما على مدينة مأرب في 12 آذار 2021.",
     [("FACTION", "جماعة الحوثي"), ("LOCATION", "مأرب"), ("DATE", "12 آذار 2021")]),
    ("yem-001", "وأسفرت المعارك عن مقتل عشرين مقاتلا من القوات الحكومية.",
     [("CASUALTY", "عشرين"), ("FACTION", "القوات الحكومية")]),
    ("yem-001", "وتقدمت ألوية العمالقة نحو مديرية حيس جنوب الحديدة صباح الثلاثاء.",
     [("FACTION", "ألوية العمالقة"), ("LOCATION", "مديرية حيس"), ("LOCATION", "الحديدة"),
      ("DATE", "صباح الثلاثاء")]),
]


def _record(doc: str, n: int, text: str, spans: list) -> str:
    entities = []
    for label, surface in spans:
        start = text.index(surface)
        entities.append({"start": start, "end": start + len(surface), "label": label, "text": surface})
    return json.dumps({"id": f"{doc}-{n}", "text": text, "entities": entities, "meta": {"doc": doc}},
                      ensure_ascii=False)


@pytest.fixture(scope="session")
def tiny(tmp_path_factory):
    """A tiny model trained (to memorisation) on the corpus above, plus its fp32 and int8 ONNX exports."""
    from model.onnx_export import export_onnx
    from train.cli import main as cli
    from train.config import load_config
    from train.trainer import train

    root = tmp_path_factory.mktemp("onnx")
    data = root / "data"
    data.mkdir()
    lines = [_record(doc, n, text, spans) for n, (doc, text, spans) in enumerate(CORPUS, start=1)]
    (data / "train.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (data / "dev.jsonl").write_text("\n".join(lines[:3]) + "\n", encoding="utf-8")
    (data / "test.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    cfg = load_config(REPO / "configs" / "tiny.yaml", [
        f"--data.train={data / 'train.jsonl'}", f"--data.dev={data / 'dev.jsonl'}", f"--data.test={data / 'test.jsonl'}",
        f"--train.output_dir={root / 'run'}", "--train.max_steps=60", "--train.batch_size=4",
        "--train.progress_bar=false", "--train.eval_every_epochs=100", "--train.num_threads=1",
    ])
    train(cfg)
    model = root / "run" / "model"
    fp32 = export_onnx(model, root / "onnx-fp32")
    assert cli(["export-onnx", "--model", str(model), "--out", str(root / "onnx-int8"), "--quantize", "int8"]) == 0
    return {"root": root, "data": data, "model": model, "fp32": fp32, "int8": root / "onnx-int8"}


def _reports() -> list[str]:
    texts: dict[str, list[str]] = {}
    for doc, text, _ in CORPUS:
        texts.setdefault(doc, []).append(text)
    return [" ".join(t) for t in texts.values()]
