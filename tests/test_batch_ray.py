"""``war-ner extract --engine ray``: a Ray Data job on a local Ray gives the records of the one-process path."""
from __future__ import annotations

import json

import pytest

pytest.importorskip("ray.data", reason="the ray extra is not installed (pip install 'war-ner[ray]')")

from tests.test_batch_extract import _archive  # noqa: E402
from train.batch import extract  # noqa: E402
from train.batch.ray_engine import read_shards  # noqa: E402


def test_ray_engine_gives_the_records_of_the_local_engine(tiny_checkpoint, tmp_path):
    shards = tmp_path / "shards"
    shards.mkdir()
    _archive(shards / "part-0.jsonl", 6)
    _archive(shards / "part-1.jsonl", 5, start=6)
    # a line without an id takes the local engine's default id (file stem and line number) on Ray too
    with open(shards / "part-1.jsonl", "a", encoding="utf-8") as fh:
        fh.write(json.dumps({"text": "قصفت قوات النظام مدينة الرقة فجر اليوم.", "date": "2019-05-10"},
                            ensure_ascii=False) + "\n")
    local = tmp_path / "local.jsonl"
    extract(str(tiny_checkpoint), [str(shards)], out=str(local), progress=False)
    expected = [json.loads(line) for line in local.read_text(encoding="utf-8").splitlines()]
    assert expected and {r["source_id"] for r in expected} >= {"r0000", "part-1-6"}

    out = tmp_path / "ray-out"
    summary = extract(str(tiny_checkpoint), [str(shards)], out=str(out), engine="ray", workers=2, threads=1,
                      progress=False)
    got = read_shards(str(out))
    assert summary.records == len(got) == len(expected)
    key = lambda r: json.dumps(r, sort_keys=True, ensure_ascii=False)  # noqa: E731
    assert sorted(map(key, got)) == sorted(map(key, expected))
