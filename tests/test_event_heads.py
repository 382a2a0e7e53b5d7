"""The learned event heads: targets from the incident layer, training with the tagger, saving, the torch and ONNX
paths, and what apply_heads does to records."""
from __future__ import annotations

import json

import numpy as np
import pytest

from model.event_heads import INCIDENT_TYPES, ROLES, EventHeads, HeadOutputs, apply_heads
from model.events import EventDate, EventRecord, EventType, Mention
from tests.conftest import REPO, TINY_OVERRIDES

REPORTS = """# doc: h-{n}1
# date: 2019-03-12
# split: {split}
# incident: {{"sentences": [1], "event_type": "battle", "sub_event_type": "Armed clash", "date": "2019-03-12", "location": ["بلدة سراقب"], "actor1": ["قوات النظام"], "actor2": ["وهيئة تحرير الشام"], "fatalities": 12, "casualties": ["1:12"]}}
اندلعت اشتباكات بين [[FACTION|قوات النظام]] [[FACTION|وهيئة تحرير الشام]] في [[LOCATION|بلدة سراقب]] أسفرت عن مقتل [[CASUALTY|12]] عنصراً.
وصلت قافلة مساعدات إلى [[LOCATION|إدلب]] [[DATE|صباح اليوم]].

# doc: h-{n}2
# date: 2019-03-13
# split: {split}
# incident: none
هدد [[FACTION|تنظيم داعش]] بشن هجوم على [[LOCATION|مدينة الرقة]].
عقد [[PERSON|العقيد صالح الحسن]] مؤتمراً صحفياً في [[LOCATION|دمشق]].
"""


@pytest.fixture(scope="module")
def heads_run(tmp_path_factory):
    from train.config import load_config
    from train.markup import markup_to_jsonl
    from train.trainer import train

    root = tmp_path_factory.mktemp("heads")
    src = root / "markup"
    src.mkdir()
    for n, split in ((1, "train"), (2, "train"), (3, "dev"), (4, "test")):
        # one source word per copy: no sentence may stand in two splits
        source = ("بحسب ناشطين", "وفق مصادر محلية", "بحسب شهود", "وفق مراسلين")[n - 1]
        (src / f"{n}.txt").write_text(REPORTS.format(n=n, split=split).replace(".\n", f" {source}.\n"),
                                      encoding="utf-8")
    data = root / "data"
    markup_to_jsonl([src], data)
    cfg = load_config(REPO / "configs" / "tiny.yaml", [
        f"--data.train={data / 'train.jsonl'}", f"--data.dev={data / 'dev.jsonl'}",
        f"--data.test={data / 'test.jsonl'}", f"--data.incidents={data / 'layers' / 'incidents.jsonl'}",
        f"--train.output_dir={root / 'run'}", "--model.event_heads=true", "--train.epochs=40",
        "--train.num_threads=1", "--data.augment_proclitics=1", "--train.heads_weight=2.0"] + TINY_OVERRIDES)
    train(cfg)
    return {"root": root, "data": data, "model": root / "run" / "model"}


def test_targets_from_the_layer():
    from train.corpus import Document
    from train.heads import head_targets
    from model.spans import Entity

    meta = {"doc": "d", "date": "2020-01-01", "split": "train"}
    s1 = Document("d-1", "قصفت قسد الرقة", [Entity(5, 8, "FACTION", "قسد"), Entity(9, 14, "LOCATION", "الرقة")], meta)
    s2 = Document("d-2", "هدوء", [], meta)
    layer = [{"id": "d-i1", "doc": "d", "sentences": ["d-1"], "event_type": "explosion_remote_violence",
              "sub_event_type": "Shelling/artillery/missile attack", "location": [{"sentence": "d-1", "start": 9,
              "end": 14, "text": "الرقة"}], "actor1": [{"sentence": "d-1", "start": 5, "end": 8, "text": "قسد"}],
              "actor2": ["civilians"], "background": False}]
    t = head_targets([s1, s2], layer)
    assert t["d-1"] == ([0.0, 1.0, 0.0, 0.0, 0.0], [ROLES.index("side1"), ROLES.index("place")])
    assert t["d-2"] == ([0.0] * 5, [])
    layer[0]["background"] = True
    assert head_targets([s1, s2], layer)["d-1"][0] is None  # only in a background incident: not a target


def test_heads_config_needs_the_layer():
    from train.config import ConfigError, load_config

    with pytest.raises(ConfigError, match="model.event_heads is on but data.incidents is empty"):
        load_config(REPO / "configs" / "tiny.yaml", ["--model.event_heads=true"])


def test_checkpoint_has_the_heads_and_still_loads_as_a_plain_token_classifier(heads_run):
    from transformers import AutoModelForTokenClassification

    model_dir = heads_run["model"]
    assert (model_dir / "event_heads.safetensors").exists()
    cfg = json.loads((model_dir / "event_heads.json").read_text(encoding="utf-8"))
    assert cfg["incident_types"] == list(INCIDENT_TYPES) and cfg["default_sub_types"]["battle"] == "Armed clash"
    model = AutoModelForTokenClassification.from_pretrained(model_dir)
    assert "B-PERSON" in model.config.label2id
    assert EventHeads.load(model_dir) is not None


def test_extract_on_torch_and_onnx_int8(heads_run):
    from model.onnx_export import export_onnx
    from model.predictor import Predictor

    text = ("اندلعت اشتباكات بين قوات النظام وهيئة تحرير الشام في بلدة سراقب أسفرت عن مقتل 12 عنصراً بحسب ناشطين.\n"
            "هدد تنظيم داعش بشن هجوم على مدينة الرقة بحسب ناشطين.")
    torch_p = Predictor.from_pretrained(heads_run["model"], num_threads=1)
    assert torch_p.heads is not None
    records = torch_p.extract(text, report_date="2019-03-12", source_id="x")
    assert records, "the tiny model memorised these sentences: the battle must come out"
    assert records[0].event_type.value == "battle"
    assert all(text[r.start:r.end] == r.text for r in records)
    onnx_dir = export_onnx(heads_run["model"], heads_run["root"] / "onnx-int8", quantize="int8")
    onnx_p = Predictor.from_pretrained(onnx_dir, num_threads=1)
    assert onnx_p.heads is not None
    onnx_records = onnx_p.extract(text, report_date="2019-03-12")
    assert [r.event_type.value for r in onnx_records] == [r.event_type.value for r in records]


def test_events_from_given_entities_uses_the_heads(heads_run):
    from model.predictor import Predictor
    from train.corpus import load_documents
    from model.events import join_sentences

    docs = [d for d in load_documents([heads_run["data"] / "test.jsonl"]) if d.meta["doc"] == "h-42"]
    text, entities = join_sentences([(d.text, d.entities) for d in docs])
    p = Predictor.from_pretrained(heads_run["model"], num_threads=1)
    violent = [r for r in p.events(text, entities, report_date="2019-03-13")
               if r.event_type.value in ("battle", "explosion_remote_violence", "violence_against_civilians")]
    assert violent == [], "a threat is no incident: the incident head learned it on the training copy"


def _record(text: str, actors, locations) -> EventRecord:
    return EventRecord("x", None, 0, len(text), text, EventType("battle", "Armed clash"), EventDate(),
                       locations=locations, actors=actors)


def test_apply_heads_drops_retypes_and_orders():
    hidden = 4
    heads = EventHeads(np.zeros((hidden, 5)), np.zeros(5), np.zeros((hidden, 4)), np.zeros(4), 0.5,
                       {"explosion_remote_violence": "Air/drone strike"})
    text = "قصفت قسد الرقة وحلب"
    a = Mention("SDF", "قسد", 5, 8)
    l1, l2 = Mention("Raqqa", "الرقة", 9, 14), Mention("Aleppo", "وحلب", 15, 19)
    no = HeadOutputs([(0, len(text), np.array([0.1, 0.2, 0.1, 0.1, 0.1]))], [])
    assert apply_heads([_record(text, [a], [l1])], no, heads) == []
    yes = HeadOutputs([(0, len(text), np.array([0.1, 0.9, 0.1, 0.1, 0.1]))],
                      [(5, 8, np.array([0.1, 0.1, 0.7, 0.1])), (9, 14, np.array([0.8, 0.0, 0.0, 0.2])),
                       (15, 19, np.array([0.1, 0.0, 0.0, 0.9]))])
    rec, twin = apply_heads([_record(text, [a], [l1, l2])], yes, heads)
    assert [m.text for m in twin.locations] == ["الرقة"]  # two listed places: two incidents (test_events_split.py)
    # retyped: the sub-type is what the record's own words say of that type ("قصفت": shelling) ...
    assert rec.event_type.value == "explosion_remote_violence"
    assert rec.event_type.sub_event_type == "Shelling/artillery/missile attack"
    assert rec.actors[0].role == "target"
    assert [m.text for m in rec.locations] == ["وحلب", "الرقة"]
    # ... and the checkpoint's default for that type when no word says it
    (rec,) = apply_heads([_record("قسد في الرقة", [], [])], HeadOutputs([(0, 12, yes.sentences[0][2])], []), heads)
    assert rec.event_type.sub_event_type == "Air/drone strike"
    mentioned = HeadOutputs(yes.sentences, [(5, 8, np.array([0.9, 0.05, 0.05, 0.0]))])
    (rec,) = apply_heads([_record(text, [Mention("SDF", "قسد", 5, 8)], [])], mentioned, heads)
    assert rec.actors == []


def test_evaluate_events_cli_says_which_engine_it_scored(heads_run, tmp_path, capsys):
    from train.cli import main as cli

    out = tmp_path / "events.json"
    assert cli(["evaluate-events", "--model", str(heads_run["model"]), "--out", str(out),
                str(heads_run["data"] / "test.jsonl")]) == 0
    saved = json.loads(out.read_text(encoding="utf-8"))
    assert saved["engine"] == "torch" and saved["engine_dir"] == str(heads_run["model"])
    assert '"engine": "torch"' in capsys.readouterr().out
    assert saved["incidents"]["tp"] + saved["incidents"]["fn"] > 0  # the layer's incidents were scored
