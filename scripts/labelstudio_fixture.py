"""Build tests/fixtures/labelstudio_sdk_tasks.json with Label Studio's own SDK (not our writer).

Run in a throwaway environment (label-studio-sdk pins an older numpy; keep it out of .venv):

    python3 -m venv /tmp/lsvenv && /tmp/lsvenv/bin/pip install label-studio-sdk
    /tmp/lsvenv/bin/python scripts/labelstudio_fixture.py

It parses our labeling config (`war-ner labelstudio-config`, read here from the XML our code prints) with
``label_studio_sdk.label_interface.LabelInterface``, makes every region with the SDK's ``control.label(...)`` for
four dev sentences read with ``json`` alone, links two of them with an SDK relation, wraps them in the task
envelope of Label Studio's JSON export (https://labelstud.io/guide/task_format: ids, ``was_cancelled``,
timestamps; a second, older annotation; a cancelled one; a task with only a prediction), and checks every
annotation and prediction with ``LabelInterface.validate_annotation`` / ``validate_prediction`` before writing.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "tests" / "fixtures" / "labelstudio_sdk_tasks.json"


def main() -> int:
    import label_studio_sdk
    from label_studio_sdk.label_interface import LabelInterface

    config = subprocess.run([sys.executable, "-c", "import sys; sys.path.insert(0, '.');"
                             "from train.formats.labelstudio import labeling_config; print(labeling_config(), end='')"],
                            cwd=REPO, capture_output=True, text=True, check=True).stdout
    li = LabelInterface(config)
    control = li.get_control("label")
    records = [json.loads(line) for line in (REPO / "data/annotations/dev.jsonl").read_text("utf-8").splitlines()]
    picked = [r for r in records if len(r["entities"]) >= 2][:4]

    def regions(record, relation=False):
        made = [control.label(e["label"], start=e["start"], end=e["end"], text=e["text"]) for e in record["entities"]]
        if relation:
            made[0].add_relation(made[1], label=None)
        result = [json.loads(r.to_json()) for r in made]
        for r in made:
            if r.has_relations:
                result.extend(json.loads(r.to_json_relations()))
        return result

    tasks = []
    for k, rec in enumerate(picked, start=1):
        data = {"text": rec["text"], "record_id": rec["id"], "meta": rec["meta"]}
        ann = {"id": 100 + k, "completed_by": 1, "result": regions(rec, relation=(k == 1)), "was_cancelled": False,
               "ground_truth": False, "created_at": f"2024-05-0{k}T10:00:00.000000Z",
               "updated_at": f"2024-05-0{k}T10:05:00.000000Z", "lead_time": 12.5, "task": k}
        assert li.validate_annotation(ann), ann
        task = {"id": k, "data": data, "annotations": [ann], "predictions": [], "meta": {},
                "created_at": "2024-05-01T09:00:00.000000Z", "updated_at": ann["updated_at"], "project": 7}
        if k == 2:  # an older annotation by someone else: the newer one above is the one imported
            old = dict(ann, id=90, completed_by=2, result=regions(rec)[:1], created_at="2024-04-01T10:00:00.000000Z",
                       updated_at="2024-04-01T10:05:00.000000Z")
            task["annotations"].insert(0, old)
        if k == 3:  # a skipped (cancelled) annotation next to the real one
            task["annotations"].append(dict(ann, id=95, result=[], was_cancelled=True))
        if k == 4:  # only a model's prediction: not annotated, so not imported without --accept-predictions
            pred = {"model_version": "tiny/model", "score": 0.42, "result": regions(rec)}
            assert li.validate_prediction(pred), pred
            task["annotations"], task["predictions"] = [], [pred]
        tasks.append(task)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(tasks, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"label_studio_sdk {label_studio_sdk.__version__ if hasattr(label_studio_sdk, '__version__') else '?'}: "
          f"{len(tasks)} tasks -> {OUT.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
