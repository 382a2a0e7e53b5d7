"""The incident layer: `# incident:` lines in the markup -> layers/incidents.jsonl, and every validator rule."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from train.cli import main
from train.incidents import check_layer
from train.markup import compile_markup, markup_to_jsonl

HEAD = "# doc: t-inc\n# date: 2017-06-06\n# split: train\n"
S1 = "قصفت طائرات [[FACTION|التحالف الدولي]] مواقع في [[LOCATION|حي الصناعة]] [[DATE|فجر اليوم]].\n"
S2 = ("أسفر القصف عن مقتل [[CASUALTY|12]] عنصراً من [[FACTION|داعش]] [[CASUALTY|و5]] مدنيين، وأصيب [[CASUALTY|5]] "
      "آخرون، بحسب [[PERSON|العقيد صالح الحسن]].\n")
GOOD = {"sentences": [1, 2], "event_type": "explosion_remote_violence", "sub_event_type": "Air/drone strike",
        "date": "2017-06-06", "location": ["حي الصناعة"], "actor1": ["التحالف الدولي"], "actor2": ["داعش"],
        "fatalities": 17, "casualties": ["2:12", "2:و5"], "person1": ["العقيد صالح الحسن"]}


def _compile(tmp_path: Path, *incidents: object, extra: str = ""):
    lines = "".join(f"# incident: {i if isinstance(i, str) else json.dumps(i, ensure_ascii=False)}\n"
                    for i in incidents)
    f = tmp_path / "m.txt"
    f.write_text(HEAD + lines + S1 + S2 + extra, encoding="utf-8")
    return compile_markup([f])


def _messages(problems) -> str:
    return "\n".join(map(str, problems))


def test_a_good_incident_compiles_to_spans_with_offsets(tmp_path):
    docs, layer, problems = _compile(tmp_path, GOOD)
    assert problems == []
    (rec,) = layer
    assert rec["id"] == "t-inc-i1" and rec["sentences"] == ["t-inc-1", "t-inc-2"]
    by_id = {d.id: d.text for d in docs}
    for key in ("location", "actor1", "actor2", "casualties", "person1"):
        for sp in rec[key]:
            assert by_id[sp["sentence"]][sp["start"]:sp["end"]] == sp["text"]
    assert [c["text"] for c in rec["casualties"]] == ["12", "و5"]
    assert rec["fatalities"] == 17 and rec["background"] is False


def test_none_is_a_line_of_its_own(tmp_path):
    _, layer, problems = _compile(tmp_path, "none")
    assert problems == [] and layer == [{"id": "t-inc-none", "doc": "t-inc", "none": True}]
    _, _, problems = _compile(tmp_path, "none", GOOD)
    assert "'# incident: none' beside other incident lines" in _messages(problems)


@pytest.mark.parametrize("change, message", [
    ({"event_type": "riot"}, "event_type is 'riot'; expected one of battle"),
    ({"sub_event_type": "Armed clash"}, "sub_event_type 'Armed clash' does not belong to explosion_remote_violence"),
    ({"sentences": [3]}, "sentences is [3]; expected a non-empty list of sentence numbers 1..2"),
    ({"date": "2017-13-45"}, "date is '2017-13-45'; expected an ISO date"),
    ({"date_range": ["2017-06-07", "2017-06-01"]}, "both date and date_range"),
    ({"fatalities": -1}, "fatalities is -1; expected a non-negative integer or null"),
    ({"location": ["الرقة"]}, "location 'الرقة': no LOCATION span with that text in sentences [1, 2]; expected one of ['حي الصناعة']"),
    ({"actor1": ["civilians"]}, "write \"civilians\" only as actor2"),
    ({"actor2": ["حي الصناعة"]}, "actor2 'حي الصناعة': no FACTION span"),
    ({"casualties": ["1:12"]}, "sentence 1 has 0 CASUALTY span(s) with that text"),
    ({"casualties": ["3:12"]}, "casualty reference '3:12'; expected \"N:surface\" with N one of the incident's sentences"),
    ({"background": "yes"}, "background is 'yes'; expected true or false"),
    ({"weather": "fine"}, "unknown keys ['weather']"),
])
def test_each_rule_says_what_was_found_and_expected(tmp_path, change, message):
    _, _, problems = _compile(tmp_path, {**GOOD, **change})
    text = _messages(problems)
    assert message in text
    assert "m.txt:4 t-inc:" in text  # file:line and the report id


def test_missing_required_key_and_bad_json(tmp_path):
    spec = dict(GOOD)
    del spec["fatalities"]
    assert "lacks ['fatalities']" in _messages(_compile(tmp_path, spec)[2])
    assert "incident is not valid JSON" in _messages(_compile(tmp_path, "{'sentences': [1]}")[2])


def test_a_casualty_counted_twice_and_ambiguous_references(tmp_path):
    second = {**GOOD, "sentences": [2], "location": [], "actor1": [], "person1": [], "casualties": ["2:12"]}
    assert "is counted in t-inc-i1 too" in _messages(_compile(tmp_path, GOOD, second)[2])
    s2 = S2.replace("[[CASUALTY|و5]]", "[[CASUALTY|5]]")
    f = tmp_path / "amb.txt"
    spec = {**GOOD, "casualties": ["2:5"]}
    f.write_text(HEAD + f"# incident: {json.dumps(spec, ensure_ascii=False)}\n" + S1 + s2, encoding="utf-8")
    assert "is ambiguous: 2 spans with that text; write \"2:5@1\"" in _messages(compile_markup([f])[2])
    spec["casualties"] = ["2:5@2"]
    f.write_text(HEAD + f"# incident: {json.dumps(spec, ensure_ascii=False)}\n" + S1 + s2, encoding="utf-8")
    docs, layer, problems = compile_markup([f])
    assert problems == [] and layer[0]["casualties"][0]["start"] == docs[1].text.rindex(" 5 ") + 1


def test_every_report_needs_a_line_once_the_corpus_has_a_layer(tmp_path):
    other = "\n# doc: t-two\n# date: 2017-06-07\n# split: train\nوصلت قافلة مساعدات إلى [[LOCATION|الرقة]].\n"
    problems = _compile(tmp_path, GOOD, extra=other)[2]
    assert "t-two: report has no '# incident:' line; expected one line per incident" in _messages(problems)
    f = tmp_path / "ner_only.txt"  # a corpus with no incident line at all is an NER-only corpus: fine
    f.write_text(HEAD + S1 + S2, encoding="utf-8")
    assert compile_markup([f])[2] == []


def test_markup_writes_the_layer_and_validate_checks_it(tmp_path, capsys):
    src = tmp_path / "src"
    src.mkdir()
    _compile(src, GOOD)
    out = tmp_path / "out"
    counts = markup_to_jsonl([src], out)
    assert counts["incidents"] == 1
    layer = out / "layers" / "incidents.jsonl"
    assert json.loads(layer.read_text(encoding="utf-8"))["actor2"][0]["text"] == "داعش"
    assert main(["validate", str(out)]) == 0
    rec = json.loads(layer.read_text(encoding="utf-8"))
    rec["actor1"][0]["start"] += 1  # a span that no longer matches the corpus
    layer.write_text(json.dumps(rec, ensure_ascii=False) + "\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["validate", str(out)]) == 1
    assert "is not a FACTION span of the corpus (found None); regenerate the layer" in capsys.readouterr().out


def test_check_layer_reports_unknown_sentences():
    problems = check_layer([{"id": "x-i1", "doc": "x", "sentences": ["x-9"], "event_type": "battle",
                             "sub_event_type": "Armed clash"}], [], "layer.jsonl")
    assert "sentence 'x-9' is not in the corpus" in _messages(problems)


def test_the_corpus_layer_is_complete_and_valid():
    from tests.conftest import REPO

    root = REPO / "data" / "annotations"
    docs, layer, problems = compile_markup(sorted((root / "markup").glob("*.txt")))
    assert problems == []
    reports = {d.meta["doc"] for d in docs}
    assert {r["doc"] for r in layer} == reports
    on_disk = [json.loads(l) for l in (root / "layers" / "incidents.jsonl").read_text(encoding="utf-8").splitlines()]
    assert on_disk == layer, "layers/incidents.jsonl is stale: run war-ner markup data/annotations/markup --out-dir data/annotations"
