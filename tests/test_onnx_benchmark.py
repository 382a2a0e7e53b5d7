"""The benchmark (``train.bench``): every figure it writes, its worker process, the student path and the CPU facts,
on a tiny model trained here on a few sentences (tests/_onnx_helpers.py)."""
from __future__ import annotations

import json
import math
import os
from pathlib import Path

import pytest

pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")

pytest_plugins = ["tests._onnx_helpers"]  # the session-scoped `tiny` fixture, trained once for both onnx test files


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
    assert set(ck["paths"]) == set(PATHS) | {"student-onnx-fp32", "student-onnx-int8", "records-student-int8"}
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
    # text -> records on each int8 export, against NER alone on the same export
    records = ck["paths"]["records-student-int8"]
    assert records["f1"] == student["f1"] and records["records_per_pass"] >= 0
    for rec_path, ner_path in (("records-onnx-int8", "predictor-onnx-int8"), ("records-student-int8", "student-onnx-int8")):
        (name, goal), = [(k, v) for k, v in goals.items() if k.startswith(f"e5-offline: {rec_path} >= 0.85 of")]
        ratio = ck["paths"][rec_path]["sentences_per_s"] / ck["paths"][ner_path]["sentences_per_s"]
        assert goal == {"ratio": round(ratio, 3), "met": ratio >= 0.85}
        assert f"end to end ({rec_path}: text -> event records)" in table and f"of {ner_path}'s sentences/s" in table


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
