"""Annotation formats in and out (train/formats/) and ``war-ner convert`` / ``labelstudio-config``.

The round trips run on the whole corpus (1,516 sentences; about a second per format).
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from model.spans import Entity
from model.words import split_words
from train.cli import main
from train.corpus import Document, read_jsonl
from train.formats import FORMATS, detect_format, dumps, read_input
from train.formats.labelstudio import labeling_config

REPO = Path(__file__).resolve().parents[1]
CORPUS = [REPO / "data" / "annotations" / f"{s}.jsonl" for s in ("train", "dev", "test")]
SDK_FIXTURE = REPO / "tests" / "fixtures" / "labelstudio_sdk_tasks.json"
SUFFIX = {"labelstudio": ".json", "doccano": ".jsonl", "prodigy": ".jsonl", "conll": ".conll", "jsonl": ".jsonl",
          "markup": ".txt"}
TEXT = "قصفت قوات النظام بلدة سراقب، وقتل 12 مدنياً."


def _words_tags(doc: Document) -> list[tuple[str, str]]:
    from model.spans import spans_to_bio

    words = split_words(doc.text)
    return list(zip([w.text for w in words], spans_to_bio(words, doc.entities)))


def _key(doc: Document) -> tuple:
    return doc.id, doc.text, doc.entities, doc.meta


# ---------------------------------------------------------------- round trips on the whole corpus


@pytest.mark.parametrize("fmt", [f for f in FORMATS if f != "jsonl"])
def test_round_trip_whole_corpus(fmt, tmp_path):
    for path in CORPUS:
        docs, problems = read_jsonl(path)
        assert docs and not problems
        out = tmp_path / f"{path.stem}{SUFFIX[fmt]}"
        out.write_text(dumps(docs, fmt), encoding="utf-8")
        assert detect_format(out) == fmt
        back = read_input(out)
        assert not back.problems and not back.notes
        assert len(back.docs) == len(docs)
        if fmt == "conll":  # CoNLL holds words and tags only (ids, spacing and meta are not in the format)
            assert [_words_tags(d) for d in back.docs] == [_words_tags(d) for d in docs]
            continue
        assert [_key(d) for d in back.docs] == [_key(d) for d in docs]
        # and back to our JSONL, byte for byte
        assert dumps(back.docs, "jsonl") == path.read_text(encoding="utf-8")


def test_jsonl_round_trip_bytes(tmp_path):
    res = read_input(CORPUS[1])
    assert res.docs and not res.problems
    assert dumps(res.docs, "jsonl") == CORPUS[1].read_text(encoding="utf-8")


# ---------------------------------------------------------------- import errors, with their messages


def _ls_task(spans, text=TEXT, tid=7):
    return {"id": tid, "data": {"text": text, "record_id": "r-1", "meta": {"doc": "r"}},
            "annotations": [{"id": 1, "result": [
                {"id": f"x{k}", "from_name": "label", "to_name": "text", "type": "labels",
                 "value": {"start": s, "end": e, **({"text": t} if t is not None else {}), "labels": [lab]}}
                for k, (s, e, lab, t) in enumerate(spans)]}]}


def _read_ls(tmp_path, *tasks):
    f = tmp_path / "export.json"
    f.write_text(json.dumps(list(tasks), ensure_ascii=False, indent=1), encoding="utf-8")
    return f, read_input(f)


def test_half_word_span(tmp_path):
    # "وات النظام": the selection starts inside the word قوات
    f, res = _read_ls(tmp_path, _ls_task([(7, 16, "FACTION", None)]))
    assert not res.docs and len(res.problems) == 1
    msg = str(res.problems[0])
    assert msg.startswith(f"{f}:2 task 7 r-1: result 'x0' FACTION 'ات النظام' at 7-16: half-word span")
    assert "it cuts 'قوات' (5-9)" in msg and "extend it to 5-16 'قوات النظام'" in msg


def test_text_mismatch(tmp_path):
    _, res = _read_ls(tmp_path, _ls_task([(5, 16, "FACTION", "قوات الأسد")]))
    msg = str(res.problems[0])
    assert "text mismatch: the span's text 'قوات الأسد' != text[5:16] 'قوات النظام'" in msg
    assert not res.docs


def test_whitespace_trimmed_selection(tmp_path):
    # the tool trimmed the text but kept the trailing space in the offsets
    _, res = _read_ls(tmp_path, _ls_task([(5, 17, "FACTION", "قوات النظام")]))
    assert "trimmed the selection to 'قوات النظام' but start/end still hold the whitespace; expected the " \
           "offsets of the trimmed text, 5-16" in str(res.problems[0])
    # and a selection that holds whitespace without any text to compare
    _, res = _read_ls(tmp_path, _ls_task([(5, 17, "FACTION", None)]))
    assert "the selection has whitespace at its edge; expected the words alone; shrink it to 5-16" \
           in str(res.problems[0])


def test_overlapping_spans(tmp_path):
    _, res = _read_ls(tmp_path, _ls_task([(5, 16, "FACTION", None), (10, 16, "FACTION", None)]))
    assert len(res.problems) == 1
    assert "overlapping spans: FACTION 'النظام' at 10-16 overlaps FACTION 'قوات النظام' at 5-16; expected flat, " \
           "non-overlapping spans" in str(res.problems[0])


def test_unknown_label_and_any_labels(tmp_path):
    f, res = _read_ls(tmp_path, _ls_task([(17, 27, "Location", None)]))
    msg = str(res.problems[0])
    assert "unknown label 'Location' (did you mean LOCATION?); expected one of FACTION, LOCATION" in msg
    assert read_input(f, labels=None).docs[0].entities == [Entity(17, 27, "Location", "بلدة سراقب")]


def test_trailing_separator(tmp_path):
    _, res = _read_ls(tmp_path, _ls_task([(17, 28, "LOCATION", None)]))  # "بلدة سراقب،"
    assert "starts or ends on the separator '،'" in str(res.problems[0])
    assert "shrink it to 17-27 'بلدة سراقب'" in str(res.problems[0])


def test_good_task_loads_with_meta_and_id(tmp_path):
    _, res = _read_ls(tmp_path, _ls_task([(34, 36, "CASUALTY", "12"), (5, 16, "FACTION", "قوات النظام")]))
    assert not res.problems
    doc = res.docs[0]
    assert (doc.id, doc.meta) == ("r-1", {"doc": "r"})
    assert doc.entities == [Entity(5, 16, "FACTION", "قوات النظام"), Entity(34, 36, "CASUALTY", "12")]


def test_doccano_and_prodigy_errors(tmp_path):
    d = tmp_path / "d.jsonl"
    d.write_text(json.dumps({"text": TEXT, "label": [[6, 16, "FACTION"], [17, 27, "LOC"]]}, ensure_ascii=False)
                 + "\n", encoding="utf-8")
    res = read_input(d)
    msgs = [str(p) for p in res.problems]
    assert len(msgs) == 2 and all(m.startswith(f"{d}:1 d-1: label ") for m in msgs)
    assert "half-word span" in msgs[0] and "unknown label 'LOC'" in msgs[1]

    p = tmp_path / "p.jsonl"
    task = {"text": TEXT, "tokens": [], "spans": [{"start": 5, "end": 16, "label": "FACTION", "token_start": 1,
                                                    "token_end": 1}], "answer": "accept"}
    task["tokens"] = [{"text": w.text, "start": w.start, "end": w.end, "id": i}
                      for i, w in enumerate(split_words(TEXT))]
    p.write_text(json.dumps(task, ensure_ascii=False) + "\n", encoding="utf-8")
    res = read_input(p)
    assert "span 0 has start/end 5-16 but its tokens 1-1 cover 5-9" in str(res.problems[0])


def test_older_doccano_labels_and_relations(tmp_path):
    d = tmp_path / "old.jsonl"
    rows = [{"id": 3, "text": TEXT, "labels": [[5, 16, "FACTION"]], "meta": {"doc": "r"}, "annotation_approver": None},
            {"id": 4, "text": TEXT, "entities": [{"id": 1, "start_offset": 5, "end_offset": 16, "label": "FACTION"},
                                                 {"id": 2, "start_offset": 17, "end_offset": 27, "label": "LOCATION"}],
             "relations": [{"id": 9, "from_id": 1, "to_id": 2, "type": "attacks"}], "source": "wire"}]
    d.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    res = read_input(d, "doccano")
    assert not res.problems and [x.id for x in res.docs] == ["old-3", "old-4"]
    assert res.docs[0].meta == {"doc": "r"} and res.docs[1].meta == {"source": "wire"}
    assert len(res.docs[1].entities) == 2
    assert len(res.notes) == 1 and "1 relation(s) not carried" in str(res.notes[0])


def test_prodigy_answers(tmp_path):
    docs = read_jsonl(CORPUS[1])[0][:3]
    lines = [json.loads(x) for x in dumps(docs, "prodigy").splitlines()]
    lines[1]["answer"] = "reject"
    lines[2]["answer"] = "ignore"
    p = tmp_path / "db.jsonl"
    p.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines), encoding="utf-8")
    res = read_input(p)
    assert [d.id for d in res.docs] == [docs[0].id]
    assert [str(n).split(": ", 1)[1] for n in res.notes] == ["not carried: answered 'reject'",
                                                              "not carried: answered 'ignore'"]


# ---------------------------------------------------------------- Label Studio: the SDK's own file


@pytest.mark.skipif(not SDK_FIXTURE.exists(), reason=f"{SDK_FIXTURE} missing (scripts/labelstudio_fixture.py)")
def test_labelstudio_sdk_fixture():
    gold = {d.id: d for d in read_jsonl(CORPUS[1])[0]}
    res = read_input(SDK_FIXTURE)
    assert detect_format(SDK_FIXTURE) == "labelstudio"
    assert not res.problems
    assert len(res.docs) == 3  # task 4 has only a prediction
    for d in res.docs:
        assert _key(d) == _key(gold[d.id])
    # task 2: the newer of two annotations came in (the older one holds one span only)
    assert len(res.docs[1].entities) == len(gold[res.docs[1].id].entities) > 1
    notes = [str(n) for n in res.notes]
    assert len(notes) == 3
    assert "1 relation(s) between spans not carried" in notes[0]
    assert "1 other annotation(s) not carried: the most recent (id 102) is" in notes[1]
    assert "not carried: no submitted annotation; pass --accept-predictions" in notes[2]
    with_pred = read_input(SDK_FIXTURE, use_predictions=True)
    assert len(with_pred.docs) == 4 and _key(with_pred.docs[3]) == _key(gold[with_pred.docs[3].id])


# ---------------------------------------------------------------- detection


@pytest.mark.parametrize("record,fmt", [
    ({"data": {"text": "x"}, "annotations": []}, "labelstudio"),
    ({"text": "x", "tokens": [], "spans": []}, "prodigy"),
    ({"text": "x", "label": []}, "doccano"),
    ({"text": "x", "labels": [[0, 1, "X"]]}, "doccano"),
    ({"text": "x", "entities": [{"start_offset": 0, "end_offset": 1, "label": "X"}]}, "doccano"),
    ({"id": "a", "text": "x", "entities": [], "meta": {}}, "jsonl"),
])
def test_detect(tmp_path, record, fmt):
    f = tmp_path / "in.jsonl"
    f.write_text(json.dumps(record) + "\n", encoding="utf-8")
    assert detect_format(f) == fmt


def test_detect_needs_from(tmp_path, capsys):
    f = tmp_path / "plain.jsonl"
    f.write_text(json.dumps({"text": "x"}) + "\n", encoding="utf-8")
    assert main(["convert", str(f), "--to", "jsonl", "--out", str(tmp_path / "o.jsonl")]) == 2
    err = capsys.readouterr().err
    assert "cannot tell the format: a first record with keys ['text']" in err and "pass --from" in err
    minimal = tmp_path / "min.json"
    minimal.write_text(json.dumps([{"text": "x", "label": [{"start": 0, "end": 1, "labels": ["X"]}]}]),
                       encoding="utf-8")
    with pytest.raises(ValueError, match="JSON-MIN"):
        detect_format(minimal)


# ---------------------------------------------------------------- the CLI


def test_cli_convert_to_each_format_and_back(tmp_path, capsys):
    src = CORPUS[2]
    for fmt in ("labelstudio", "doccano", "prodigy"):
        out = tmp_path / f"test{SUFFIX[fmt]}"
        assert main(["convert", str(src), "--to", fmt, "--out", str(out)]) == 0
        back = tmp_path / f"back-{fmt}.jsonl"
        assert main(["convert", str(out), "--to", "jsonl", "--out", str(back)]) == 0
        assert back.read_bytes() == src.read_bytes()
    assert "246 sentences -> " in capsys.readouterr().err


def test_cli_convert_problems_exit_1_and_write_nothing(tmp_path, capsys):
    f, _ = _read_ls(tmp_path, _ls_task([(7, 16, "FACTION", None)]), _ls_task([(17, 27, "Location", None)], tid=8))
    out = tmp_path / "out.jsonl"
    assert main(["convert", str(f), "--to", "jsonl", "--out", str(out)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith(f"{f}:2 task 7 r-1: result 'x0' FACTION") and "half-word span" in err[0]
    assert "unknown label 'Location'" in err[1]
    assert err[-1] == f"2 problem(s) in {f}; nothing written to {out}"
    assert not out.exists()


def test_cli_convert_meta_and_notes(tmp_path, capsys):
    out = tmp_path / "new.jsonl"
    assert main(["convert", str(SDK_FIXTURE), "--to", "jsonl", "--out", str(out), "--accept-predictions",
                 "--meta", "split=train", "--meta", "annotator=team-a"]) == 0
    err = capsys.readouterr().err
    assert err.count("note: ") == 2 and "4 sentences -> " in err and "(2 note(s) above)" in err
    recs = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert all(r["meta"]["split"] == "dev" and r["meta"]["annotator"] == "team-a" for r in recs)  # kept, added


def test_cli_labelstudio_config(capsys):
    assert main(["labelstudio-config"]) == 0
    xml = capsys.readouterr().out
    import xml.etree.ElementTree as ET

    root = ET.fromstring(xml)
    labels = [x.get("value") for x in root.iter("Label")]
    assert labels == ["FACTION", "LOCATION", "OPERATION", "CASUALTY", "DATE", "PERSON"]
    assert root.find(".//Labels").get("toName") == root.find(".//Text").get("name") == "text"
    assert root.find(".//Text").get("value") == "$text" and root.find(".//Text").get("granularity") is None
    assert 'granularity="word"' in labeling_config(word_granularity=True)


def test_markup_reads_the_authoring_source(tmp_path):
    # the corpus markup itself reads as a format: same sentences as the JSONL, incident lines noted
    src = REPO / "data" / "annotations" / "markup" / "iraq.txt"
    assert detect_format(src) == "markup"
    res = read_input(src)
    assert res.docs and not res.problems
    assert len(res.notes) == 1 and "'# incident:' line(s) not carried" in str(res.notes[0])
    gold = {d.id: d for path in CORPUS for d in read_jsonl(path)[0]}
    assert all(_key(d) == _key(gold[d.id]) for d in res.docs)


def test_markup_refuses_what_it_cannot_write():
    doc = Document("a-1", "قصف [[x]] الرقة", [], {"doc": "a"})
    with pytest.raises(ValueError, match="holds a line break or"):
        dumps([doc], "markup")
