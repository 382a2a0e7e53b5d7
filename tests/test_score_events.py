"""The incident-level scorer (train/score_events.py) on hand-made records and incidents."""
from __future__ import annotations

import json

from model.events import EventDate, EventRecord, EventType, Mention
from train.corpus import Document
from train.score_events import evaluate_events, score_report

S1 = "اشتبكت قوات النظام مع داعش في تدمر."  # 0..35
S2 = "وقتل 5 عناصر."


def _docs():
    meta = {"doc": "r", "date": "2020-01-02", "split": "test"}
    return [Document("r-1", S1, [], meta), Document("r-2", S2, [], meta)]


def _span(sentence: str, text: str, where: str = S1) -> dict:
    start = where.index(text)
    return {"sentence": sentence, "start": start, "end": start + len(text), "text": text}


INCIDENT = {"id": "r-i1", "doc": "r", "sentences": ["r-1", "r-2"], "event_type": "battle",
            "sub_event_type": "Armed clash", "date": "2020-01-02", "date_range": None,
            "location": [_span("r-1", "تدمر")], "actor1": [_span("r-1", "قوات النظام")],
            "actor2": [_span("r-1", "داعش")], "fatalities": 5, "casualties": [], "background": False}
OFFSETS = {"r-1": 0, "r-2": len(S1) + 1}


def _record(actors, etype="battle", sub="Armed clash", date="2020-01-02", fatalities=5, start=0, end=len(S1)):
    loc = S1.index("تدمر")
    return EventRecord("r", "2020-01-02", start, end, S1[start:end], EventType(etype, sub), EventDate(date),
                       locations=[Mention("Palmyra", "تدمر", loc, loc + 4)], actors=actors, fatalities=fatalities)


def _actor(text: str, role):
    s = S1.index(text)
    return Mention(text, text, s, s + len(text), role)


def test_a_right_record_is_right_on_every_field():
    rec = _record([_actor("قوات النظام", "attacker"), _actor("داعش", "target")])
    out = score_report(_docs(), [INCIDENT], [rec], OFFSETS)
    assert (out["tp"], out["fp"], out["fn"]) == (1, 0, 0)
    assert out["all"] == [1, 1] and out["pairs"][0]["wrong"] == []


def test_battle_sides_may_be_swapped_but_not_other_types():
    swapped = [_actor("داعش", "attacker"), _actor("قوات النظام", "target")]
    assert score_report(_docs(), [INCIDENT], [_record(swapped)], OFFSETS)["all"] == [1, 1]
    strike = {**INCIDENT, "event_type": "explosion_remote_violence", "sub_event_type": "Air/drone strike"}
    rec = _record(swapped, "explosion_remote_violence", "Air/drone strike")
    assert set(score_report(_docs(), [strike], [rec], OFFSETS)["pairs"][0]["wrong"]) == {"actor1", "actor2"}


def test_wrong_fields_are_named_and_unpaired_records_are_false_positives():
    far = _record([], start=len(S1) + 1, end=len(S1) + 1 + len(S2), etype="other", sub="Other")
    wrong = _record([_actor("قوات النظام", "attacker")], date="2020-01-01", fatalities=3)
    out = score_report(_docs(), [INCIDENT], [wrong, far], OFFSETS)
    assert (out["tp"], out["fp"], out["fn"]) == (1, 1, 0)
    assert set(out["pairs"][0]["wrong"]) == {"date", "fatalities", "actor2"}


def test_background_incidents_neither_reward_nor_penalise():
    background = {**INCIDENT, "background": True}
    rec = _record([_actor("قوات النظام", "attacker")])
    assert (lambda o: (o["tp"], o["fp"], o["fn"]))(score_report(_docs(), [background], [rec], OFFSETS)) == (0, 0, 0)
    assert score_report(_docs(), [background], [], OFFSETS)["fn"] == 0
    assert score_report(_docs(), [INCIDENT], [], OFFSETS)["fn"] == 1


def test_date_range_and_missing_dates():
    ranged = {**INCIDENT, "date": None, "date_range": ["2020-01-01", "2020-01-03"]}
    rec = _record([_actor("قوات النظام", "attacker"), _actor("داعش", "target")], date="2020-01-03")
    assert "date" not in score_report(_docs(), [ranged], [rec], OFFSETS)["pairs"][0]["wrong"]
    vague = {**INCIDENT, "date": None}
    assert score_report(_docs(), [vague], [rec], OFFSETS)["fields"].get("date") is None


def test_evaluate_events_on_gold_entities_counts_violent_records_in_no_incident_reports(tmp_path):
    from train.markup import compile_markup

    f = tmp_path / "m.txt"
    f.write_text("""# doc: ev-1
# date: 2020-01-02
# split: test
# incident: {"sentences": [1], "event_type": "battle", "sub_event_type": "Armed clash", "date": "2020-01-02", "location": ["مدينة تدمر"], "actor1": ["قوات النظام"], "actor2": ["داعش"], "fatalities": 12, "casualties": ["1:12"]}
اندلعت اشتباكات عنيفة بين [[FACTION|قوات النظام]] و[[FACTION|داعش]] في [[LOCATION|مدينة تدمر]] [[DATE|فجر اليوم]]، ما أدى إلى مقتل [[CASUALTY|12]] عنصراً.

# doc: ev-2
# date: 2020-01-05
# split: test
# incident: none
هدد قائد [[FACTION|داعش]] بشن هجوم واسع على [[LOCATION|مدينة تدمر]].
""".replace("و[[FACTION|داعش]]", "[[FACTION|وداعش]]").replace('"actor2": ["داعش"]', '"actor2": ["وداعش"]'),
        encoding="utf-8")
    docs, layer, problems = compile_markup([f])
    assert problems == []
    metrics = evaluate_events(docs, json.loads(json.dumps(layer)))
    assert metrics["incidents"]["tp"] + metrics["incidents"]["fn"] == 1
    assert metrics["violent_on_no_incident"]["sentences"] == 1
    assert set(metrics["fields"]) == {"event_type", "sub_event_type", "date", "location", "actor1", "actor2",
                                      "fatalities"}


def test_cli_evaluate_events_usage_errors_and_output(tmp_path, capsys):
    from train.cli import main
    from train.markup import markup_to_jsonl

    src = tmp_path / "m"
    src.mkdir()
    (src / "a.txt").write_text("""# doc: c-1
# date: 2020-01-02
# split: test
# incident: {"sentences": [1], "event_type": "battle", "sub_event_type": "Armed clash", "date": "2020-01-02", "location": ["تدمر"], "actor1": ["قسد"], "actor2": [], "fatalities": 3, "casualties": ["1:3"]}
قتل [[CASUALTY|3]] عناصر في اشتباكات مع [[FACTION|قسد]] في [[LOCATION|تدمر]].
""", encoding="utf-8")
    markup_to_jsonl([src], tmp_path / "d")
    data = str(tmp_path / "d" / "test.jsonl")
    assert main(["evaluate-events", data]) == 2
    assert "neither --model nor --gold-entities; expected --model DIR" in capsys.readouterr().err
    assert main(["evaluate-events", "--gold-entities", "--incidents", str(tmp_path / "nope.jsonl"), data]) == 2
    assert "nope.jsonl: no such file; expected a UTF-8 JSONL incident layer" in capsys.readouterr().err
    out = tmp_path / "ev.json"
    assert main(["evaluate-events", "--gold-entities", "--out", str(out), data]) == 0
    metrics = json.loads(out.read_text(encoding="utf-8"))
    assert metrics["incidents"]["tp"] == 1 and metrics["fields"]["fatalities"]["accuracy"] == 1.0
