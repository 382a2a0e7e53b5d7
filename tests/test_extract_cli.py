"""End to end: a tiny model trained in the tests, then `war-ner extract` in every format, and `war-ner events`."""
from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from html.parser import HTMLParser

from tests.conftest import REPO

REPORT = ("قصفت طائرات التحالف الدولي مواقع في مدينة الرقة فجر اليوم، ما أدى إلى مقتل 12 عنصراً من تنظيم "
          "“الدولة الإسلامية”.\nوسيطرت قوات النظام على بلدة سراقب ليل أمس، وأصيب نحو 20 مدنياً بجروح.")

RECORD_KEYS = {"event_type", "date", "locations", "actors", "operation", "casualties", "fatalities", "source_id"}


def _war_ner(*args, stdin=None):
    env = dict(os.environ, PYTHONPATH=str(REPO))
    r = subprocess.run([sys.executable, "-m", "train.cli", *args], cwd=REPO, env=env, input=stdin,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    return r


def _check_record(rec: dict, text: str) -> None:
    assert RECORD_KEYS <= set(rec)
    assert rec["event_type"]["value"] in {"battle", "explosion_remote_violence", "violence_against_civilians",
                                          "strategic_development", "other"}
    assert isinstance(rec["fatalities"], int) and rec["fatalities"] >= 0
    for value in rec["locations"] + rec["actors"] + rec["casualties"] + [rec["operation"], rec["date"]]:
        if value and value.get("start") is not None:
            assert text[value["start"]:value["end"]] == value["text"]
    for c in rec["casualties"]:
        assert c["status"] in {"killed", "wounded", "captured", "missing", "unknown"}
        assert c["qualifier"] in {"exact", "at_least", "approximately", "at_most", "vague"}


def test_extract_in_all_three_formats(tiny_checkpoint, tmp_path):
    report = tmp_path / "raqqa.txt"
    report.write_text(REPORT, encoding="utf-8")
    r = _war_ner("extract", "--model", str(tiny_checkpoint), "--date", "2019-03-12", "--format", "jsonl",
                 str(report))
    records = [json.loads(l) for l in r.stdout.splitlines() if l.strip()]
    assert records, "the tiny model memorised these sentences: the strike and the capture must come out"
    for rec in records:
        _check_record(rec, REPORT)
        assert rec["source_id"] == "raqqa"

    out_csv = tmp_path / "events.csv"
    _war_ner("extract", "--model", str(tiny_checkpoint), "--format", "csv", "--out", str(out_csv), str(report))
    rows = list(csv.DictReader(io.StringIO(out_csv.read_text(encoding="utf-8"))))
    assert len(rows) == len(records)
    header = out_csv.read_text(encoding="utf-8").splitlines()[0].split(",")
    assert {"event_date", "event_type", "actor1", "actor2", "location", "fatalities", "notes", "source"} <= set(header)

    out_html = tmp_path / "events.html"
    _war_ner("extract", "--model", str(tiny_checkpoint), "--format", "html", "--out", str(out_html), str(report))
    page = out_html.read_text(encoding="utf-8")
    assert 'dir="rtl"' in page and '<table class="events">' in page and "لا أحداث" not in page

    class Text(HTMLParser):
        def __init__(self):
            super().__init__()
            self.parts = []

        def handle_data(self, data):
            self.parts.append(data)

    parser = Text()
    parser.feed(page)
    assert "الرقة" in "".join(parser.parts)


def test_extract_reads_jsonl_and_stdin(tiny_checkpoint, tmp_path):
    data = tmp_path / "in.jsonl"
    data.write_text(json.dumps({"id": "r1", "date": "2019-03-12", "text": REPORT}, ensure_ascii=False) + "\n",
                    encoding="utf-8")
    r = _war_ner("extract", "--model", str(tiny_checkpoint), str(data))
    from_jsonl = [json.loads(l) for l in r.stdout.splitlines()]
    assert from_jsonl and all(rec["source_id"] == "r1" for rec in from_jsonl)
    r = _war_ner("extract", "--model", str(tiny_checkpoint), "-", stdin=REPORT)
    from_stdin = [json.loads(l) for l in r.stdout.splitlines()]
    assert len(from_stdin) == len(from_jsonl)
    for rec in from_stdin:
        _check_record(rec, REPORT)


def test_events_from_gold_entities_carry_the_line_id(tiny_corpus):
    r = _war_ner("events", str(tiny_corpus / "train.jsonl"))
    records = [json.loads(l) for l in r.stdout.splitlines()]
    ids = {json.loads(l)["id"] for l in (tiny_corpus / "train.jsonl").read_text(encoding="utf-8").splitlines()}
    assert records and {rec["source_id"] for rec in records} <= ids
    killed = [c for rec in records for c in rec["casualties"] if c["text"] == "12"]
    assert killed and killed[0]["status"] == "killed" and killed[0]["count_min"] == 12


def test_extract_error_names_the_missing_input(tiny_checkpoint, tmp_path):
    env = dict(os.environ, PYTHONPATH=str(REPO))
    r = subprocess.run([sys.executable, "-m", "train.cli", "extract", "--model", str(tiny_checkpoint),
                        "--out", str(tmp_path / "o.jsonl"), str(tmp_path / "nope.txt")],
                       cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 2
    assert "nope.txt: no such file; expected a .txt report" in r.stderr
    assert not (tmp_path / "o.jsonl").exists()
