"""ONNX export (fp32 and dynamic int8) and the benchmark script, on a tiny model trained here on a few sentences."""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # scripts/ is not an installed package
    sys.path.insert(0, str(REPO))

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


@pytest.fixture(scope="module")
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


def test_export_folder_loads_and_is_verified(tiny):
    import onnx

    for key in ("fp32", "int8"):
        folder = tiny[key]
        for name in ("model.onnx", "config.json", "tokenizer.json", "onnx_export.json"):
            assert (folder / name).exists(), f"{key}: {name} missing"
        graph = onnx.load(str(folder / "model.onnx")).graph
        assert [i.name for i in graph.input] == ["input_ids", "attention_mask"]
        assert [o.name for o in graph.output] == ["logits"]
        dims = [d.dim_param for d in graph.input[0].type.tensor_type.shape.dim]
        assert dims == ["batch", "sequence"]  # dynamic batch and sequence axes
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        assert config["war_ner_max_length"] == 128 and config["id2label"]["0"] == "O"
    info = json.loads((tiny["fp32"] / "onnx_export.json").read_text(encoding="utf-8"))
    assert info["verify_vs_torch"]["max_abs_diff"] < 1e-3
    int8 = json.loads((tiny["int8"] / "onnx_export.json").read_text(encoding="utf-8"))
    assert int8["quantize"] == "int8"
    assert (tiny["int8"] / "model.onnx").stat().st_size < (tiny["fp32"] / "model.onnx").stat().st_size
    assert not [p for p in tiny["root"].iterdir() if p.name.startswith(".tmp-")]


def test_fp32_onnx_predicts_the_same_entities_as_torch(tiny):
    from model.predictor import Predictor

    texts = _reports()
    torch_out = Predictor.from_pretrained(tiny["model"], num_threads=1).predict(texts)
    onnx_out = Predictor.from_pretrained(tiny["fp32"], num_threads=1).predict(texts)
    assert sum(map(len, torch_out)) > 0
    for a, b in zip(torch_out, onnx_out):
        assert [(e.start, e.end, e.label, e.text) for e in a] == [(e.start, e.end, e.label, e.text) for e in b]
        assert [e.score for e in a] == pytest.approx([e.score for e in b], abs=1e-4)


def test_int8_onnx_mostly_agrees_with_torch(tiny):
    from model.predictor import Predictor
    from model.words import split_words

    sentences = [[w.text for w in split_words(text)] for _, text, _ in CORPUS]
    ref = Predictor.from_pretrained(tiny["model"], num_threads=1).predict_word_tags(sentences)
    got = Predictor.from_pretrained(tiny["int8"], num_threads=1).predict_word_tags(sentences)
    pairs = [(a, b) for (ta, _), (tb, _) in zip(ref, got) for a, b in zip(ta, tb)]
    agreement = sum(a == b for a, b in pairs) / len(pairs)
    # dynamic int8 moves logits by a few hundredths here; a trained model's argmax rarely flips
    assert agreement >= 0.9, agreement


def test_export_replaces_atomically_and_refuses_bad_sources(tiny, tmp_path):
    from model.onnx_export import export_onnx

    out = tmp_path / "onnx"
    export_onnx(tiny["model"], out)
    (out / "stale.txt").write_text("from an older export", encoding="utf-8")
    export_onnx(tiny["model"], out)
    assert not (out / "stale.txt").exists() and (out / "model.onnx").exists()
    before = sorted(p.name for p in out.iterdir())
    with pytest.raises(ValueError, match="already an ONNX folder"):
        export_onnx(tiny["fp32"], out)
    with pytest.raises(FileNotFoundError, match="no config.json"):
        export_onnx(tmp_path / "nothing", out)
    with pytest.raises(ValueError, match="quantize"):
        export_onnx(tiny["model"], out, quantize="int4")
    assert sorted(p.name for p in out.iterdir()) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["onnx"]


def test_entities_map_back_to_word_tags():
    from scripts.bench import entities_to_word_tags

    words = [[0, 4, "قصفت"], [5, 9, "قوات"], [10, 16, "النظام"], [17, 21, "بلدة"]]
    # a span that starts inside a word (sub-word aggregation) still claims the whole word
    assert entities_to_word_tags(words, [[6, 16, "FACTION"]]) == ["O", "B-FACTION", "I-FACTION", "O"]
    assert entities_to_word_tags(words, [[17, 21, "LOCATION"], [0, 4, "DATE"]]) == ["B-DATE", "O", "O", "B-LOCATION"]
    assert entities_to_word_tags(words, []) == ["O"] * 4


def test_benchmark_writes_every_figure(tiny, tmp_path, monkeypatch):
    import torch

    from scripts.bench import PATHS, format_table, run_benchmark
    from train.cli import build_parser

    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):  # the benchmark pins them; restore after
        monkeypatch.setenv(var, os.environ.get(var, "1"))
    threads = torch.get_num_threads()
    out = tmp_path / "bench.json"
    try:
        # in this process (isolate=False) to stay fast; the subprocess worker is exercised below
        result = run_benchmark(tiny["model"], tiny["data"], out_json=out, sizes=(1, 5), max_sentences=6,
                               train_steps=5, threads=1, repeats=1, isolate=False, verbose=False)
    finally:
        torch.set_num_threads(threads)
    saved = json.loads(out.read_text(encoding="utf-8"))
    assert saved["settings"]["threads"] == 1 and saved["texts"]["sentences"] == 6
    ck = saved["checkpoints"]["tiny"]
    assert set(ck["paths"]) == set(PATHS)
    for path, r in ck["paths"].items():
        assert "error" not in r, r
        for key in ("sentences_per_s", "latency_ms_p50", "latency_ms_p95", "peak_rss_mb", "f1", "load_seconds",
                    "speedup_vs_pipeline", "tag_agreement_with_torch"):
            assert isinstance(r[key], (int, float)), (path, key)
        assert 0.0 <= r["f1"] <= 1.0
        if path != "pipeline":
            assert 0.0 <= r["f1_sentences"] <= 1.0
    assert ck["paths"]["predictor-onnx-fp32"]["tag_agreement_with_torch"] == 1.0
    # text -> records finds the same entities as the NER-only int8 path (one encoder pass serves both)
    assert ck["paths"]["records-onnx-int8"]["f1"] == ck["paths"]["predictor-onnx-int8"]["f1"]
    assert ck["exports"]["predictor-onnx-int8"]["verify_vs_torch"]["max_abs_diff"] >= 0
    assert [row["reports"] for row in ck["scaling"]["sizes"]] == [1, 5]
    assert all(row["wall_seconds"] > 0 and row["ms_per_report"] > 0 for row in ck["scaling"]["sizes"])
    training = saved["training"]["tiny"]
    for key in ("ours", "baseline"):
        r = training[key]
        assert "error" not in r, r
        assert r["steps"] == 5 and r["samples"] > 0
        for field in ("samples_per_s", "loop_seconds", "wall_seconds", "test_f1", "real_tokens", "padded_tokens"):
            assert isinstance(r[field], (int, float)), (key, field)
    assert any(name.startswith("training tiny") for name in saved["goals"])
    assert any(name.startswith("tiny: int8") for name in saved["goals"])
    assert "predictor-onnx-int8" in format_table(result)
    args = build_parser().parse_args(["bench", "--model", "m", "--sizes", "1,10,100", "--no-training"])
    assert args.sizes == [1, 10, 100] and args.no_training and args.data == "data/annotations"


def test_worker_runs_in_a_fresh_process(tiny, tmp_path):
    from scripts.bench import _spawn, load_reports

    reports = load_reports(tiny["data"] / "test.jsonl", max_sentences=3)
    res = _spawn("scale", {"path": "predictor-onnx-int8", "model_dir": str(tiny["int8"]), "reports": reports,
                           "threads": 1, "repeats": 1, "batch_size": 8, "sizes": [1, 2]}, tmp_path)
    assert "error" not in res, res
    assert [row["reports"] for row in res["sizes"]] == [1, 2] and res["peak_rss_mb"] > 0


def test_student_path_is_compared_with_its_teachers_pipeline_and_torch(tiny, tmp_path):
    from scripts.bench import _bench_checkpoint, _goals, _in_process, format_table, load_reports

    reports = load_reports(tiny["data"] / "test.jsonl", max_sentences=4)
    # any checkpoint can stand in for the student here: the bench only needs a second folder with the same labels
    ck = _bench_checkpoint("e5-offline", tiny["model"], reports, _in_process, tmp_path, threads=1, repeats=1,
                           rounds=1, batch_size=8, sizes=(), quantize_options={}, student_dir=tiny["model"])
    student = ck["paths"]["student-onnx-int8"]
    assert "error" not in student and student["model_dir"] != str(tiny["model"])
    assert ck["student_model_dir"] == str(tiny["model"]) and "student-onnx-int8" in ck["exports"]
    assert "scaling" not in ck
    goals = _goals({"checkpoints": {"e5-offline": ck}})
    (name, goal), = [(k, v) for k, v in goals.items() if "distilled student" in k]
    pipe, torch_ = ck["paths"]["pipeline"], ck["paths"]["predictor-torch"]
    assert goal["speedup"] == round(student["sentences_per_s"] / pipe["sentences_per_s"], 2)
    assert goal["f1_delta_points"] == round(100 * (student["f1"] - torch_["f1"]), 2)
    table = format_table({"settings": {"threads": 1, "repeats": 1, "batch_size": 8}, "texts": {"reports": 1,
                          "sentences": 4}, "machine": {}, "checkpoints": {"e5-offline": ck}, "goals": goals})
    assert "student-onnx-int8" in table and "distilled student" in table


def test_student_without_its_teacher_is_refused(capsys):
    from train.cli import main as cli

    with pytest.raises(SystemExit, match="--student-model needs --e5-model"):
        cli(["bench", "--model", "m", "--student-model", "s"])
