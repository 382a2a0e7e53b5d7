"""``war-ner extract`` over archives: streaming, resume after SIGKILL, worker processes, bad input."""
from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import sys
import time

import pytest

from tests.conftest import REPO
from train.batch.sink import ResumableFile
from train.cli import main

REPORTS = [
    "قصفت طائرات التحالف الدولي مواقع في مدينة الرقة فجر اليوم، ما أدى إلى مقتل 12 عنصراً من تنظيم “الدولة الإسلامية”.",
    "سيطرت قوات النظام على بلدة سراقب ضمن معركة “فجر إدلب” ليل أمس.\nوأصيب نحو 20 مدنياً بجروح في إدلب.",
    "استهدفت قسد رتلاً في دير الزور الثلاثاء، ووثق المرصد مقتل ثلاثة مقاتلين من هيئة تحرير الشام.",
    "أصيب 12 مدنياً في دير الزور ليل أمس.",
]


def _archive(path, n, start=0):
    """n reports (the four above in turn) with ids r0000.., a date, and one extra field to carry through."""
    lines = [json.dumps({"id": f"r{i:04d}", "date": "2019-03-12", "text": REPORTS[i % len(REPORTS)],
                         "source": f"feed-{i % 3}"}, ensure_ascii=False) for i in range(start, start + n)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return lines


def _env():
    return dict(os.environ, PYTHONPATH=str(REPO))


def _journal(out):
    return [json.loads(line) for line in (out.parent / (out.name + ".progress")).read_text("utf-8").splitlines()]


def test_sigkill_half_way_then_resume_loses_nothing_and_duplicates_nothing(tiny_checkpoint, tmp_path, capsys):
    archive = tmp_path / "archive.jsonl"
    lines = _archive(archive, 40)
    ref = tmp_path / "ref.jsonl"
    assert main(["extract", "--model", str(tiny_checkpoint), "--out", str(ref), str(archive)]) == 0
    reference = ref.read_bytes()
    assert reference, "the tiny model should give records for these reports"

    # The archive goes in through a pipe we control, so the kill lands half way whatever the speed: send 20
    # reports, wait until the journal has committed them, start the 21st line without ending it, SIGKILL.
    out = tmp_path / "out.jsonl"
    proc = subprocess.Popen([sys.executable, "-m", "train.cli", "extract", "--model", str(tiny_checkpoint),
                             "--stdin-format", "jsonl", "--out", str(out), "-"], cwd=REPO, env=_env(),
                            stdin=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdin.write(("\n".join(lines[:20]) + "\n").encode("utf-8"))
    proc.stdin.flush()
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and proc.poll() is None:
        if (out.parent / "out.jsonl.progress").exists() and len(_journal(out)) >= 21:
            break
        time.sleep(0.02)
    assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
    proc.stdin.write(lines[20][:30].encode("utf-8"))
    proc.stdin.flush()
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(30)
    assert proc.returncode == -signal.SIGKILL
    killed = _journal(out)
    assert killed[-1]["n"] == 20 and out.stat().st_size == killed[-1]["end"]
    # a half-written report at the end of OUT and a partial journal line, as a crash mid-write leaves them
    with open(out, "ab") as fh:
        fh.write('{"source_id": "r0020", "trunc'.encode("utf-8"))
    with open(out.parent / "out.jsonl.progress", "ab") as fh:
        fh.write(b'{"n": 21, "id": "r00')

    assert main(["extract", "--model", str(tiny_checkpoint), "--out", str(out), str(archive)]) == 0
    assert "from 40 report(s) (20 already done before this run)" in capsys.readouterr().err
    assert out.read_bytes() == reference  # nothing missing, nothing twice, same order
    journal = _journal(out)
    assert [e["id"] for e in journal[1:]] == [f"r{i:04d}" for i in range(40)]

    # a finished output reruns to nothing new
    assert main(["extract", "--model", str(tiny_checkpoint), "--out", str(out), str(archive)]) == 0
    assert "(40 already done before this run)" in capsys.readouterr().err and out.read_bytes() == reference


def test_resumable_file_cuts_back_to_the_last_committed_report(tmp_path):
    from model.reports import Report

    class Rec:
        def __init__(self, i):
            self.i = i

        def to_dict(self):
            return {"source_id": f"r{self.i}", "n": self.i}

    out = tmp_path / "o.jsonl"
    sink = ResumableFile(out, "jsonl", {"model": "m", "date": None})
    for i in range(3):
        sink.add(Report(f"r{i}", "t", extra={"k": i} if i else {}), [], [Rec(i), Rec(i)])
    sink.close()
    committed = out.read_bytes()
    assert committed.count(b"\n") == 6 and b'"report_fields": {"k": 1}' in committed
    with open(out, "ab") as fh:
        fh.write(b'{"source_id": "r3", "n": 3}\n{"sou')  # a report whose journal line never came
    again = ResumableFile(out, "jsonl", {"model": "m", "date": None})
    assert (again.done, again.last_id, again.records) == (3, "r2", 6)
    again.close()
    assert out.read_bytes() == committed
    with pytest.raises(ValueError, match="other settings.*model: 'm'.*fix: rerun with the same model"):
        ResumableFile(out, "jsonl", {"model": "other", "date": None})
    plain = tmp_path / "mine.jsonl"
    plain.write_text("something of the user's\n", encoding="utf-8")
    with pytest.raises(ValueError, match="has no mine.jsonl.progress.*--overwrite"):
        ResumableFile(plain, "jsonl", {"model": "m", "date": None})
    assert plain.read_text(encoding="utf-8") == "something of the user's\n"


def test_two_workers_give_the_same_output_in_the_same_order(tiny_checkpoint, tmp_path):
    from train.batch import extract

    archive = tmp_path / "a.jsonl"
    _archive(archive, 14)
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    s1 = extract(str(tiny_checkpoint), [str(archive)], out=str(one), workers=1, progress=False)
    s2 = extract(str(tiny_checkpoint), [str(archive)], out=str(two), workers=2, progress=False)
    assert s1.reports == s2.reports == 14 and s1.records == s2.records > 0
    assert one.read_bytes() == two.read_bytes()
    first = json.loads(one.read_text(encoding="utf-8").splitlines()[0])
    assert first["source_id"] == "r0000" and first["report_fields"] == {"source": "feed-0"}


def test_folder_of_txt_and_csv_stream(tiny_checkpoint, tmp_path, capsys):
    folder = tmp_path / "reports"
    (folder / "2019").mkdir(parents=True)
    (folder / "b.txt").write_text(REPORTS[0], encoding="utf-8")
    (folder / "2019" / "a.txt").write_text(REPORTS[1], encoding="utf-8")
    (folder / "notes.md").write_text("not a report", encoding="utf-8")
    out = tmp_path / "o.jsonl"
    assert main(["extract", "--model", str(tiny_checkpoint), "--date", "2019-03-12", "--out", str(out),
                 str(folder)]) == 0
    err = capsys.readouterr().err
    ids = [json.loads(line)["source_id"] for line in out.read_text(encoding="utf-8").splitlines()]
    assert ids and ids == sorted(ids, key=["2019/a", "b"].index)
    assert err.strip().endswith("from 2 report(s)")  # no progress bar when stderr is not a terminal
    csv_out = tmp_path / "o.csv"
    assert main(["extract", "--model", str(tiny_checkpoint), "--format", "csv", "--out", str(csv_out),
                 str(folder)]) == 0
    rows = list(csv.DictReader(io.StringIO(csv_out.read_text(encoding="utf-8"), newline="")))
    assert len(rows) == len(ids) and rows[0]["event_type"]


def _bad(tmp_path, capsys, *args, model):
    code = main(["extract", "--model", str(model), "--out", str(tmp_path / "o.jsonl"), *map(str, args)])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert not (tmp_path / "o.jsonl").exists()
    return err


def test_bad_input_says_what_where_and_how_to_fix(tiny_checkpoint, tmp_path, capsys):
    m = tiny_checkpoint
    empty = tmp_path / "empty"
    empty.mkdir()
    assert "holds no .txt or .jsonl file" in _bad(tmp_path, capsys, empty, model=m)
    other = tmp_path / "other"
    other.mkdir()
    (other / "a.csv").write_text("x", encoding="utf-8")
    assert "holds no .txt or .jsonl file" in _bad(tmp_path, capsys, other, model=m)
    binary = tmp_path / "report.txt"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    assert "report.txt: binary file" in _bad(tmp_path, capsys, binary, model=m)
    gz = tmp_path / "a.jsonl"
    gz.write_bytes(b"\x1f\x8b\x08\x00\xff\xfe\x00\x00")
    assert "a.jsonl:1: not UTF-8 text" in _bad(tmp_path, capsys, gz, model=m)
    bad_json = tmp_path / "b.jsonl"
    bad_json.write_text('{"id": "1", "text": "قصف"}\n\n{"id": "2", "text": "قصف",\n', encoding="utf-8")
    assert "b.jsonl:3: invalid JSON" in _bad(tmp_path, capsys, bad_json, model=m)
    no_text = tmp_path / "c.jsonl"
    no_text.write_text('{"id": "1", "text": "قصف"}\n{"id": "2", "body": "قصف"}\n', encoding="utf-8")
    assert "c.jsonl:2: no 'text' field (fields: 'id', 'body')" in _bad(tmp_path, capsys, no_text, model=m)
    wrong = tmp_path / "d.jsonl"
    wrong.write_text('{"id": "1", "text": 5}\n', encoding="utf-8")
    assert "d.jsonl:1: 'text' is a number; expected a string" in _bad(tmp_path, capsys, wrong, model=m)
    bad_day = tmp_path / "e.jsonl"
    bad_day.write_text('{"id": "x1", "text": "قصف", "date": "2017-02-30"}\n', encoding="utf-8")
    assert "e.jsonl:1 (x1): date '2017-02-30' is not a calendar day" in _bad(tmp_path, capsys, bad_day, model=m)
    good = tmp_path / "good.jsonl"
    good.write_text('{"id": "1", "text": "قصف"}\n', encoding="utf-8")
    err = _bad(tmp_path, capsys, "--date", "2017-13-45", good, model=m)
    assert "--date: date '2017-13-45' is not a calendar day; expected an ISO date YYYY-MM-DD" in err
    assert "no config.json" in _bad(tmp_path, capsys, good, model=tmp_path)
    assert "no such folder" in _bad(tmp_path, capsys, good, model=tmp_path / "nope")
    # an output that an extract did not write is never appended to or replaced
    (tmp_path / "o.jsonl").write_text("mine\n", encoding="utf-8")
    assert main(["extract", "--model", str(m), "--out", str(tmp_path / "o.jsonl"), str(good)]) == 2
    assert "pass --overwrite" in capsys.readouterr().err
    assert (tmp_path / "o.jsonl").read_text(encoding="utf-8") == "mine\n"
    assert main(["extract", "--model", str(m), "--out", str(empty), str(good)]) == 2  # a folder as --out
    assert "is a folder; expected a file path for --out" in capsys.readouterr().err
