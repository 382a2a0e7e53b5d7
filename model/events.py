"""Rule-based event records from (text, entities): one record per reported incident, shaped to map onto ACLED.

Works on gold or predicted entities. Every value keeps the span it came from, and every offset indexes the
caller's ``text``.

How records are formed
    The text is cut into sentences (``model.words.split_sentences``) and each sentence into clauses at
    ``فيما / بينما / في حين``. A clause that holds a CASUALTY span or an attack/clash/control trigger word opens an
    incident; clauses without either ride along with their sentence. An incident *continues* the previous
    record instead of opening a new one when it only reports consequences ("وأسفر القصف عن ..."، "ما أدى إلى ...",
    "ارتفع عدد القتلى ..."), when it adds casualties without a trigger of its own, or when all its trigger words
    point back (definite or demonstrative: "الاشتباكات"، "هذا التقدم") to a kind of incident already in the record.
    A clause that opens a new scene ("وفي <place>، ...") or names a different day always starts a new record.

Event type (ACLED)
    Clash words (اشتباكات، معارك، مواجهات، كمين، هجوم بري) make a Battle; otherwise remote weapons (غارة، قصف، مسيرة،
    قذائف، صواريخ، عبوة، لغم، مفخخة، انفجار، انتحاري) make Explosions/Remote violence; otherwise executions,
    assassinations and abductions make Violence against civilians; otherwise a generic attack (هجوم، استهداف،
    اقتحام، رصاص) is a Battle, or Violence against civilians when every victim is a civilian; otherwise control
    words (سيطرة، تقدم، انسحاب، استعادة، اعتقال، اتفاق، تفكيك) make a Strategic development, or a territorial Battle when
    people were killed. A record with casualties and no trigger is ``other``.

Fatalities (conservative, ACLED-style)
    The sum of ``count_min`` of the record's *killed* figures (None counts 0), except that

    - a figure introduced as part of another ("بينهم 5 أطفال"، "49 منهم") is not added again;
    - a running total ("ارتفع عدد القتلى إلى 45"، "بلغت حصيلة القتلى 46") replaces the earlier killed figures of the
      record that it can include (same victims' affiliation, or any when it names none): it is the latest count
      of the same dead, so adding both would count them twice;
    - a running total over a period ("... منذ مطلع العام إلى 19"، "خلال الأشهر الماضية") is a cumulative toll beyond
      this incident and is not added at all.

    Each casualty says whether it was added (``counted``), so the sum can be checked by hand.
"""
from __future__ import annotations

import bisect
import datetime as dt
import json
import unicodedata
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Iterable, Optional, Sequence, Union

from model.aliases import (
    actor_kind,
    canonical_actor,
    canonical_location,
    lookup_actor,
    lookup_location,
    normalise_arabic,
    strip_clitics,
)
from model.dates import resolve_date
from model.numbers import apply_qualifier, count_text_qualifier, parse_count
from model.spans import Entity
from model.words import split_sentences, split_words

EVENT_TYPES = ("battle", "explosion_remote_violence", "violence_against_civilians", "strategic_development", "other")
ACLED_EVENT_TYPES = {
    "battle": "Battles",
    "explosion_remote_violence": "Explosions/Remote violence",
    "violence_against_civilians": "Violence against civilians",
    "strategic_development": "Strategic developments",
    "other": "Other",
}
STATUSES = ("killed", "wounded", "captured", "missing", "unknown")
CIVILIANS = "civilians"


# ================================================================================================================
# Records


@dataclass
class EventType:
    """The incident's kind; ``text/start/end`` is the trigger word that decided it (None when nothing did)."""

    value: str
    sub_event_type: Optional[str] = None
    text: Optional[str] = None
    start: Optional[int] = None
    end: Optional[int] = None


@dataclass
class EventDate:
    """The incident's day: ``value`` is ISO or None; ``source`` is ``span`` (a DATE in the record), ``previous``
    (the last DATE before it in the report), ``report`` (the report's own date) or None."""

    value: Optional[str] = None
    text: Optional[str] = None
    start: Optional[int] = None
    end: Optional[int] = None
    source: Optional[str] = None


@dataclass
class Mention:
    """A FACTION, LOCATION or OPERATION span with its canonical value; ``role`` (actors only) is ``attacker``,
    ``target`` or None when the syntax does not show it."""

    value: str
    text: str
    start: int
    end: int
    role: Optional[str] = None


@dataclass
class Casualty:
    """One CASUALTY span read: bounds and qualifier (``model.numbers``), who (``affiliation``) and what happened
    to them (``status``); ``counted`` says whether it was added to the record's fatalities."""

    text: str
    start: int
    end: int
    count_min: Optional[int]
    count_max: Optional[int]
    qualifier: str
    status: str
    affiliation: Optional[str] = None
    affiliation_text: Optional[str] = None
    running_total: bool = False
    cumulative: bool = False
    subset: bool = False
    counted: bool = False


@dataclass
class EventRecord:
    """One reported incident. ``start/end`` bound the clauses it was built from; ``text`` is that excerpt."""

    source_id: Optional[str]
    report_date: Optional[str]
    start: int
    end: int
    text: str
    event_type: EventType
    date: EventDate
    locations: list[Mention] = field(default_factory=list)
    actors: list[Mention] = field(default_factory=list)
    operation: Optional[Mention] = None
    casualties: list[Casualty] = field(default_factory=list)
    fatalities: int = 0
    country: Optional[str] = None

    def to_dict(self) -> dict:
        """A JSON-ready dict (plain types only)."""
        return asdict(self)

    def to_acled_row(self) -> dict[str, object]:
        """ACLED columns where they exist (``event_date`` ... ``source``), then our extras."""
        attackers = [a for a in self.actors if a.role == "attacker"]
        others = [a for a in self.actors if a.role != "attacker"]
        ordered = attackers + others
        actor1 = ordered[0].value if ordered else ""
        rest = ordered[1:]
        actor2 = ""
        if rest:
            # actor2 is the other side: the first actor not on actor1's side.
            side = ordered[0].role
            other_side = [a for a in rest if a.role != side or side is None]
            actor2 = (other_side or rest)[0].value
        victims = {c.affiliation for c in self.casualties if c.affiliation}
        civilian_targeting = bool(victims) and victims == {CIVILIANS}
        if not actor2 and civilian_targeting and self.event_type.value in (
            "violence_against_civilians", "explosion_remote_violence"
        ):
            actor2 = "Civilians"
        assoc1 = [a.value for a in rest if a.value != actor2 and a.role == ordered[0].role and ordered[0].role]
        assoc2 = [a.value for a in rest if a.value != actor2 and a.value not in assoc1]
        precision = {"span": 1, "previous": 1, "report": 2}.get(self.date.source or "", "")
        return {
            "event_date": self.date.value or "",
            "year": int(self.date.value[:4]) if self.date.value else "",
            "time_precision": precision,
            "event_type": ACLED_EVENT_TYPES.get(self.event_type.value, "Other"),
            "sub_event_type": self.event_type.sub_event_type or "",
            "actor1": actor1,
            "assoc_actor_1": "; ".join(assoc1),
            "actor2": actor2,
            "assoc_actor_2": "; ".join(assoc2),
            "civilian_targeting": "Civilian targeting" if civilian_targeting else "",
            "country": self.country or "",
            "location": self.locations[0].value if self.locations else "",
            "source": self.source_id or "",
            "notes": self.text,
            "fatalities": self.fatalities,
            # ours
            "source_id": self.source_id or "",
            "report_date": self.report_date or "",
            "date_text": self.date.text or "",
            "locations": "; ".join(m.value for m in self.locations),
            "operation": self.operation.value if self.operation else "",
            "trigger": self.event_type.text or "",
            "casualties_json": json.dumps([asdict(c) for c in self.casualties], ensure_ascii=False),
        }


ACLED_COLUMNS = (
    "event_date", "year", "time_precision", "event_type", "sub_event_type", "actor1", "assoc_actor_1", "actor2",
    "assoc_actor_2", "civilian_targeting", "country", "location", "source", "notes", "fatalities",
    "source_id", "report_date", "date_text", "locations", "operation", "trigger", "casualties_json",
)


# ================================================================================================================
# Lexicons: written in ordinary spelling, compared after normalise_arabic and with glued clitics/article removed.


def _lex(spec: dict[str, str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for value, words in spec.items():
        for w in words.split():
            out[normalise_arabic(w)] = value
    return out


# Trigger words: "category/sub-kind". Categories: B clash, R remote, V against civilians, W generic attack,
# S control/arrest/agreement/disruption.
_TRIGGERS = _lex({
    "B/clash": "اشتباك اشتباكات اشتباكاً اشتبك اشتبكت اشتبكوا مواجهات مواجهة معارك معركة اقتتال قتال كمين كميناً "
               "التحام تبادل",
    "R/air": "غارة غارات غارتين غارتان طيران طائرات طائرة مسيرة مسيرات مسيّرة درون جوي جوية جوياً مروحية "
             "مروحيات حوامة حوامات",
    "R/strike": "ضربة ضربات ضربتين",
    "R/shelling": "قصف قصفت قصفاً يقصف تقصف قصفوا مدفعي مدفعية مدفعياً قذائف قذيفة هاون صاروخ صواريخ صاروخي "
                  "صاروخية راجمات راجمة",
    "R/ied": "عبوة عبوات ناسفة ناسف لغم ألغام انفجار انفجرت انفجر تفجير تفجيرات فجرت فجّرت فجروا يفجر مفخخة مفخخ "
             "مفخخات متفجرات",
    "R/suicide": "انتحاري انتحارية انتحاريين انتحاريون انغماسي انغماسيين انغماسيون",
    "V/attack": "إعدام أعدم أعدمت أعدموا اغتيال اغتال اغتالت اغتالوا ذبح ذبحت تصفية تعذيب",
    "V/abduction": "اختطاف اختطف اختطفت اختطفوا اختطفن خطف خطفت خطفوا",
    "W/attack": "هجوم هجمات هجوماً هاجم هاجمت هاجموا يهاجم استهداف استهدف استهدفت استهدفوا اقتحام اقتحم اقتحمت "
                "اقتحموا تسلل تسللوا رصاص قنص قناص قناصة نيران",
    "S/territory": "سيطرة سيطرت سيطر سيطروا تقدم تقدمت تقدموا يتقدم تتقدم انسحاب انسحبت انسحبوا استعادة استعادت "
                   "استعاد استعادوا تحرير حررت دخول دخل دخلت دخلوا بسطت",
    "S/arrests": "اعتقال اعتقل اعتقلت اعتقلوا اعتقالات مداهمة مداهمات دهم توقيف",
    "S/agreement": "اتفاق اتفاقية هدنة تسوية مصالحة",
    "S/disrupted": "تفكيك فكك فككت إسقاط أسقطت أسقط اعتراض اعترضت إحباط أحبطت",
})
_SUB_EVENTS = {
    "air": "Air/drone strike",
    "shelling": "Shelling/artillery/missile attack",
    "ied": "Remote explosive/landmine/IED",
    "suicide": "Suicide bomb",
    "clash": "Armed clash",
    "attack": "Attack",
    "abduction": "Abduction/forced disappearance",
    "territory": "Non-violent transfer of territory",
    "arrests": "Arrests",
    "agreement": "Agreement",
    "disrupted": "Disrupted weapons use",
}
_STATUS = _lex({
    "killed": "مقتل مصرع قتلى قتيل قتيلاً قتيلين قتيلان قتل قتلت قتلوا قتلاً يقتل تقتل مقتلهم استشهاد استشهد "
              "استشهدوا استشهدت شهداء شهيد شهيداً شهيدين لقي لقيت لقوا لقيا حتفهم حتفه حتفهما مصرعهم مصرعهما "
              "مصرعه قضوا قضى وفاة توفي توفوا جثث جثة جثامين جثمان إعدام أعدم أعدمت أعدموا اغتيال اغتال اغتالت "
              "اغتالوا تصفية ذبح خسر خسرت خسائر ضحايا",
    "wounded": "إصابة إصابات أصيب أصيبت أصيبوا أصيبا يصاب جرحى جريح جريحاً جريحين جرح جرحت جرحوا جروح مصاب "
               "مصابين مصاباً إصابتهم أصابت",
    "captured": "أسر أسرت أسروا أسرى أسير أسيراً اعتقال اعتقل اعتقلت اعتقلوا معتقلين اعتقالات احتجاز احتجز احتجزت "
                "احتجزوا اختطاف اختطف اختطفت اختطفوا اختطفن خطف خطفت خطفوا مخطوفين مختطفين استسلام استسلم "
                "استسلموا القبض توقيف اقتاد اقتادوا اقتادت أفرج أفرجت الإفراج سراح محتجزين محتجز رهائن رهينة "
                "معتقل احتجزوا",
    "missing": "فقدان فقدوا مفقودين مفقود مفقوداً مفقودون اختفاء مصيرهم مصير مصيره مجهولاً مخفي مخفيين "
               "إخفاء مختفين",
})
# Nouns a report counts people with; they sit between a figure and the victims' faction.
_COUNTED = set(_lex({"x": "عناصر عنصر عنصراً مقاتلين مقاتلاً مقاتل مقاتلي مقاتلو مسلحين مسلحاً مسلحي مسلحو جنود جندي "
                          "جندياً ضباط ضابط ضابطاً أفراد فرد عسكريين عسكرياً قياديين قيادياً أشخاص شخص شخصاً رجال "
                          "رجلاً مشتبه مشتبهاً مشتبهين منتسبين أعضاء عضواً آخرين آخرون عاملاً عامل"}))
_LINKS = set(_lex({"x": "من في صفوف تابعين التابعين موالين الموالين الموالية موالية على الأقل تقريباً بهم بين عدد"}))
# Nouns naming a toll in construct with its victims: "قتلى التنظيم"، "حصيلة قتلى القوات"، "عدد القتلى المدنيين".
_TOLL_NOUNS = set(_lex({"x": "قتلى جرحى مصابين أسرى مفقودين خسائر ضحايا شهداء عدد حصيلة"}))
_LOSS_VERBS = set(_lex({"x": "خسر خسرت"}))
_MIXED_NOUNS = set(_lex({"x": "مقتل مصرع استشهاد إصابة إصابات قتلى جرحى قتيل جريح قتيلاً جريحاً مصاب مصابين"}))
_CIVILIAN = set(_lex({"x": "مدني مدنياً مدنيين مدنيون مدنيات أطفال طفل طفلاً طفلين طفلان نساء امرأة امرأتين سيدات "
                           "سيدة مواطن مواطنين مواطناً مواطنون عمال عاملاً عامل رعاة مزارعين نازحين نازحاً لاجئين "
                           "أهالي سكان فتيات فتاة أبناء"}))
_CONTINUATION = set(_lex({"x": "أسفر أسفرت يسفر أدى أدت يؤدي تسبب تسببت خلف خلفت نجم نتج ارتفع ارتفعت يرتفع ترتفع "
                               "ليرتفع لترتفع بذلك"}))
_RUNNING_VERBS = set(_lex({"x": "ارتفع ارتفعت يرتفع ترتفع ليرتفع لترتفع بلغ بلغت يبلغ تبلغ وصل وصلت ليصل لتصل"}))
_RUNNING_NOUNS = set(_lex({"x": "عدد حصيلة إجمالي مجموع الحصيلة"}))
_PERIOD_NOUNS = set(_lex({"x": "أشهر شهر شهرين أسابيع أسبوع أيام العام عام سنوات سنة الشهر الأسبوع الساعات ساعة"}))
_SUBSET = set(_lex({"x": "بينهم بينهن منهم منهن بينهما"}))
_PARALLEL = set(_lex({"x": "مقابل ومقابل"}))
_COMPLEMENTIZERS = set(_lex({"x": "إن أن بأن لأن"}))
# "تجاوز عدد الجرحى 146": the figure is a floor
_EXCEED_VERBS = set(_lex({"x": "تجاوز تجاوزت يتجاوز تتجاوز تخطى تخطت يتخطى فاق فاقت يفوق تفوق"}))  # "مقتل 113 ... مقابل 250": the same status on the other side
_NEGATION = set(_lex({"x": "دون بدون لا لم غير عدم"}))
_DEMONSTRATIVES = set(_lex({"x": "هذا هذه ذلك تلك هذين هاتين"}))
_CLAUSE_MARKERS = set(_lex({"x": "فيما بينما وفيما وبينما"}))
# Phrases that open a new scene at the start of a clause: "وفي سياق آخر"، "في غضون ذلك"، "من جهة أخرى".
_NEW_SCENE = [tuple(normalise_arabic(p).split()) for p in (
    "في سياق", "وفي سياق", "في غضون ذلك", "وفي غضون ذلك", "من جهة أخرى", "ومن جهة أخرى", "في الأثناء", "وفي الأثناء",
    "في سياق منفصل", "على صعيد آخر", "وعلى صعيد آخر", "إلى ذلك", "والى ذلك", "في هجوم متزامن", "وفي هجوم متزامن",
    "في تطور آخر", "وفي تطور آخر", "في المقابل", "وفي المقابل",
)]
_PERIOD_START = set(_lex({"x": "منذ ومنذ"}))
_SURRENDER = (set(_lex({"x": "سلموا سلم سلمت يسلمون"})), set(_lex({"x": "أنفسهم نفسه أنفسهن"})))
_TARGET_CUES = set(_lex({"x": "على ضد مواقع موقع نقاط نقطة مقرات مقر تجمعات تجمع صفوف دورية دوريات آليات "
                               "تحصينات خطوط معاقل معقل قبضة حاجز حاجزاً حواجز"}))
_TRANSPARENT = set(_lex({"x": "تابعة التابعة تابع التابع تابعين لـ ل"}))
# A faction right after these is the one acting: "طائرات التحالف"، "على يد"، "بقصف لقوات النظام"، "نصبه مسلحو داعش".
_AGENT_NOUNS = set(_lex({"x": "طائرات طائرة طيران مدفعية قذائف صواريخ مروحيات مسيرة مسيرات يد قبل قصف غارات غارة "
                              "هجوم هجمات نيران رصاص قناصة نفذها نفذته نفذتها أطلقها زرعها نصبه نصبها تبناه تبنته "
                              "خلايا"}))
# Member nouns between a verb and its subject: "هاجم مسلحون من تنظيم داعش"، "اقتحمت وحدات من قوات ...".
_MEMBER_NOUNS = set(_lex({"x": "من مسلحون مقاتلون عناصر وحدات قوات أرتال مسلحو مقاتلو مسلحي مقاتلي"}))
_OBJECT_NOUNS = set(_lex({"x": "استهداف اقتحام حصار ملاحقة تعقب مهاجمة ضرب"}))
_SUBJECT_VERBS = set(_lex({"x": "تمكنت تمكن شنت شن نفذت نفذ أطلقت أطلق دفع دفعت بسطت دخلت رفعت رفع "
                               "اقتحمت قصفت استهدفت هاجم هاجمت سيطرت سيطر فجر فجّر اعتقلت اعتقل أسرت أسر استعادت "
                               "تقدمت انسحبت أعدم أعدمت اغتالت اختطفت قتلت قتل"}))
_BETWEEN = set(_lex({"x": "بين"}))


def _bare_forms(norm: str) -> list[tuple[str, bool]]:
    """Readings of a normalised word without glued و/ف, ب/ل/ك and the article: (form, had the article)."""
    seen: list[tuple[str, bool]] = []

    def add(form: str, definite: bool) -> None:
        if form and (form, definite) not in seen:
            seen.append((form, definite))

    bases = [norm]
    if len(norm) > 2 and norm[0] in "وف":
        bases.append(norm[1:])
    for b in list(bases):
        if len(b) > 2 and b[0] in "بلك":
            bases.append("ال" + b[2:] if b.startswith("لل") else b[1:])
    for b in bases:
        add(b, False)
        if b.startswith("ال") and len(b) > 3:
            add(b[2:], True)
    return seen


_SUFFIXES = ("هما", "هم", "هن", "ها", "ه")


def _match(
    norm: str, table: dict[str, str] | set[str], suffixes: bool = False
) -> Optional[tuple[str, str, bool]]:
    """(matched form, table value, definite) for the first reading of the word found in ``table``.

    With ``suffixes``, a possessive pronoun may follow the word: "سيطرتها"، "هجومهم"، "عددهم".
    """
    forms = _bare_forms(norm)
    if suffixes:
        # a possessive pronoun points back like the article does: "طائراته"، "سيطرتها"
        forms = forms + [(f[: -len(x)], True) for f, d in forms for x in _SUFFIXES if f.endswith(x) and len(f) - len(x) >= 3]
    for form, definite in forms:
        if form in table:
            value = table[form] if isinstance(table, dict) else form
            return form, value, definite
    return None


# ================================================================================================================
# Analysis


@dataclass
class _Tok:
    start: int
    end: int
    text: str
    norm: str
    punct: bool
    entity: Optional[int]  # index into the cleaned entity list


@dataclass
class _Trigger:
    category: str
    kind: str
    tok: int
    anaphoric: bool
    pointing: bool = False


@dataclass
class _Unit:
    start: int
    end: int
    toks: list[int]
    entities: list[int]
    triggers: list[_Trigger]
    continues: bool
    pointing: bool  # a trigger after a demonstrative: "هذا التقدم"
    running: bool
    new_scene: bool
    date: Optional[dt.date]


class _Doc:
    """The text, its words and its entities, with the lookups the rules need."""

    def __init__(self, text: str, entities: Sequence[Entity], report_date: Optional[dt.date], country: Optional[str]):
        self.text = text
        self.ref = report_date
        self.entities = _clean_entities(text, entities)
        words = split_words(text)
        owner: dict[int, int] = {}
        k = 0
        # A word belongs to the entity it overlaps, so predicted spans that cut a word still own it.
        for w_i, w in enumerate(words):
            while k < len(self.entities) and self.entities[k].end <= w.start:
                k += 1
            if k < len(self.entities) and self.entities[k].start < w.end:
                owner[w_i] = k
        self.toks = [
            _Tok(w.start, w.end, w.text, normalise_arabic(w.text), _is_punct(w.text), owner.get(i))
            for i, w in enumerate(words)
        ]
        self.first_tok: dict[int, int] = {}
        self.last_tok: dict[int, int] = {}
        for i, t in enumerate(self.toks):
            if t.entity is not None:
                self.first_tok.setdefault(t.entity, i)
                self.last_tok[t.entity] = i
        # Entities that own no word (whitespace-only predictions) take no part in the rules.
        self.entities_with_words = set(self.first_tok)
        self.statuses_so_far: list[str] = []  # statuses of the figures read so far, in report order
        self.sentences = split_sentences(text)
        self._starts = [t.start for t in self.toks]
        self._sentence_starts = [s for s, _ in self.sentences]
        self.date_ends = [(e.end, k) for k, e in enumerate(self.entities) if e.label == "DATE" and k in self.first_tok]
        self.country = country or self._infer_country()

    def _infer_country(self) -> Optional[str]:
        votes: Counter[str] = Counter()
        for e in self.entities:
            if e.label == "LOCATION":
                place = lookup_location(e.text)
                if place and place.get("country"):
                    votes[place["country"]] += 2
            elif e.label == "FACTION":
                actor = lookup_actor(e.text)
                if actor and len(actor.get("countries", [])) == 1:
                    votes[actor["countries"][0]] += 1
        return votes.most_common(1)[0][0] if votes else None

    def label(self, k: int) -> str:
        return self.entities[k].label

    def toks_in(self, lo: int, hi: int) -> range:
        """Indices of the words that lie inside ``[lo, hi)``."""
        a = bisect.bisect_left(self._starts, lo)
        b = a
        while b < len(self.toks) and self.toks[b].end <= hi:
            b += 1
        return range(a, b)

    def sentence_of(self, offset: int) -> tuple[int, int]:
        """The sentence span holding ``offset`` (the whole text when none does)."""
        i = bisect.bisect_right(self._sentence_starts, offset) - 1
        if i >= 0 and self.sentences[i][0] <= offset < self.sentences[i][1]:
            return self.sentences[i]
        return 0, len(self.text)

    def prev_words(self, tok: int, n: int) -> list[int]:
        """Up to ``n`` word indices before ``tok``, nearest first, stopping at punctuation (quotes excepted)."""
        out: list[int] = []
        i = tok - 1
        while i >= 0 and len(out) < n:
            t = self.toks[i]
            if t.punct:
                if not _is_quote(t.text):
                    break
            else:
                out.append(i)
            i -= 1
        return out


def _is_punct(word: str) -> bool:
    return len(word) == 1 and unicodedata.category(word).startswith("P")


def _is_quote(word: str) -> bool:
    return word in "\"'“”„‟«»‹›‘’"


def _clean_entities(text: str, entities: Sequence[Entity]) -> list[Entity]:
    """Entities inside ``text``, re-read from it (predictions may carry stale text), sorted, without overlaps."""
    out: list[Entity] = []
    for e in sorted(entities, key=lambda e: (e.start, -(e.end - e.start))):
        if not (0 <= e.start < e.end <= len(text)):
            continue
        if out and e.start < out[-1].end:
            continue
        if not text[e.start : e.end].strip():
            continue
        out.append(Entity(e.start, e.end, e.label, text[e.start : e.end], e.score))
    return out


def _clauses(doc: _Doc) -> list[list[tuple[int, int, list[int]]]]:
    """Per sentence, its clauses as (start, end, word indices): cut at فيما/بينما/في حين (not a sentence's first word)."""
    out = []
    toks = doc.toks
    pos_tok = 0
    for s, e in doc.sentences:
        while pos_tok < len(toks) and toks[pos_tok].start < s:
            pos_tok += 1
        idx = []
        while pos_tok < len(toks) and toks[pos_tok].end <= e:
            idx.append(pos_tok)
            pos_tok += 1
        if not idx:
            continue
        units = []
        cuts = [0]
        for pos in range(1, len(idx)):
            t = toks[idx[pos]]
            if t.entity is not None:
                continue
            two = t.norm in ("في", "وفي") and pos + 1 < len(idx) and toks[idx[pos + 1]].norm == "حين"
            if t.norm in _CLAUSE_MARKERS or two:
                cuts.append(pos)
        cuts.append(len(idx))
        for a, b in zip(cuts, cuts[1:]):
            part = idx[a:b]
            if part:
                units.append((toks[part[0]].start, toks[part[-1]].end, part))
        out.append(units)
    return out


def _find_triggers(doc: _Doc, idx: list[int]) -> list[_Trigger]:
    found = []
    for pos, i in enumerate(idx):
        t = doc.toks[i]
        if t.punct or t.entity is not None:
            continue
        m = _match(t.norm, _TRIGGERS, suffixes=True)
        if not m and _match(t.norm, {"فجر"}) and "\u0651" in t.text:
            m = ("فجر", "R/ied", False)  # "فجّر" (blew up); without the shadda "فجر" is dawn
        if not m:
            continue
        form, value, definite = m
        category, kind = value.split("/")
        prev = doc.prev_words(i, 1)
        if prev and _match(doc.toks[prev[0]].norm, _NEGATION):
            continue  # "دون قتال يذكر", "دون مواجهات"
        nxt = doc.toks[idx[pos + 1]].norm if pos + 1 < len(idx) else ""
        if form == "هجوم" and nxt in ("بري", "بريا"):
            category, kind = "B", "clash"
        if form == "تبادل" and "اطلاق" not in nxt and nxt not in ("القصف", "النيران"):
            continue
        pointing = bool(prev and _match(doc.toks[prev[0]].norm, _DEMONSTRATIVES))
        found.append(_Trigger(category, kind, i, definite or pointing, pointing))
    for pos, i in enumerate(idx[:-1]):
        if doc.toks[i].norm in ("وقف", "ووقف") and doc.toks[idx[pos + 1]].norm in ("اطلاق", "لاطلاق"):
            found.append(_Trigger("S", "agreement", i, False))  # "وقف إطلاق النار"
    return sorted(found, key=lambda t: t.tok)


def _analyse(doc: _Doc, start: int, end: int, idx: list[int]) -> _Unit:
    ents = sorted({doc.toks[i].entity for i in idx if doc.toks[i].entity is not None})
    triggers = _find_triggers(doc, idx)
    content = [i for i in idx if not doc.toks[i].punct]
    lead = content[:3]
    continues = False
    for i in lead:
        norm = doc.toks[i].norm
        if norm in ("ما", "مما", "وما", "ومما"):
            continue
        continues = bool(_match(norm, _CONTINUATION))
        break
    if not continues:
        # "قالت مصادر إن القصف أسفر عن ..." - a consequence verb with only backward-pointing triggers
        has_cont = any(_match(doc.toks[i].norm, _CONTINUATION) for i in content)
        continues = has_cont and all(tr.anaphoric for tr in triggers)
    running = any(_match(doc.toks[i].norm, _RUNNING_VERBS) for i in content) and any(
        _match(doc.toks[i].norm, _RUNNING_NOUNS) for i in content
    )
    new_scene = False
    if content and doc.toks[content[0]].norm in ("في", "وفي", "ففي"):
        for i in content[1:4]:
            if doc.toks[i].entity is not None and doc.label(doc.toks[i].entity) == "LOCATION":
                new_scene = True
                break
    lead_words = tuple(doc.toks[i].norm for i in content[:4])
    if any(lead_words[: len(p)] == p for p in _NEW_SCENE):
        new_scene = True
    date = None
    for k in ents:
        if doc.label(k) == "DATE" and not _period_start(doc, k):
            date = resolve_date(doc.entities[k].text, doc.ref)
            if date is not None:
                break
    pointing = any(t.pointing for t in triggers)
    return _Unit(start, end, idx, ents, triggers, continues, pointing, running, new_scene, date)


def _period_start(doc: _Doc, k: int) -> bool:
    """A DATE after "منذ" opens a period ("منذ مطلع العام"، "منذ 10 أيلول"); it is not the incident's day."""
    prev = doc.prev_words(doc.first_tok[k], 1)
    return bool(prev) and _match(doc.toks[prev[0]].norm, _PERIOD_START) is not None


def _eventful(doc: _Doc, unit: _Unit) -> bool:
    return bool(unit.triggers) or any(doc.label(k) == "CASUALTY" for k in unit.entities)


# ----------------------------------------------------------------------------------------------------------------
# Merging


@dataclass
class _Draft:
    units: list[_Unit]

    @property
    def triggers(self) -> list[_Trigger]:
        return [t for u in self.units for t in u.triggers]

    @property
    def entities(self) -> list[int]:
        return sorted({k for u in self.units for k in u.entities})

    @property
    def date(self) -> Optional[dt.date]:
        return next((u.date for u in self.units if u.date is not None), None)


def _continues(draft: _Draft, unit: _Unit, doc: _Doc) -> bool:
    """Whether ``unit`` reports more of the incident in ``draft`` rather than a new one."""
    if unit.new_scene:
        return False
    # A clause that opens with a consequence ("وأسفر القصف عن ...") continues, whatever else it names.
    if unit.continues:
        return True
    # "هذا التقدم" leading the clause points back, even when the clause goes on to other things or another date
    # ("ويأتي هذا التقدم ضمن معركة ... التي انطلقت الأحد الماضي لاستعادة ...").
    if unit.triggers and unit.triggers[0].pointing:
        return True
    # A trigger without article, demonstrative or pronoun introduces an incident of its own.
    if any(not t.anaphoric for t in unit.triggers):
        return False
    categories = {t.category for t in draft.triggers}
    if any(t.category not in categories for t in unit.triggers):
        return False
    if unit.running or unit.pointing:
        return True
    if unit.date is not None and draft.date is not None and unit.date != draft.date:
        return False
    return True


def _group(doc: _Doc) -> list[_Draft]:
    """Clauses -> incidents: clauses without an event stay with their sentence, then incidents merge by
    :func:`_continues`."""
    drafts: list[_Draft] = []
    for sentence in _clauses(doc):
        units = [_analyse(doc, a, b, idx) for a, b, idx in sentence]
        merged: list[_Unit] = []
        pending: list[_Unit] = []
        for u in units:
            if _eventful(doc, u):
                merged.append(_join(doc, pending + [u]) if pending else u)
                pending = []
            elif merged:
                merged[-1] = _join(doc, [merged[-1], u])
            else:
                pending.append(u)
        if merged and pending:
            merged[-1] = _join(doc, [merged[-1], *pending])
        for u in merged:
            if drafts and _continues(drafts[-1], u, doc):
                drafts[-1].units.append(u)
            else:
                drafts.append(_Draft([u]))
    return drafts


def _join(doc: _Doc, units: list[_Unit]) -> _Unit:
    """Consecutive clauses of one sentence read as one."""
    return _analyse(doc, units[0].start, units[-1].end, [i for u in units for i in u.toks])


# ----------------------------------------------------------------------------------------------------------------
# Casualties


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
        return False, False
    if not any(_match(doc.toks[i].norm, _RUNNING_NOUNS, suffixes=True) for i in clause if doc.toks[i].entity is None):
        return False, False
    period = any(_match(doc.toks[i].norm, _PERIOD_START) for i in clause)
    words = [doc.toks[i].norm for i in clause]
    for pos, w in enumerate(words):
        if w == "خلال" and any(_match(x, _PERIOD_NOUNS) for x in words[pos + 1 : pos + 4]):
            period = True
    return True, period


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


# ----------------------------------------------------------------------------------------------------------------
# Actors, type, date


def _actor_role(doc: _Doc, k: int, victims: set[int]) -> Optional[str]:
    if k in victims:
        return "target"
    first = doc.first_tok[k]
    before = doc.prev_words(first, 4)
    # skip "تابعة ل" between a noun and its owner
    while before and _match(doc.toks[before[0]].norm, _TRANSPARENT):
        before = before[1:]
    words = [doc.toks[i].norm for i in before]
    if words:
        if _match(words[0], _TARGET_CUES):
            return "target"
        if _match(words[0], _OBJECT_NOUNS):
            return "target"
    if any(_match(w, _BETWEEN) for w in words[:3]):
        return None
    lead = 0
    while lead < len(words) - 1 and _match(words[lead], _MEMBER_NOUNS):
        lead += 1  # "أطلقها مسلحو التنظيم"، "نصبه مسلحو داعش"
    if words and _match(words[lead], _AGENT_NOUNS):
        return "attacker"
    for pos, w in enumerate(words[:3]):
        if _match(w, _SUBJECT_VERBS):
            # only agent or member nouns may stand between the verb and its subject
            if all(_match(x, _AGENT_NOUNS) or _match(x, _MEMBER_NOUNS) for x in words[:pos]):
                return "attacker"
            break
    return None


def _actors(doc: _Doc, draft: _Draft, casualties: list[Casualty]) -> list[Mention]:
    factions = [k for k in draft.entities if doc.label(k) == "FACTION"]
    victims: set[int] = set()
    for c in casualties:
        if c.affiliation_text and c.affiliation != CIVILIANS:
            for k in factions:
                e = doc.entities[k]
                if e.text == c.affiliation_text and e.start > c.start:
                    victims.add(k)
                    break
    mentions: list[Mention] = []
    prev_role: Optional[str] = None
    prev_end_tok = -10
    for k in factions:
        e = doc.entities[k]
        role = _actor_role(doc, k, victims)
        # "قوات X وقوات Y": a conjunct shares the role of the actor before it
        if role is None and doc.toks[doc.first_tok[k]].norm.startswith("و") and doc.first_tok[k] - prev_end_tok <= 1:
            role = prev_role
        mentions.append(Mention(canonical_actor(e.text, doc.country), e.text, e.start, e.end, role))
        prev_role, prev_end_tok = role, doc.last_tok[k]
    unique: dict[str, Mention] = {}
    for m in mentions:
        if m.value not in unique:
            unique[m.value] = m
        elif unique[m.value].role is None and m.role is not None:
            unique[m.value] = Mention(m.value, unique[m.value].text, unique[m.value].start, unique[m.value].end, m.role)
    rank = {"attacker": 0, None: 1, "target": 2}
    return sorted(unique.values(), key=lambda m: (rank[m.role], m.start))


def _event_type(doc: _Doc, draft: _Draft, casualties: list[Casualty], actors: list[Mention]) -> EventType:
    triggers = sorted(draft.triggers, key=lambda t: t.tok)
    by_cat: dict[str, list[_Trigger]] = {}
    for t in triggers:
        by_cat.setdefault(t.category, []).append(t)
    killed = [c for c in casualties if c.status == "killed"]
    hurt = [c for c in casualties if c.status in ("killed", "wounded")]
    victims = {c.affiliation for c in hurt if c.affiliation}
    civilians_only = bool(victims) and victims == {CIVILIANS}
    territory = [t for t in by_cat.get("S", []) if t.kind == "territory"]

    def make(value: str, sub: Optional[str], trig: Optional[_Trigger]) -> EventType:
        if trig is None:
            return EventType(value, sub)
        tok = doc.toks[trig.tok]
        return EventType(value, sub, tok.text, tok.start, tok.end)

    def territory_sub() -> str:
        state = ("state", "foreign_state", "coalition")
        gainer = next((a for a in actors if a.role != "target"), None)
        if gainer is not None:
            return "Government regains territory" if actor_kind(gainer.value) in state else "Non-state actor overtakes territory"
        # only the loser is named ("تحرير تكريت من قبضة التنظيم"): the other side took the ground
        loser = actors[0] if actors else None
        if loser is not None and actor_kind(loser.value) not in state:
            return "Government regains territory"
        return "Non-state actor overtakes territory"

    if "B" in by_cat:
        if territory:
            return make("battle", territory_sub(), by_cat["B"][0])
        return make("battle", _SUB_EVENTS["clash"], by_cat["B"][0])
    if "R" in by_cat:
        disrupted = [t for t in by_cat.get("S", []) if t.kind == "disrupted"]
        if disrupted and not hurt:
            return make("strategic_development", _SUB_EVENTS["disrupted"], disrupted[0])
        # A drone that explodes is a drone strike; "ضربة" alone is an air strike unless artillery is named.
        order = ("suicide", "air", "ied", "shelling", "strike")
        best = min(by_cat["R"], key=lambda t: order.index(t.kind))
        kind = "air" if best.kind == "strike" else best.kind
        return make("explosion_remote_violence", _SUB_EVENTS[kind], best)
    if "V" in by_cat:
        v = by_cat["V"][0]
        assassination = doc.toks[v.tok].norm.endswith(("اغتيال", "اغتال", "اغتالت", "اغتالوا"))
        if assassination and victims and CIVILIANS not in victims:
            return make("battle", _SUB_EVENTS["clash"], v)
        # people killed make it an attack even when some were also taken ("اختطاف اثنين ... مقتل 11")
        abduction = any(t.kind == "abduction" for t in by_cat["V"]) and not killed
        kind = "abduction" if abduction else "attack"
        first_of_kind = next((t for t in by_cat["V"] if t.kind == kind), v)
        return make("violence_against_civilians", _SUB_EVENTS[kind], first_of_kind)
    if "W" in by_cat:
        w = by_cat["W"][0]
        if civilians_only:
            return make("violence_against_civilians", _SUB_EVENTS["attack"], w)
        if territory:
            return make("battle", territory_sub(), w)
        return make("battle", _SUB_EVENTS["clash"], w)
    if "S" in by_cat:
        if territory and killed:
            return make("battle", territory_sub(), territory[0])
        s = by_cat["S"][0]
        return make("strategic_development", _SUB_EVENTS[s.kind], s)
    return EventType("other")


def _event_date(doc: _Doc, draft: _Draft, previous: Optional[dt.date]) -> EventDate:
    dates = [k for k in draft.entities if doc.label(k) == "DATE" and not _period_start(doc, k)]
    for k in dates:
        e = doc.entities[k]
        value = resolve_date(e.text, doc.ref, previous)
        if value is not None:
            return EventDate(value.isoformat(), e.text, e.start, e.end, "span")
    if dates:
        e = doc.entities[dates[0]]
        return EventDate(None, e.text, e.start, e.end, "span")
    start = draft.units[0].start
    n_before = bisect.bisect_right(doc.date_ends, (start, len(doc.entities)))
    for _, k in reversed(doc.date_ends[:n_before]):
        if _period_start(doc, k):
            continue
        e = doc.entities[k]
        value = resolve_date(e.text, doc.ref, previous)
        if value is not None:
            return EventDate(value.isoformat(), e.text, e.start, e.end, "previous")
    if doc.ref is not None:
        return EventDate(doc.ref.isoformat(), None, None, None, "report")
    return EventDate()


# ================================================================================================================
# Public API


def _as_date(value: Union[dt.date, str, None]) -> Optional[dt.date]:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip()[:10])
        except ValueError:
            return None
    return None


def build_events(
    text: str,
    entities: Sequence[Entity],
    report_date: Union[dt.date, str, None] = None,
    source_id: Optional[str] = None,
    country: Optional[str] = None,
) -> list[EventRecord]:
    """Event records, one per reported incident, from a report and its entities (gold or predicted).

    ``report_date`` anchors relative dates (a ``date`` or ISO string); ``country`` (English, as in the alias
    table) resolves generic actor names like ``الجيش``; when None it is guessed from the places named.
    Entities outside the text or overlapping an earlier one are ignored; offsets always index ``text``.
    """
    ref = _as_date(report_date)
    doc = _Doc(text, entities, ref, country)
    records: list[EventRecord] = []
    previous: Optional[dt.date] = None
    for draft in _group(doc):
        casualties = _casualties(doc, draft)
        actors = _actors(doc, draft, casualties)
        locations: list[Mention] = []
        seen: set[str] = set()
        operation: Optional[Mention] = None
        for k in draft.entities:
            e = doc.entities[k]
            if e.label == "LOCATION":
                value = canonical_location(e.text)
                if value not in seen:
                    seen.add(value)
                    locations.append(Mention(value, e.text, e.start, e.end))
            elif e.label == "OPERATION" and operation is None:
                operation = Mention(strip_clitics(e.text), e.text, e.start, e.end)
        date = _event_date(doc, draft, previous)
        if date.value and date.source == "span":
            previous = dt.date.fromisoformat(date.value)
        start, end = draft.units[0].start, draft.units[-1].end
        records.append(
            EventRecord(
                source_id=source_id,
                report_date=ref.isoformat() if ref else None,
                start=start,
                end=end,
                text=text[start:end],
                event_type=_event_type(doc, draft, casualties, actors),
                date=date,
                locations=locations,
                actors=actors,
                operation=operation,
                casualties=casualties,
                fatalities=sum(c.count_min or 0 for c in casualties if c.counted),
                country=doc.country,
            )
        )
    return records


def join_sentences(parts: Iterable[tuple[str, Sequence[Entity]]], sep: str = "\n") -> tuple[str, list[Entity]]:
    """One report from sentence records (each ``(text, entities)``): texts joined by ``sep``, offsets shifted.

    >>> join_sentences([("قصف.", []), ("في الرقة.", [Entity(3, 8, "LOCATION", "الرقة")])])
    ('قصف.\\nفي الرقة.', [Entity(start=8, end=13, label='LOCATION', text='الرقة', score=None)])
    """
    texts: list[str] = []
    out: list[Entity] = []
    offset = 0
    for n, (t, ents) in enumerate(parts):
        if n:
            texts.append(sep)
            offset += len(sep)
        texts.append(t)
        out.extend(Entity(e.start + offset, e.end + offset, e.label, e.text, e.score) for e in ents)
        offset += len(t)
    return "".join(texts), out
