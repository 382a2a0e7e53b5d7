"""ONNX export (fp32, dynamic and static int8, nodes kept fp32), the fast path inside a checkpoint, and the
benchmark (``train.bench``), on a tiny model trained here on a few sentences."""
from __future__ import annotations

import json
import math
import os
from pathlib import Path

import pytest

pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")

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
    from train.bench.texts import entities_to_word_tags

    words = [[0, 4, "قصفت"], [5, 9, "قوات"], [10, 16, "النظام"], [17, 21, "بلدة"]]
    # a span that starts inside a word (sub-word aggregation) still claims the whole word
    assert entities_to_word_tags(words, [[6, 16, "FACTION"]]) == ["O", "B-FACTION", "I-FACTION", "O"]
    assert entities_to_word_tags(words, [[17, 21, "LOCATION"], [0, 4, "DATE"]]) == ["B-DATE", "O", "O", "B-LOCATION"]
    assert entities_to_word_tags(words, []) == ["O"] * 4


def test_benchmark_writes_every_figure(tiny, tmp_path, monkeypatch):
    import torch

    from train.bench import PATHS, Goals, format_table, run_benchmark
    from train.cli import build_parser

    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):  # the benchmark pins them; restore after
        monkeypatch.setenv(var, os.environ.get(var, "1"))
    threads = torch.get_num_threads()
    out = tmp_path / "bench.json"
    try:
        # in this process (isolate=False) to stay fast; the subprocess worker is exercised below
        # the tiny reports are about 30 words: "long" means 20+ words here, so the long-report line is exercised
        result = run_benchmark(tiny["model"], tiny["data"], out_json=out, sizes=(1, 5), max_sentences=6,
                               long_words=20, train_steps=5, threads=1, repeats=1, isolate=False, verbose=False,
                               student_model_dir=tiny["model"],  # any checkpoint with the same labels stands in
                               goals=Goals(speedup=0.01, f1_delta_points=100.0, peak_rss_mb=1e6, scaling_ratio=1e6))
    finally:
        torch.set_num_threads(threads)
    saved = json.loads(out.read_text(encoding="utf-8"))
    assert saved["settings"]["threads"] == 1 and saved["texts"]["sentences"] == 6
    ck = saved["checkpoints"]["tiny"]
    # without --e5-model the student runs beside --model, in fp32 (fewer layers alone) and int8
    assert set(ck["paths"]) == set(PATHS) | {"student-onnx-fp32", "student-onnx-int8"}
    assert ck["student_model_dir"] == str(tiny["model"])
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
    verify = ck["exports"]["predictor-onnx-int8"]["verify_vs_torch"]
    assert verify["positions"] > 0 and 0.5 <= verify["argmax_agreement"] <= 1.0
    assert math.isfinite(verify["max_abs_diff"]) and verify["max_abs_diff"] > 0  # int8 moves the logits somewhat
    # end to end: raw text -> event records, counted
    records = ck["paths"]["records-onnx-int8"]
    assert records["reports_per_s"] > 0 and records["records_per_pass"] >= 0 and math.isfinite(records["records_per_s"])
    # the long-report line: every predictor path, every long report, positive finite costs and windows
    assert [r["doc"] for r in saved["texts"]["long_reports"]] == ["syr-001", "irq-001", "yem-001"]
    for path in ("predictor-torch", "predictor-onnx-fp32", "predictor-onnx-int8", "records-onnx-int8"):
        long = ck["paths"][path]["long"]
        assert len(long["reports"]) == 3, path
        for row in long["reports"]:
            assert row["words"] >= 20 and row["windows"] >= row["sentences"] >= 3 and row["longest_window"] > 2
            assert math.isfinite(row["ms"]) and row["ms"] > 0 and row["words_per_s"] > 0
        assert math.isfinite(long["words_per_s"]) and long["words_per_s"] > 0
    assert "long" not in ck["paths"]["pipeline"]  # the pipeline has no windows
    # the scaling line: 1 and 5 reports, positive finite times, and how flat the cost per report is
    assert [row["reports"] for row in ck["scaling"]["sizes"]] == [1, 5]
    for row in ck["scaling"]["sizes"]:
        assert math.isfinite(row["wall_seconds"]) and row["wall_seconds"] > 0 and row["ms_per_report"] > 0
    assert math.isfinite(ck["scaling"]["max_over_min_ms_per_report"]) and ck["scaling"]["max_over_min_ms_per_report"] >= 1
    assert ck["scaling"]["peak_rss_mb"] > 0
    # the machine: CPU model and ISA flags, library versions, threads
    cpu = saved["machine"]["cpu"]
    for flag in ("avx2", "avx512f", "avx512_vnni", "amx_tile"):
        assert flag in cpu["isa"], flag
    if Path("/proc/cpuinfo").exists():
        assert cpu["source"] == "/proc/cpuinfo" and cpu["model"]
        assert all(isinstance(v, bool) for v in cpu["isa"].values())
    versions = saved["machine"]["versions"]
    for lib in ("python", "torch", "transformers", "onnxruntime", "numpy"):
        assert isinstance(versions[lib], str) and versions[lib][0].isdigit(), lib
    assert saved["machine"]["threads"] == 1
    # goals are options: the thresholds given are the ones recorded and judged
    assert saved["settings"]["goals"]["speedup"] == 0.01
    fast = next(g for name, g in saved["goals"].items() if name.startswith("tiny: fastest path"))
    assert fast["met"] and fast["best_path"] in ck["paths"]
    assert any(name.startswith("tiny: cost per report flat") and g["met"] for name, g in saved["goals"].items())
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
    args = build_parser().parse_args(["bench", "--model", "m", "--sizes", "1,10,100", "--no-training",
                                      "--goal-speedup", "2.5", "--quantize", "int8-static", "--keep-fp32", "classifier"])
    assert args.sizes == [1, 10, 100] and args.no_training and args.data == "data/annotations"
    assert args.goal_speedup == 2.5 and args.goal_f1_delta == 0.5 and args.keep_fp32 == ["classifier"]


def test_worker_runs_in_a_fresh_process(tiny, tmp_path):
    from train.bench.isolation import spawn
    from train.bench.texts import load_reports

    reports = load_reports(tiny["data"] / "test.jsonl", max_sentences=3)
    res = spawn("scale", {"path": "predictor-onnx-int8", "model_dir": str(tiny["int8"]), "reports": reports,
                           "threads": 1, "repeats": 1, "batch_size": 8, "sizes": [1, 2]}, tmp_path)
    assert "error" not in res, res
    assert [row["reports"] for row in res["sizes"]] == [1, 2] and res["peak_rss_mb"] > 0


def test_student_path_is_compared_with_its_teachers_pipeline_and_torch(tiny, tmp_path):
    from train.bench import Goals, format_table
    from train.bench.checkpoint import bench_checkpoint
    from train.bench.goals import judge
    from train.bench.isolation import in_process
    from train.bench.texts import load_reports

    reports = load_reports(tiny["data"] / "test.jsonl", max_sentences=4)
    # any checkpoint can stand in for the student here: the bench only needs a second folder with the same labels
    ck = bench_checkpoint("e5-offline", tiny["model"], reports, in_process, tmp_path, threads=1, repeats=1,
                          rounds=1, batch_size=8, sizes=(), quantize_options={}, student_dir=tiny["model"])
    student = ck["paths"]["student-onnx-int8"]
    assert "error" not in student and student["model_dir"] != str(tiny["model"])
    assert ck["student_model_dir"] == str(tiny["model"]) and "student-onnx-int8" in ck["exports"]
    assert "scaling" not in ck
    goals = judge({"checkpoints": {"e5-offline": ck}}, Goals())
    (name, goal), = [(k, v) for k, v in goals.items() if "distilled student" in k]
    pipe, torch_ = ck["paths"]["pipeline"], ck["paths"]["predictor-torch"]
    assert goal["speedup"] == round(student["sentences_per_s"] / pipe["sentences_per_s"], 2)
    assert goal["f1_delta_points"] == round(100 * (student["f1"] - torch_["f1"]), 2)
    table = format_table({"settings": {"threads": 1, "repeats": 1, "batch_size": 8}, "texts": {"reports": 1,
                          "sentences": 4}, "machine": {}, "checkpoints": {"e5-offline": ck}, "goals": goals})
    assert "student-onnx-int8" in table and "distilled student" in table


def test_cpu_flags_are_read_from_cpuinfo_and_absent_elsewhere(tmp_path):
    from train.bench.system import cpu_info, library_versions

    fake = tmp_path / "cpuinfo"
    fake.write_text("processor\t: 0\nmodel name\t: Test CPU 9000\nflags\t\t: fpu sse4_2 avx avx2 fma avx512f "
                    "avx512_vnni\n\nprocessor\t: 1\nmodel name\t: Test CPU 9000\nflags\t\t: fpu\n", encoding="utf-8")
    info = cpu_info(fake)
    assert info["model"] == "Test CPU 9000" and info["source"] == str(fake)
    assert info["isa"]["avx2"] is True and info["isa"]["avx512_vnni"] is True
    assert info["isa"]["amx_tile"] is False and info["isa"]["avx_vnni"] is False
    missing = cpu_info(tmp_path / "nothing")  # no /proc/cpuinfo (macOS reads sysctl, others know nothing)
    assert set(missing["isa"]) == set(info["isa"]) and missing["source"] != str(tmp_path / "nothing")
    versions = library_versions()
    assert versions["onnxruntime"] and versions["python"].count(".") == 2


def test_static_int8_with_nodes_kept_in_fp32(tiny, tmp_path):
    import onnx

    from model.onnx_export import export_onnx
    from model.predictor import Predictor

    out = export_onnx(tiny["model"], tmp_path / "static", quantize="int8-static", per_channel=False,
                      keep_fp32=["classifier"], calibration=tiny["data"] / "train.jsonl", calibration_limit=6)
    for name in ("model.onnx", "config.json", "tokenizer.json", "onnx_export.json"):
        assert (out / name).exists(), name
    info = json.loads((out / "onnx_export.json").read_text(encoding="utf-8"))
    q = info["quantization"]
    assert q["method"] == "int8-static" and q["per_channel"] is False and q["calibration_windows"] == 6
    assert q["nodes_kept_fp32"] and all("classifier" in n for n in q["nodes_kept_fp32"])
    verify = info["verify_vs_torch"]  # the agreement check runs on every export
    assert verify["positions"] > 0 and 0.5 <= verify["argmax_agreement"] <= 1.0
    graph = onnx.load(str(out / "model.onnx")).graph
    ops = [n.op_type for n in graph.node]
    assert "QuantizeLinear" in ops and "DequantizeLinear" in ops  # activations calibrated, not quantised per batch
    kept = [n for n in graph.node if n.name in q["nodes_kept_fp32"] and n.op_type == "MatMul"]
    assert kept  # the classifier's MatMul (its bias Add matches too)
    produced_by = {o: n.op_type for n in graph.node for o in n.output}
    assert all(produced_by.get(i) != "DequantizeLinear" for n in kept for i in n.input)  # fed float, not int8
    sentences = [text.split() for _, text, _ in CORPUS]
    assert Predictor.from_pretrained(out, num_threads=1).predict_word_tags(sentences)


def test_quantize_options_are_checked_before_the_export(tiny, tmp_path, capsys):
    from model.errors import InputError
    from model.quantize import matching_nodes
    from train.cli import main as cli

    with pytest.raises(InputError, match="matches no node"):
        matching_nodes(tiny["fp32"] / "model.onnx", ["no-such-layer"])
    assert matching_nodes(tiny["fp32"] / "model.onnx", ["classifier"])
    assert cli(["export-onnx", "--model", str(tiny["model"]), "--out", str(tmp_path / "x"),
                "--quantize", "int8-static"]) == 2
    assert "--calibration" in capsys.readouterr().err and not (tmp_path / "x").exists()
    assert cli(["export-onnx", "--model", str(tiny["model"]), "--out", str(tmp_path / "y"),
                "--keep-fp32", "classifier"]) == 2  # fp32 export: nothing to keep
    assert cli(["export-onnx", "--model", str(tiny["model"]), "--out", str(tmp_path / "y"),
                "--quantize", "int8", "--smooth", "0.8"]) == 2  # smoothing reads activation peaks from text
    assert "--smooth without --calibration" in capsys.readouterr().err
    assert not (tmp_path / "y").exists()


def test_checkpoint_with_its_own_int8_export_runs_onnx_unless_told(tiny, tmp_path, monkeypatch):
    import shutil

    from safetensors.torch import load_file, save_file

    from model.errors import InputError
    from model.onnx_export import export_onnx
    from model.predictor import Predictor

    ck = tmp_path / "model"
    shutil.copytree(tiny["model"], ck)
    assert Predictor.from_pretrained(ck, num_threads=1).engine == "torch"  # no fast path yet
    with pytest.raises(InputError, match="onnx-int8"):
        Predictor.from_pretrained(ck, engine="onnx")
    export_onnx(ck, ck / "onnx-int8", quantize="int8")
    fast = Predictor.from_pretrained(ck, num_threads=1)
    assert fast.engine == "onnx" and fast.model_dir == ck / "onnx-int8"
    forced = Predictor.from_pretrained(ck, num_threads=1, engine="torch")
    assert forced.engine == "torch" and forced.model_dir == ck
    monkeypatch.setenv("WAR_NER_ENGINE", "torch")  # what `war-ner extract` and its worker processes read
    assert Predictor.from_pretrained(ck, num_threads=1).engine == "torch"
    monkeypatch.setenv("WAR_NER_ENGINE", "gpu")
    with pytest.raises(InputError, match="WAR_NER_ENGINE"):
        Predictor.from_pretrained(ck)
    monkeypatch.delenv("WAR_NER_ENGINE")
    texts = _reports()
    assert sum(map(len, fast.predict(texts))) > 0
    # retrained in place: the export no longer matches the weights, so torch runs (with a warning)
    weights = load_file(str(ck / "model.safetensors"))
    name = next(k for k in weights if "classifier" in k)
    weights[name] = weights[name] + 0.5
    save_file(weights, str(ck / "model.safetensors"), metadata={"format": "pt"})
    with pytest.warns(UserWarning, match="not exported from the weights"):
        assert Predictor.from_pretrained(ck, num_threads=1).engine == "torch"
    with pytest.raises(InputError, match="torch cannot run"):
        Predictor.from_pretrained(ck / "onnx-int8", engine="torch")


def test_smoothing_is_exact_in_fp32_and_exported_with_int8(tiny, tmp_path):
    import numpy as np
    import onnx
    import onnxruntime as ort

    from model.onnx_export import export_onnx
    from model.predictor import Predictor
    from model.quantize import calibration_texts, calibration_windows, smooth_graph

    tok = Predictor.from_pretrained(tiny["fp32"], num_threads=1).tokenizer
    windows = calibration_windows(tok, calibration_texts(tiny["data"] / "train.jsonl"), 128, 32)
    smoothed = smooth_graph(onnx.load(str(tiny["fp32"] / "model.onnx")), windows, 0.8)
    muls = [n for n in smoothed.graph.node if n.name.startswith("smooth_")]
    assert len(muls) >= 4  # one per distinct weight-MatMul input: q/k/v share one, then attn out, FFN up, down...
    ids = np.asarray([windows[0]], dtype=np.int64)
    feed = {"input_ids": ids, "attention_mask": np.ones_like(ids)}
    before = ort.InferenceSession(str(tiny["fp32"] / "model.onnx")).run(["logits"], feed)[0]
    after = ort.InferenceSession(smoothed.SerializeToString()).run(["logits"], feed)[0]
    assert np.abs(before - after).max() < 1e-4  # the rescaling cancels exactly before quantisation
    out = export_onnx(tiny["model"], tmp_path / "smooth", quantize="int8", smooth=0.8,
                      calibration=tiny["data"] / "train.jsonl")
    info = json.loads((out / "onnx_export.json").read_text(encoding="utf-8"))
    assert info["quantization"]["smooth_alpha"] == 0.8 and info["quantization"]["smoothing_windows"] == len(windows)
    assert 0.5 <= info["verify_vs_torch"]["argmax_agreement"] <= 1.0 and info["verify_vs_torch"]["positions"] > 0
    graph = onnx.load(str(out / "model.onnx")).graph
    assert any(n.name.startswith("smooth_") for n in graph.node)
    assert any(n.op_type in ("MatMulInteger", "DynamicQuantizeMatMul") for n in graph.node)
    assert not list(tmp_path.glob("**/*.smoothed.onnx"))
