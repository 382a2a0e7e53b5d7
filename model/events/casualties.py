"""Casualties: each CASUALTY span read as a figure, a status and the victims' side, and the fatalities rule.

Fatalities (conservative, ACLED-style)
    The sum of ``count_min`` of the record's *killed* figures (None counts 0), except that

    - a figure introduced as part of another ("بينهم 5 أطفال"، "49 منهم") is not added again;
    - a running total ("ارتفع عدد القتلى إلى 45"، "بلغت حصيلة القتلى 46") replaces the earlier killed figures of the
      record that it can include (same victims' affiliation, or any when it names none): it is the latest count
      of the same dead, so adding both would count them twice;
    - a running total over a period ("... منذ مطلع العام إلى 19"، "خلال الأشهر الماضية") is a cumulative toll beyond
      this incident and is not added at all; so is any toll since a war's or a battle's onset ("منذ اندلاع الحرب")
      or over months or years, with or without a rise verb.

    Each casualty says whether it was added (``counted``), so the sum can be checked by hand.
"""
from __future__ import annotations

from typing import Optional

from model.aliases import canonical_actor
from model.arabic import normalise_arabic
from model.events.clauses import _Doc, _is_quote
from model.events.incidents import _Draft
from model.events.lexicons import (
    _CIVILIAN,
    _COMPLEMENTIZERS,
    _COUNTED,
    _EXCEED_VERBS,
    _LINKS,
    _LONG_PERIOD,
    _LOSS_VERBS,
    _MIXED_NOUNS,
    _PARALLEL,
    _PERIOD_NOUNS,
    _PERIOD_START,
    _RUNNING_NOUNS,
    _RUNNING_VERBS,
    _STATUS,
    _SUBSET,
    _SURRENDER,
    _TOLL_NOUNS,
    _match,
    _words,
)
from model.events.records import CIVILIANS, Casualty
from model.numbers import apply_qualifier, count_text_qualifier, parse_count

_ONSET = _words("onset_nouns")
_CONTINUING = _words("continuing_words")
_DAY_PARTS = _words("day_part_words")
_ADDITION = _words("addition_words")


def _status(
    doc: _Doc, k: int, sentence: tuple[int, int], inherited: Optional[str] = None, earlier: Optional[str] = None
) -> str:
    """What happened to the people a CASUALTY span counts, from the words around it.

    In order: a status noun right after the figure ("5 قتلى"); the nearest cue before it in its comma-clause
    ("مقتل 5"، "وأصيب 11"); the nearest after it there ("23 عنصراً ... قتلوا"); ``inherited``, the status of the
    figure this one is part of or set against ("بينهم 7 أطفال"، "مقابل 250"); then the same search across the
    sentence. ``earlier`` is the one status shared by the figures reported before in the report, if any.
    """
    first, last = doc.first_tok[k], doc.last_tok[k]

    def cue(i: int) -> Optional[str]:
        t = doc.toks[i]
        if t.punct or (t.entity is not None and doc.label(t.entity) != "CASUALTY"):
            return None
        if _match(t.norm, _SURRENDER[0]) and i + 1 < len(doc.toks) and _match(doc.toks[i + 1].norm, _SURRENDER[1]):
            return "captured"  # "سلموا أنفسهم"
        m = _match(t.norm, _STATUS, suffixes=True)
        if m and m[0] == "ضحايا":
            # "ضحايا" names the dead in a toll ("ارتفع عدد ضحايا القصف إلى 11"); elsewhere ("وبين الضحايا 7")
            # it refers back to the people already counted, so it has their status only if they share one
            prev = doc.prev_words(i, 1)
            if prev and _match(doc.toks[prev[0]].norm, _RUNNING_NOUNS):
                return "killed"
            return earlier or "unknown"
        return m[1] if m else None

    def mixed(i: int, status: str, direction: int) -> bool:
        """"مقتل وإصابة 20"، "20 قتيلاً وجريحاً": two status nouns joined by و name one mixed figure
        (two verbs, "قتلوا وأصيب 11", are two clauses)."""
        j = i + direction
        if not (0 <= j < len(doc.toks)) or doc.toks[j].punct:
            return False
        other = cue(j)
        joined = doc.toks[i].norm.startswith("و") if direction < 0 else doc.toks[j].norm.startswith("و")
        nouns = _match(doc.toks[i].norm, _MIXED_NOUNS) and _match(doc.toks[j].norm, _MIXED_NOUNS)
        return other is not None and other != status and joined and bool(nouns)

    # 1. a status noun right after the figure ("5 قتلى"، "خمسة عشر جريحاً")
    j = last + 1
    while j < len(doc.toks) and doc.toks[j].start < sentence[1] and _match(doc.toks[j].norm, _LINKS):
        j += 1
    if j < len(doc.toks) and doc.toks[j].start < sentence[1]:
        s = cue(j)
        if s:
            return "unknown" if mixed(j, s, +1) else s

    def steps_between(a: int, b: int) -> int:
        """Words between two token indices, an entity counting as one word."""
        seen: set[object] = set()
        for i in range(min(a, b) + 1, max(a, b)):
            t = doc.toks[i]
            if not t.punct:
                seen.add(("e", t.entity) if t.entity is not None else i)
        return len(seen)

    def backward(lo: int, limit: int) -> Optional[str]:
        i = first - 1
        while i >= 0 and doc.toks[i].start >= lo and steps_between(i, first) <= limit:
            s = cue(i)
            if s:
                return "unknown" if i == first - 1 and mixed(i, s, -1) else s
            i -= 1
        return None

    def forward(hi: int, limit: int) -> Optional[str]:
        i = last + 1
        while i < len(doc.toks) and doc.toks[i].end <= hi and steps_between(last, i) <= limit:
            t = doc.toks[i]
            if t.entity is not None and doc.label(t.entity) == "CASUALTY" and doc.first_tok[t.entity] == i:
                # another figure ends the search, unless it is a part inserted in this one ("7، بينهم 3، قتلوا")
                before = doc.prev_words(i, 1)
                if not (before and _match(doc.toks[before[0]].norm, _SUBSET)):
                    return None
            s = cue(i)
            if s:
                return "unknown" if mixed(i, s, +1) else s
            i += 1
        return None

    clause_lo = _comma_bound(doc, first, sentence[0], -1)
    clause_hi = _comma_bound(doc, last, sentence[1], +1)
    before = doc.prev_words(first, 1)
    if before and _match(doc.toks[before[0]].norm, _COMPLEMENTIZERS):
        # "قالت مصادر إن 17 مقاتلاً قتلوا": the figure opens a clause whose predicate follows it
        found = forward(clause_hi, 12) or backward(clause_lo, 40)
    else:
        found = backward(clause_lo, 40) or forward(clause_hi, 12)
    if found:
        return found
    if inherited is not None:
        return inherited
    return backward(sentence[0], 16) or forward(sentence[1], 12) or "unknown"


def _comma_bound(doc: _Doc, tok: int, limit: int, direction: int) -> int:
    """The character offset where the comma-clause around ``tok`` ends in ``direction`` (bounded by ``limit``)."""
    i = tok + direction
    while 0 <= i < len(doc.toks):
        t = doc.toks[i]
        if (direction < 0 and t.start < limit) or (direction > 0 and t.end > limit):
            break
        if t.punct and t.text in "،,;؛:":
            return t.end if direction < 0 else t.start
        i += direction
    return limit


def _affiliation(doc: _Doc, k: int, lo: int) -> tuple[Optional[str], Optional[str]]:
    """(canonical victims' side, the words it was read from) for a CASUALTY span."""
    last = doc.last_tok[k]
    i = last + 1
    steps = 0
    while i < len(doc.toks) and steps < 7:
        t = doc.toks[i]
        if t.punct:
            if _is_quote(t.text):
                i += 1
                continue
            break
        if t.entity is not None:
            if doc.label(t.entity) == "FACTION":
                e = doc.entities[t.entity]
                return canonical_actor(e.text, doc.country), e.text
            break
        if _match(t.norm, _CIVILIAN):
            return CIVILIANS, t.text
        if not (_match(t.norm, _COUNTED) or _match(t.norm, _LINKS) or _match(t.norm, _STATUS)):
            break
        i += 1
        steps += 1
    # Backwards for tolls and losses: "حصيلة قتلى التنظيم ... 1800"، "عدد القتلى المدنيين إلى"، "الشرطة خسرت 400".
    # Only a toll noun in construct names victims; a verb before the figure ("اعتقلت القوات 14") names the actor.
    first = doc.first_tok[k]
    window = list(reversed(doc.toks_in(lo, doc.toks[first].start)))[:14]
    for i in window:
        t = doc.toks[i]
        if t.punct or t.entity is not None:
            continue
        if _match(t.norm, _LOSS_VERBS):
            for b in doc.prev_words(i, 3):
                e_k = doc.toks[b].entity
                if e_k is not None and doc.label(e_k) == "FACTION":
                    return canonical_actor(doc.entities[e_k].text, doc.country), doc.entities[e_k].text
            return None, None
        if _match(t.norm, _TOLL_NOUNS):
            j = i + 1
            while j < first and _match(doc.toks[j].norm, _TOLL_NOUNS):
                j += 1  # "حصيلة قتلى X"
            if j < first:
                n_t = doc.toks[j]
                if n_t.entity is not None and doc.label(n_t.entity) == "FACTION":
                    e = doc.entities[n_t.entity]
                    return canonical_actor(e.text, doc.country), e.text
                if _match(n_t.norm, _CIVILIAN):
                    return CIVILIANS, n_t.text
            continue
        if _match(t.norm, _STATUS):
            return None, None
    return None, None


def _running_flags(doc: _Doc, k: int, lo: int, hi: int) -> tuple[bool, bool]:
    """(running total, over a period) for a CASUALTY span in the comma-clause ``[lo, hi)``.

    A total is a rise/reach verb before the figure with a toll noun anywhere in the clause ("ارتفع عدد القتلى إلى
    45"، "حصيلة القتلى ... ارتفعت إلى 1112"، "ارتفع إلى 42 عدد المدنيين"); it is over a period when the clause
    also says since when ("منذ").
    """
    first = doc.first_tok[k]
    clause = [i for i in doc.toks_in(lo, hi) if not doc.toks[i].punct]
    before = [i for i in clause if i < first]
    if not any(_match(doc.toks[i].norm, _RUNNING_VERBS) for i in before):
        return False, _long_period(doc, clause)
    if not any(_match(doc.toks[i].norm, _RUNNING_NOUNS, suffixes=True) for i in clause if doc.toks[i].entity is None):
        return False, False
    period = any(_match(doc.toks[i].norm, _PERIOD_START) for i in clause)
    words = [doc.toks[i].norm for i in clause]
    for pos, w in enumerate(words):
        if w == "خلال" and any(_match(x, _PERIOD_NOUNS) for x in words[pos + 1 : pos + 4]):
            period = True
    return True, period


def _long_period(doc: _Doc, clause: list[int]) -> bool:
    """"مقتل أكثر من 1,100 شخص منذ اندلاع الحرب"، "خلال الأشهر الماضية": a toll over a war or a season, not an
    incident's, even without a rise verb. ("منذ صباح اليوم" is today's incident: only an onset noun counts.)"""
    words = [doc.toks[i].norm for i in clause]
    for pos, w in enumerate(words):
        near = words[pos + 1 : pos + 3]
        if _match(w, _PERIOD_START) and any(_match(x, _ONSET) for x in near):
            return True
        if w == "خلال" and any(_match(x, _LONG_PERIOD) for x in near):
            return True
        # "الاقتتال المستمر منذ الـ 28 من نيسان": fighting going on since a date; "منذ فجر اليوم" is today's
        if _match(w, _PERIOD_START) and pos and _match(words[pos - 1], _CONTINUING) and near \
                and not _match(near[0], _DAY_PARTS):
            return True
    return False


def _exceeds(doc: _Doc, k: int, lo: int) -> bool:
    """"عدد الجرحى ... تجاوز 150"، "تجاوز عدد الجرحى 146": an exceed-verb before the figure in a toll clause."""
    first = doc.first_tok[k]
    before = [i for i in reversed(doc.toks_in(lo, doc.toks[first].start)) if not doc.toks[i].punct]
    verb = next((i for i in before if _match(doc.toks[i].norm, _EXCEED_VERBS)), None)
    if verb is None:
        return False
    return any(_match(doc.toks[i].norm, _RUNNING_NOUNS) for i in before)


def _followed_by_subset(doc: _Doc, k: int) -> bool:
    """"49 منهم"، "حوالي 25 منهم": the figure counts some of people counted before."""
    after = doc.last_tok[k] + 1
    return after < len(doc.toks) and not doc.toks[after].punct and doc.toks[after].norm in ("منهم", "منهن")


def _is_subset(doc: _Doc, k: int, previous: Optional[int]) -> bool:
    """"بينهم 5 أطفال"، "49 منهم": the figure is part of one given before."""
    if previous is None:
        return False
    first, last = doc.first_tok[k], doc.last_tok[k]
    before = [i for i in doc.prev_words(first, 2) if i > doc.last_tok[previous]]
    if any(_match(doc.toks[i].norm, _SUBSET) for i in before):
        return True
    after = last + 1
    while after < len(doc.toks) and doc.toks[after].punct:
        after += 1
    return after < len(doc.toks) and _match(doc.toks[after].norm, _SUBSET) is not None


def _casualties(doc: _Doc, draft: _Draft) -> list[Casualty]:
    out: list[Casualty] = []
    prev_k: Optional[int] = None
    for k in draft.entities:
        if doc.label(k) != "CASUALTY" or k not in doc.entities_with_words:
            continue
        e = doc.entities[k]
        sentence = doc.sentence_of(e.start)
        clause_start = _comma_bound(doc, doc.first_tok[k], sentence[0], -1)
        clause_end = _comma_bound(doc, doc.last_tok[k], sentence[1], +1)
        count = apply_qualifier(parse_count(e.text), count_text_qualifier(doc.text[e.end : clause_end]))
        if _exceeds(doc, k, clause_start):
            count = apply_qualifier(count, "at_least")
        affiliation, aff_text = _affiliation(doc, k, sentence[0])
        running, period = _running_flags(doc, k, clause_start, clause_end)
        same_sentence = prev_k is not None and doc.entities[prev_k].start >= sentence[0]
        subset = _is_subset(doc, k, prev_k if same_sentence else None) or (
            prev_k is not None and _followed_by_subset(doc, k)
        )
        if running and not period and same_sentence and out and out[-1].cumulative:
            period = True  # "... منذ أيلول إلى 1112، أما قتلى التنظيم فبلغ عددهم 650": the same period's toll
        if not period and same_sentence and out and out[-1].cumulative and any(
                _match(doc.toks[i].norm, _ADDITION) for i in doc.prev_words(doc.first_tok[k], 3)):
            period = True  # "مقتل أكثر من 300 منذ نيسان، إضافة إلى عشرات المدنيين": added to the same toll
        if not subset and out and out[-1].subset and same_sentence:
            # "بينهم 3 أطفال و2 امرأتان": a figure joined by و to a part is part of the same breakdown
            gap = normalise_arabic(doc.text[out[-1].end : e.start])
            subset = "،" not in gap and "," not in gap and len(gap.split()) <= 3 and (
                gap.split()[-1:] == ["و"] or normalise_arabic(e.text).startswith("و")
            )
        parallel = any(_match(doc.toks[i].norm, _PARALLEL) for i in doc.prev_words(doc.first_tok[k], 2))
        inherited = out[-1].status if (subset or parallel) and out and out[-1].status != "unknown" else None
        statuses = set(doc.statuses_so_far) | {c.status for c in out}
        earlier = statuses.pop() if len(statuses) == 1 else None
        out.append(Casualty(e.text, e.start, e.end, count.count_min, count.count_max, count.qualifier,
                            _status(doc, k, sentence, inherited, earlier), affiliation, aff_text, running, period,
                            subset))
        prev_k = k
    _mark_counted(out)
    doc.statuses_so_far.extend(c.status for c in out)
    return out


def _mark_counted(casualties: list[Casualty]) -> None:
    """Decide which killed figures make up the fatalities (module docstring, "Fatalities")."""
    counted: list[Casualty] = []
    previous: Optional[Casualty] = None
    for c in casualties:
        c.counted = False
        # a part of a killed figure is already in it; a part of the missing ("49 منهم قتلوا") is new dead
        part_of_dead = c.subset and previous is not None and previous.status == "killed"
        if not c.subset:
            previous = c
        if c.status != "killed" or part_of_dead or c.cumulative:
            continue
        if c.running_total:
            for prior in counted:
                if c.affiliation is None or prior.affiliation == c.affiliation:
                    prior.counted = False
            counted = [p for p in counted if p.counted]
        c.counted = True
        counted.append(c)
