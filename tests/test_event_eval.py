"""The event rules on gold entities reproduce the hand-annotated casualty fields of the held-out splits."""
from __future__ import annotations

import pytest

from tests.conftest import REPO

FIELDS = REPO / "data" / "annotations" / "layers" / "casualty_fields.jsonl"


V1_REPORTS = ("irq-", "yem-", "lss-", "sne-", "snw-", "ssc-")  # the corpus the rules were written against


@pytest.mark.parametrize("split", ["dev", "test"])
def test_casualty_fields_are_right_for_95_percent_of_spans(split):
    from train.event_eval import casualty_field_accuracy

    report = casualty_field_accuracy([REPO / "data" / "annotations" / f"{split}.jsonl"], FIELDS)
    assert report["unannotated_spans"] == 0, "every CASUALTY span of the split must have its fields annotated"
    assert report["spans"] >= 100
    v1_errors = [e for e in report["errors"] if e["id"].startswith(V1_REPORTS)]
    assert len(v1_errors) <= 3, v1_errors
    # The v2 reports (other registers, written apart from the rules) are the harder part: the rules hold
    # about 0.9 there (measured, README); this floor catches a regression, not the goal.
    assert report["accuracy"] >= 0.85, report["errors"]


def test_a_wrong_rule_would_be_caught(tmp_path):
    """The scorer compares values: a layer with one altered status scores one span lower."""
    from train.event_eval import casualty_field_accuracy

    lines = FIELDS.read_text(encoding="utf-8").splitlines()
    data = REPO / "data" / "annotations" / "test.jsonl"
    base = casualty_field_accuracy([data], FIELDS)
    import json

    altered = []
    changed = False
    for line in lines:
        g = json.loads(line)
        if not changed and g["id"].startswith(("irq-02", "sne-02", "snw-02", "ssc-02", "yem-02", "lss-02")):
            g["status"] = "missing" if g["status"] != "missing" else "killed"
            changed = True
        altered.append(json.dumps(g, ensure_ascii=False))
    path = tmp_path / "fields.jsonl"
    path.write_text("\n".join(altered) + "\n", encoding="utf-8")
    assert casualty_field_accuracy([data], path)["all_fields_correct"] == base["all_fields_correct"] - 1
