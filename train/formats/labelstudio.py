"""Label Studio tasks (JSON export/import) <-> our records, and the labeling-interface config for our types.

A task is ``{"data": {"text", "record_id", "meta"}, "annotations": [{"result": [...]}], "predictions": [...]}``;
each span is a result of type ``labels``: ``{"id", "from_name", "to_name", "type": "labels", "value": {"start",
"end", "text", "labels": [LABEL]}}`` (https://labelstud.io/guide/task_format). Offsets are characters of
``data.text``. Our record id and ``meta`` ride in ``data``, so they survive the trip through the tool; a team's
own ``data`` keys (anything but ``text``) come back in ``meta``.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Optional, Sequence
from xml.sax.saxutils import quoteattr

from model.errors import read_text
from train.corpus import LABELS, Document, Problem
from train.formats.checks import RawSpan, checked_document
from train.formats.records import ReadResult, json_array_records, jsonl_records

FROM_NAME, TO_NAME = "label", "text"
FILE = "a Label Studio task file (JSON export: a list of tasks with data.text and annotations[].result[])"
COLOURS = {"FACTION": "#d62728", "LOCATION": "#1f77b4", "OPERATION": "#9467bd", "CASUALTY": "#ff7f0e",
           "DATE": "#2ca02c", "PERSON": "#8c564b"}
_OTHER_COLOURS = ("#17becf", "#bcbd22", "#e377c2", "#7f7f7f")


def labeling_config(labels: Sequence[str] = LABELS, word_granularity: bool = False) -> str:
    """The labeling-interface XML for our entity types (right-to-left text, the record id as the header).

    ``word_granularity`` snaps selections to whitespace-separated words; Label Studio then also takes a glued
    comma or full stop into the span, which the import reports, so it is off by default.

    >>> 'value="$text"' in labeling_config(["LOCATION"])
    True
    """
    rows = "\n".join(
        f"    <Label value={quoteattr(label)} background="
        f"{quoteattr(COLOURS.get(label, _OTHER_COLOURS[i % len(_OTHER_COLOURS)]))}/>"
        for i, label in enumerate(labels))
    granularity = ' granularity="word"' if word_granularity else ""
    return (
        "<View>\n"
        '  <Header value="$record_id" size="5"/>\n'
        f'  <Labels name="{FROM_NAME}" toName="{TO_NAME}">\n{rows}\n  </Labels>\n'
        '  <View style="direction: rtl; text-align: right; font-size: 120%; line-height: 2">\n'
        f'    <Text name="{TO_NAME}" value="$text"{granularity}/>\n'
        "  </View>\n"
        "</View>\n"
    )


def _result(k: int, start: int, end: int, label: str, text: str, score: Optional[float]) -> dict:
    item = {"id": f"e{k}", "from_name": FROM_NAME, "to_name": TO_NAME, "type": "labels",
            "value": {"start": start, "end": end, "text": text, "labels": [label]}}
    if score is not None:
        item["score"] = round(float(score), 4)
    return item


def to_task(doc: Document, prediction: Optional[dict] = None) -> dict:
    """One task; with ``prediction`` (``{"model_version", "score"}``) the entities are a prediction to correct,
    not a finished annotation."""
    result = [_result(k, e.start, e.end, e.label, e.text, e.score if prediction else None)
              for k, e in enumerate(doc.entities)]
    task: dict = {"data": {"text": doc.text, "record_id": doc.id, "meta": doc.meta}}
    if prediction is None:
        task["annotations"] = [{"result": result}]
    else:
        task["predictions"] = [{**prediction, "result": result}]
    return task


def dumps(docs: Sequence[Document], predictions: Optional[Sequence[dict]] = None) -> str:
    """The task file: a JSON list, one task per line (Label Studio imports it as is)."""
    tasks = [to_task(d, predictions[i] if predictions else None) for i, d in enumerate(docs)]
    return "[\n" + ",\n".join(json.dumps(t, ensure_ascii=False) for t in tasks) + "\n]\n"


def _pick(items: list) -> tuple[Optional[dict], int]:
    """The most recent usable annotation (or prediction) and how many others there were."""
    usable = [a for a in items if isinstance(a, dict) and not a.get("was_cancelled")]
    if not usable:
        return None, 0
    # ISO timestamps sort as strings; without them the list order (oldest first) stands
    best = max(enumerate(usable), key=lambda p: (str(p[1].get("updated_at") or p[1].get("created_at") or ""), p[0]))
    return best[1], len(usable) - 1


def _task(path: Path, line: int, k: int, task: object, labels: Optional[Sequence[str]],
          use_predictions: bool) -> ReadResult:
    out = ReadResult()
    where = f"{path}:{line}"
    if not isinstance(task, dict):
        out.problems.append(Problem(where, f"task {k}", f"found a JSON {type(task).__name__}; expected a task object"))
        return out
    tid = task.get("id", f"#{k}")
    data = task.get("data")
    if not isinstance(data, dict):
        out.problems.append(Problem(where, f"task {tid}", "has no data object; expected {'data': {'text': ...}}"))
        return out
    rid = data.get("record_id") if isinstance(data.get("record_id"), str) and data.get("record_id") else (
        f"{path.stem}-{tid}".replace("#", ""))
    label = f"task {tid} {rid}"
    meta = dict(data["meta"]) if isinstance(data.get("meta"), dict) else {}
    for key, value in data.items():  # a team's own data columns come back as meta
        if key not in ("text", "record_id", "meta"):
            meta.setdefault(key, value)
    anns = task.get("annotations") if isinstance(task.get("annotations"), list) else []
    chosen, others = _pick(anns)
    source = "annotation"
    if chosen is None and use_predictions:
        preds = task.get("predictions") if isinstance(task.get("predictions"), list) else []
        chosen, others = _pick(preds)
        source = "prediction"
    if chosen is None:
        cancelled = sum(1 for a in anns if isinstance(a, dict) and a.get("was_cancelled"))
        why = f"{cancelled} skipped (cancelled) annotation(s)" if cancelled else "no submitted annotation"
        hint = "" if use_predictions else "; pass --accept-predictions to take its prediction instead"
        out.notes.append(Problem(where, label, f"not carried: {why}{hint}"))
        return out
    if others:
        out.notes.append(Problem(where, label, f"{others} other {source}(s) not carried: the most recent "
                                 f"(id {chosen.get('id', '?')}) is; settle disagreements in Label Studio first"))
    results = chosen.get("result", [])
    if not isinstance(results, list):
        out.problems.append(Problem(where, label, f"{source} result is {type(results).__name__}; expected a list"))
        return out
    spans: list[RawSpan] = []
    skipped: dict[str, int] = {}
    for r in results:
        if not isinstance(r, dict):
            out.problems.append(Problem(where, label, f"a result is {type(r).__name__}; expected an object"))
            continue
        kind = r.get("type")
        if kind != "labels":
            skipped[str(kind)] = skipped.get(str(kind), 0) + 1
            continue
        value = r.get("value") if isinstance(r.get("value"), dict) else {}
        names = value.get("labels")
        what = f"result {r.get('id', '?')!r}"
        if not (isinstance(names, list) and len(names) == 1):
            out.problems.append(Problem(where, label, f"{what} has labels {names!r}; expected exactly one label "
                                        "per span (our types do not nest)"))
            continue
        spans.append(RawSpan(value.get("start"), value.get("end"), names[0], value.get("text"), what,
                             r.get("score") if isinstance(r.get("score"), (int, float)) else None))
    for kind, count in sorted(skipped.items()):
        what = "relation(s) between spans" if kind == "relation" else f"result(s) of type {kind!r}"
        out.notes.append(Problem(where, label, f"{count} {what} not carried: only entity spans (type 'labels') "
                                 "are imported; incidents are authored in the markup's '# incident:' lines"))
    doc, problems, notes = checked_document(rid, data.get("text"), spans, meta, where, labels)
    out.problems.extend(Problem(p.where, label, p.message) for p in problems)
    out.notes.extend(Problem(p.where, label, p.message) for p in notes)
    if doc is not None:
        out.docs.append(doc)
    return out


def read(path: str | Path, labels: Optional[Sequence[str]] = LABELS, use_predictions: bool = False) -> ReadResult:
    """Read a Label Studio export (JSON list of tasks; JSONL, one task per line, also works).

    A task's most recent submitted annotation is imported; with ``use_predictions`` a task without one takes its
    most recent prediction. Everything left out is a note, every bad span a problem.
    """
    path = Path(path)
    content = read_text(path, FILE)
    if path.suffix.lower() == ".jsonl":
        items = [(n, obj) for n, obj in jsonl_records(path, content)]
    else:
        items = json_array_records(path, content, FILE)
    out = ReadResult()
    for k, (line, task) in enumerate(items, start=1):
        if isinstance(task, Problem):
            out.problems.append(task)
            continue
        out.extend(_task(path, line, k, task, labels, use_predictions))
    return out
