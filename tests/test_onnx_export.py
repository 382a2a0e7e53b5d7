"""ONNX export (fp32, dynamic and static int8, nodes kept fp32, smoothing) and the fast path inside a checkpoint,
on a tiny model trained here on a few sentences (tests/_onnx_helpers.py)."""
from __future__ import annotations

import json

import pytest

pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")

pytest.register_assert_rewrite("tests._onnx_helpers")  # imported here before pytest_plugins loads it
from tests._onnx_helpers import CORPUS, _reports  # noqa: E402

pytest_plugins = ["tests._onnx_helpers"]  # the session-scoped `tiny` fixture, trained once for both onnx test files


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
