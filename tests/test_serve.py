"""The HTTP service (FastAPI TestClient): the same records as the CLI, /health, the page, every bad request."""
from __future__ import annotations

import json
import time

import pytest

pytest.importorskip("fastapi", reason="the serve extra is not installed (pip install 'war-ner[serve]')")
pytest.importorskip("multipart", reason="the serve extra is not installed (pip install 'war-ner[serve]')")
pytest.importorskip("httpx", reason="fastapi's TestClient needs httpx (pip install 'war-ner[test]')")

from fastapi.testclient import TestClient  # noqa: E402

from model.serve.app import create_app, load_app  # noqa: E402
from tests.test_batch_extract import REPORTS  # noqa: E402
from train.cli import main  # noqa: E402

REPORT = REPORTS[0] + "\n" + REPORTS[1]


@pytest.fixture(scope="module")
def client(tiny_checkpoint):
    return TestClient(load_app(tiny_checkpoint, max_bytes=20_000, timeout_s=60))


def test_extract_gives_the_records_the_cli_writes(client, tiny_checkpoint, tmp_path, capsys):
    r = client.post("/extract", json={"text": REPORT, "date": "2019-03-12", "id": "r1"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["id"] == "r1" and body["entities"] and body["records"]
    for e in body["entities"]:
        assert REPORT[e["start"]:e["end"]] == e["text"]

    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"id": "r1", "date": "2019-03-12", "text": REPORT}, ensure_ascii=False) + "\n",
                   encoding="utf-8")
    assert main(["extract", "--model", str(tiny_checkpoint), "--out", str(tmp_path / "o.jsonl"), str(src)]) == 0
    cli = [json.loads(line) for line in (tmp_path / "o.jsonl").read_text(encoding="utf-8").splitlines()]
    assert body["records"] == cli

    ents = client.post("/entities", json={"text": REPORT, "id": 7})
    assert ents.status_code == 200 and ents.json() == {"id": "7", "entities": body["entities"]}


def test_health_names_the_model_and_its_labels(client):
    h = client.get("/health").json()
    assert h["status"] == "ok" and h["model"] and h["backend"] == "torch" and h["version"] != "unknown"
    assert {"FACTION", "LOCATION", "CASUALTY", "DATE"} <= set(h["labels"]) and h["tags"][0] == "O"
    assert h["limits"] == {"max_bytes": 20_000, "timeout_s": 60}


@pytest.mark.parametrize("body, status, message", [
    (b'{"text": "x",', 400, "the body is not valid JSON"),
    (b"", 422, "body: is empty"),
    (b'["text"]', 422, "body: is not a JSON object"),
    (b'{"date": "2019-03-12"}', 422, "text: is missing"),
    (b'{"text": 5}', 422, "text: Input should be a valid string"),
    (b'{"text": "x", "id": ["a"]}', 422, "id"),
    (b'{"text": "x", "date": 20190312}', 422, "date: Input should be a valid string"),
    (b'{"text": "x", "date": "2017-13-45"}', 422, "date: date '2017-13-45' is not a calendar day"),
    (b'{"text": "x", "data": "2017-01-01"}', 422, "data: is not a field; expected text, date, id"),
])
def test_bad_requests_get_a_json_4xx(client, body, status, message):
    for path in ("/extract", "/entities"):
        r = client.post(path, content=body, headers={"content-type": "application/json"})
        assert r.status_code == status, r.text
        assert message in r.json()["detail"], r.json()


def test_request_size_and_unknown_paths(client):
    r = client.post("/extract", json={"text": "قصف " * 10_000})
    assert r.status_code == 413 and "20,000 byte limit" in r.json()["detail"]
    # a body sent in chunks, without Content-Length, is counted as it arrives
    chunks = (b'{"text": "' + b"x" * 5_000 for _ in range(5))
    r = client.post("/extract", content=chunks, headers={"content-type": "application/json"})
    assert r.status_code == 413 and "20,000 byte limit" in r.json()["detail"]
    assert client.get("/nope").status_code == 404 and client.get("/nope").json()["detail"]
    assert client.get("/extract").status_code == 405


def test_a_request_past_the_timeout_gets_504_and_the_next_one_runs():
    class Slow:
        def extract_all(self, text, date, rid):
            time.sleep(0.6 if text == "slow" else 0)
            return [], []

    c = TestClient(create_app(Slow(), {"model": "slow", "labels": []}, timeout_s=0.3))
    r = c.post("/extract", json={"text": "slow"})
    assert r.status_code == 504 and "0.3 s limit" in r.json()["detail"]
    assert c.post("/extract", json={"text": "fast"}).json() == {"id": None, "entities": [], "records": []}


def test_the_page_shows_marks_and_the_table_right_to_left(client):
    page = client.get("/")
    assert page.status_code == 200 and 'dir="rtl"' in page.text and 'id="text"' in page.text
    r = client.post("/", data={"text": REPORT, "date": "2019-03-12"})
    assert r.status_code == 200 and '<mark class="ent' in r.text and '<table class="events">' in r.text
    up = client.post("/", data={"date": ""}, files={"file": ("r.txt", REPORT.encode("utf-8"), "text/plain")})
    assert up.status_code == 200 and '<mark class="ent' in up.text
    for data, files, message in [({"text": "  "}, None, "no report text"),
                                 ({"text": "x", "date": "2019-02-30"}, None, "not a calendar day"),
                                 ({}, {"file": ("r.txt", b"\x00\x01PK", "text/plain")}, "binary")]:
        bad = client.post("/", data=data, files=files)
        assert bad.status_code == 422 and 'role="alert"' in bad.text and message in bad.text
