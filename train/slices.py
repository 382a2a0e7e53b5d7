"""F1 per phenomenon of real report text (``war-ner evaluate --slices``).

Every slice is defined by code that reads the text, never by a list of sentence ids, so it applies to any
annotated file:

- ``dateline``: sentences that open with a dateline (``PLACE – SOURCE::``, ``PLACE (AGENCY) -``, ``PLACE - AGENCY:``);
- ``glued_proclitic``: mentions written with و/ف/ب/ك/ل glued on (the mention less that letter is a digit, an
  ``ال`` word, or a mention of the same file);
- ``fixed_name``: multi-word LOCATION names holding a direction word, an adjective or a compound head
  (``ولاية شمال دارفور``، ``القلمون الغربي``، ``العاصمة طرابلس``، ``أم درمان``);
- ``person``: PERSON mentions;
- ``long_report``: sentences of reports of 1,000 words or more;
- ``no_entity``: sentences with no gold entity, scored as false positives per 100 sentences.

Mention slices count a gold mention in recall and a predicted mention in precision when the predicate holds for
its own text; sentence slices score every mention of the chosen sentences. Matching is exact (strict).
"""
from __future__ import annotations

import re
from collections import defaultdict
from typing import Callable, Iterable, Sequence

from model.spans import tag_runs

Span = tuple[int, int, str]  # first word, last word (inclusive), type

_PLACE = r"[^\s.،:؟!()\[\]–—-]+(?:\s[^\s.،:؟!()\[\]–—-]+){0,3}"
_DATELINE = re.compile(
    rf"^{_PLACE}\s*(?:"
    r"(?:\([^()]{2,30}\)\s*){1,2}(?:/[^/:()–—-]{2,30})?[–—-]"  # الموصل (العراق) (رويترز) -  الأنبار (العراق) / الأناضول -
    r"|/[^/:()–—-]{2,30}[–—-]"  # الرمادي / الأناضول -
    r"|[–—-]\s*[^:\n]{2,50}?:"  # محافظة الرقة – المرصد السوري لحقوق الإنسان::   /   عدن – «الشرق الأوسط»:
    r"|::)"
)
_DIRECTIONS = {"شمال", "جنوب", "شرق", "غرب", "الشمالي", "الجنوبي", "الشرقي", "الغربي", "الشمالية", "الجنوبية",
               "الشرقية", "الغربية", "الوسطى", "السفلى", "العليا", "الأوسط", "الأعلى", "الأسفل"}
_ADJECTIVES = {"القديمة", "القديم", "الكبرى", "الكبير", "الصغرى", "الصغير", "الجديدة", "الجديد", "البلد"}
_COMPOUND_HEADS = {"العاصمة", "ولاية", "شبه", "أم", "أبو", "بني", "دير", "رأس", "عين", "تل", "جبل", "كفر"}
_NUMBER_HEADS = re.compile(r"^(?:[0-9٠-٩]|نحو|أكثر|ما|قرابة|حوالي|زهاء|عشر|مئ|ثلاث|أربع|خمس|ست|سبع|ثمان|تسع|اثن)")


def is_dateline(text: str) -> bool:
    """Whether a sentence opens with a dateline.

    >>> is_dateline("محافظة الرقة – المرصد السوري لحقوق الإنسان:: قتل 5"), is_dateline("الموصل (رويترز) - قال")
    (True, True)
    >>> is_dateline("قصفت الطائرات بلدة سراقب – وفق مصادر"), is_dateline("قصفت الطائرات بلدة سراقب، وقال: لا")
    (False, False)
    """
    return _DATELINE.match(text) is not None


def is_glued(mention: str, known: set[str]) -> bool:
    """Whether a mention is written with a proclitic glued on.

    ``known``: ``known_forms`` of the file's mentions.

    >>> known = known_forms(["حفتر", "قضاء هيت", "ريم"])
    >>> [is_glued(m, known) for m in ("و38", "والبوكمال", "لباب بغداد", "وحفتر", "بغداد", "وستة", "للقوات")]
    [True, True, True, True, False, True, True]
    >>> [is_glued(m, known) for m in ("لقضاء المقدادية", "وأبو البراء", "كريم درويش", "قضاء الدور")]
    [True, True, False, False]
    """
    if len(mention) < 2 or mention[0] not in "وفبكل":
        return False
    if mention.startswith("لل"):
        return True
    rest = mention[1:].lstrip("ـ")
    head = rest.split(" ")[0]
    return (rest.startswith("ال") or bool(_NUMBER_HEADS.match(rest)) or rest in known
            or head in {"باب", "حي", "مدينة", "بلدة", "قرية", "محافظة", "ولاية", "قوات", "عناصر", "أبو"}
            # "لقضاء المقدادية", "وحركة النجباء": the word after the letter opens another mention of the file
            # (not for ك, whose glued use is rare and whose names often start with it: "كريم")
            or (mention[0] != "ك" and len(head) >= 2 and f"{_FIRST}{head}" in known))


_FIRST = "\x00"  # marks a mention's first word in ``known_forms`` (no mention text contains it)


def known_forms(mentions: Iterable[str]) -> set[str]:
    """What ``is_glued`` compares a mention with: the file's mention texts and (marked) their first words.

    >>> sorted(known_forms(["قضاء هيت"]))
    ['\\x00قضاء', 'قضاء هيت']
    """
    out: set[str] = set()
    for m in mentions:
        out.add(m)
        out.add(_FIRST + m.split(" ")[0])
    return out


def is_fixed_name(words: Sequence[str]) -> bool:
    """Whether a LOCATION's words form a multi-word fixed name (direction word, adjective or compound head).

    >>> is_fixed_name(["ولاية", "شمال", "دارفور"]), is_fixed_name(["المدينة", "القديمة"]), is_fixed_name(["حلب"])
    (True, True, False)
    """
    if len(words) < 2:
        return False
    w0 = words[0][1:] if words[0][:1] in "وبل" and len(words[0]) > 3 else words[0]
    return (any(w in _DIRECTIONS for w in words) or w0 in _COMPOUND_HEADS or words[0] in _COMPOUND_HEADS
            or any(w in _ADJECTIVES or (w.startswith("ال") and w.endswith(("ي", "ية"))) for w in words[1:]))


def phenomena(docs: Sequence) -> dict:
    """How often each slice's phenomenon occurs in annotated sentences (``war-ner stats``): dateline sentences,
    glued-proclitic mentions per type, fixed names, long reports and their sentences, no-entity sentences."""
    from model.words import split_words

    words_per_doc: dict[str, int] = defaultdict(int)
    for d in docs:
        words_per_doc[d.meta.get("doc", d.id)] += sum(1 for w in split_words(d.text) if any(c.isalnum() for c in w.text))
    known = known_forms(e.text for d in docs for e in d.entities)
    glued: dict[str, int] = defaultdict(int)
    for d in docs:
        for e in d.entities:
            if is_glued(e.text, known):
                glued[e.label] += 1
    long_docs = {k for k, n in words_per_doc.items() if n >= 1000}
    return {
        "dateline_sentences": sum(1 for d in docs if is_dateline(d.text)),
        "glued_proclitic_mentions": dict(sorted(glued.items())),
        "fixed_names": sum(1 for d in docs for e in d.entities
                           if e.label == "LOCATION" and is_fixed_name([w.text for w in split_words(e.text)])),
        "long_reports": len(long_docs),
        "long_report_sentences": sum(1 for d in docs if d.meta.get("doc", d.id) in long_docs),
        "no_entity_sentences": sum(1 for d in docs if not d.entities),
    }


def _prf(tp: int, n_pred: int, n_gold: int) -> dict:
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0, "support": n_gold,
            "predicted": n_pred}


def score_slices(sentences: Sequence[dict], gold: Sequence[Sequence[str]], pred: Sequence[Sequence[str]]) -> dict:
    """Slices of one evaluation. ``sentences[i]`` has ``words``, ``text`` and ``doc`` (the report id) of the
    sentence whose gold and predicted tags are ``gold[i]`` and ``pred[i]``."""
    words_per_doc: dict[str, int] = defaultdict(int)
    for s in sentences:
        words_per_doc[s["doc"]] += sum(1 for w in s["words"] if any(c.isalnum() for c in w))
    known = known_forms(" ".join(s["words"][a : b + 1]) for s, g in zip(sentences, gold) for a, b, _ in tag_runs(g))

    def text_of(s: dict, span: Span) -> str:
        return " ".join(s["words"][span[0] : span[1] + 1])

    mention_preds: dict[str, Callable[[dict, Span], bool]] = {
        "glued_proclitic": lambda s, sp: is_glued(text_of(s, sp), known),
        "fixed_name": lambda s, sp: sp[2] == "LOCATION" and is_fixed_name(s["words"][sp[0] : sp[1] + 1]),
        "person": lambda s, sp: sp[2] == "PERSON",
    }
    sentence_preds: dict[str, Callable[[dict], bool]] = {
        "dateline": lambda s: is_dateline(s["text"]),
        "long_report": lambda s: words_per_doc[s["doc"]] >= 1000,
    }
    counts = {k: [0, 0, 0] for k in list(mention_preds) + list(sentence_preds)}  # tp, predicted, gold
    sentences_in = defaultdict(int)
    no_entity = [0, 0]  # sentences, spurious mentions
    for s, g, p in zip(sentences, gold, pred):
        gs, ps = set(tag_runs(g)), set(tag_runs(p))
        for name, keep in mention_preds.items():
            gk = {x for x in gs if keep(s, x)}
            pk = {x for x in ps if keep(s, x)}
            counts[name][0] += len(gk & pk)
            counts[name][1] += len(pk)
            counts[name][2] += len(gk)
        for name, keep in sentence_preds.items():
            if keep(s):
                sentences_in[name] += 1
                counts[name][0] += len(gs & ps)
                counts[name][1] += len(ps)
                counts[name][2] += len(gs)
        if not gs:
            no_entity[0] += 1
            no_entity[1] += len(ps)
    out = {name: _prf(*c) for name, c in counts.items()}
    for name, n in sentences_in.items():
        out[name]["sentences"] = n
    out["no_entity"] = {"sentences": no_entity[0], "false_positives": no_entity[1],
                        "fp_per_100_sentences": 100 * no_entity[1] / no_entity[0] if no_entity[0] else 0.0}
    return out


def format_slices(slices: dict) -> str:
    """The slices as a plain-text table."""
    lines = [f"{'slice':16s} {'P':>7s} {'R':>7s} {'F1':>7s} {'gold':>6s} {'pred':>6s}"]
    for name, v in slices.items():
        if name == "no_entity":
            continue
        lines.append(f"{name:16s} {v['precision']:7.4f} {v['recall']:7.4f} {v['f1']:7.4f} {v['support']:6d} "
                     f"{v['predicted']:6d}" + (f"   ({v['sentences']} sentences)" if "sentences" in v else ""))
    ne = slices["no_entity"]
    lines.append(f"no_entity: {ne['false_positives']} false positives in {ne['sentences']} sentences "
                 f"({ne['fp_per_100_sentences']:.2f} per 100)")
    return "\n".join(lines)
