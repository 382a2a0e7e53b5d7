"""Actor and place names: Arabic surface forms -> canonical names, from a table shipped as data.

The table (``model/data/aliases.json``) lists ACLED-style canonical actor names with the Arabic forms reports use
for them, and a smaller list of places. Lookups go through :func:`normalise_arabic`, so spelling variants that
differ only in hamza seats, taa marbuta, alef maqsura, tatweel, diacritics or quote marks all meet on one key.

>>> canonical_actor("وقوات النظام")
'Military Forces of Syria'
>>> canonical_actor("لتنظيم “الدولة الإسلامية”")
'Islamic State'
>>> canonical_actor("وكتيبة الفرسان")
'كتيبة الفرسان'
>>> canonical_location("بمدينة الرقة")
'Raqqa'
"""
from __future__ import annotations

import json
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Optional

from model.arabic import MARKS as _MARKS, QUOTES as _QUOTES, normalise_arabic

ALIASES_PATH = Path(__file__).parent / "data" / "aliases.json"

# ----------------------------------------------------------------------------------------------------------------
# Clitics

# Words that begin with و as part of the word, not as the conjunction (normalised forms).
_WAW_WORDS = frozenset(
    "وادي واحه واسط وحدات وحده ولايه وزاره وزير وسط ولاء وعد وطن وطني وطنيه ورشه وكاله وكالات وفد وقف ".split()
)
# Head nouns that commonly carry a glued preposition in front of a name: لقوات، بمدينة، لنهر، بناحية ...
_HEAD_NOUNS = frozenset(
    """
    مدينه بلده قريه حي محافظه منطقه ناحيه قضاء مخيم نهر جبل جبال مطار معسكر سجن جامع مسجد مستشفي سد قاعده طريق
    باب ريف تل جسر ساحه شارع دوار معبر حقل حقول مجمع بحيره جزيره سهل قلعه سوق مدرسه مركز اقليم ولايه مديريه
    قوات القوات جيش تنظيم حركه جماعه هيئه فصائل فصيل لواء الويه كتائب كتيبه ميليشيا ميليشيات مليشيا مليشيات حزب
    عناصر مقاتلي مسلحي طائرات طيران فرقه فيلق جهاز شرطه حرس تحالف مجلس جبهه سرايا درع غرفه عصائب انصار
    """.split()
)
_LONE_CLITICS = frozenset("و ف ب ل ك وب ول فب فل وك".split())


def _strip_plan(first: str, vocabulary: frozenset[str]) -> tuple[int, bool]:
    """How many leading letters of a normalised first word are clitics, and whether an article must be restored.

    A و is the conjunction unless the word is one that starts with و; ف/ب/ل/ك are prepositions only before the
    article or before a known head noun or name word, since many names begin with those letters (بغداد، كركوك).
    """
    if first in vocabulary or first.startswith("ال"):
        return 0, False
    n = 0
    word = first
    if word[:1] in ("و", "ف") and len(word) > 2 and word not in _WAW_WORDS:
        rest = word[1:]
        if word[0] == "و" or rest.startswith("ال") or rest.startswith("لل") or rest in vocabulary:
            n, word = 1, rest
            if word in vocabulary or word.startswith("ال"):
                return n, False
    if word[:1] in ("ب", "ل", "ك") and len(word) > 2:
        if word.startswith("لل") and len(word) > 3:
            return n + 2, True  # لل = ل + ال with the article's alef dropped
        rest = word[1:]
        if rest.startswith("ال") or rest in vocabulary:
            return n + 1, False
    return n, False


def _drop_letters(surface: str, count: int) -> str:
    """Drop ``count`` letters (with the marks and tatweel that ride on them) from the start of ``surface``."""
    i = 0
    while i < len(surface) and count > 0:
        i += 1
        count -= 1
        while i < len(surface) and (_MARKS.match(surface[i]) or surface[i] == "ـ"):
            i += 1
    return surface[i:]


def _clean_edges(surface: str) -> str:
    """Trim whitespace, tatweel and punctuation that does not belong to a name from both ends."""
    s = surface.strip()
    while s and (s[0].isspace() or s[0] == "ـ" or (unicodedata.category(s[0]).startswith("P") and s[0] not in _QUOTES)):
        s = s[1:]
    while s and (s[-1].isspace() or s[-1] == "ـ" or (unicodedata.category(s[-1]).startswith("P") and s[-1] not in _QUOTES)):
        s = s[:-1]
    # A quote left on one side only (the other was cut off with the clitic) is noise.
    if s and s[0] in _QUOTES and not any(c in _QUOTES for c in s[1:]):
        s = s[1:].lstrip()
    if s and s[-1] in _QUOTES and not any(c in _QUOTES for c in s[:-1]):
        s = s[:-1].rstrip()
    return s


def strip_clitics(surface: str) -> str:
    """The surface form without its glued conjunction/preposition (و، ف، ب، ل، ك and their pairs).

    Keeps the original spelling; ``لل`` becomes ``ال``. Letters that belong to the name stay
    (``بغداد``، ``وادي الشاي``، ``وحدات حماية الشعب``).

    >>> strip_clitics("للتحالف الدولي"), strip_clitics("ووحدات حماية الشعب"), strip_clitics("بغداد")
    ('التحالف الدولي', 'وحدات حماية الشعب', 'بغداد')
    """
    s = _clean_edges(surface)
    if not s:
        return s
    parts = s.split(None, 1)
    first_norm = normalise_arabic(parts[0])
    if first_norm in _LONE_CLITICS and len(parts) > 1:
        # A clitic written apart with tatweel, "لـ داعش".
        return _clean_edges(parts[1])
    # Quote marks may sit between the clitic and the name: و“الدولة ...
    lead = len(s) - len(s.lstrip(_QUOTES))
    n, article = _strip_plan(first_norm, _vocabulary())
    if n == 0:
        return s
    body = _drop_letters(s[lead:], n)
    if article:
        body = "ال" + body
    return _clean_edges(s[:lead] + body)


# ----------------------------------------------------------------------------------------------------------------
# The table


@lru_cache(maxsize=1)
def load_table(path: Optional[str] = None) -> dict:
    """The alias table as parsed JSON (cached)."""
    with open(path or ALIASES_PATH, encoding="utf-8") as fh:
        return json.load(fh)


def _key(text: str) -> str:
    return normalise_arabic(text).replace("-", " ").replace("–", " ").strip()


@lru_cache(maxsize=1)
def _actor_index() -> dict[str, dict]:
    index: dict[str, dict] = {}
    for actor in load_table()["actors"]:
        for form in [actor["canonical"], *actor["aliases"]]:
            index.setdefault(_key(form), actor)
    return index


@lru_cache(maxsize=1)
def _contextual_index() -> dict[str, list[dict]]:
    index: dict[str, list[dict]] = {}
    for actor in load_table()["actors"]:
        for form in actor.get("contextual_aliases", []):
            index.setdefault(_key(form), []).append(actor)
    return index


@lru_cache(maxsize=1)
def _location_index() -> dict[str, dict]:
    index: dict[str, dict] = {}
    for place in load_table()["locations"]:
        for form in [place["canonical"], *place["aliases"]]:
            index.setdefault(_key(form), place)
    return index


@lru_cache(maxsize=1)
def _vocabulary() -> frozenset[str]:
    words = set(_HEAD_NOUNS)
    for index in (_actor_index(), _location_index(), _contextual_index()):
        for key in index:
            first = key.split(" ", 1)[0]
            if first and not first.isascii():
                words.add(first)
    return frozenset(words)


# Generic heads that a report may put in front of a known name: "تنظيم داعش"، "ميليشيا الحوثي".
_ACTOR_HEADS = ("تنظيم", "جماعه", "حركه", "ميليشيا", "ميليشيات", "مليشيا", "مليشيات", "عناصر", "مسلحي", "مسلحو",
                "مقاتلي", "مقاتلو", "فصيل", "فصائل", "قوات", "طائرات", "طيران")
_PLACE_HEADS = ("مدينه", "بلده", "قريه", "محافظه", "قضاء", "ناحيه", "منطقه", "مركز", "حي", "مخيم")


def _keys(surface: str, heads: tuple[str, ...]) -> list[str]:
    """Lookup keys for a surface form: the whole name, then the name after a generic head noun."""
    key = _key(strip_clitics(surface))
    if not key:
        return []
    keys = [key]
    first, _, rest = key.partition(" ")
    if first in heads and rest:
        keys.append(_key(strip_clitics(rest)))
    return keys


def lookup_actor(surface: str, country: Optional[str] = None) -> Optional[dict]:
    """The table entry (``canonical``, ``kind``, ``countries``, ``aliases``) for an actor surface form, or None.

    Generic forms such as ``الجيش`` or ``التحالف`` resolve only when ``country`` (e.g. ``"Iraq"``) picks one of the
    actors they can name, or when they can name a single actor.
    """
    index, contextual = _actor_index(), _contextual_index()
    for key in _keys(surface, _ACTOR_HEADS):
        if key in index:
            return index[key]
        options = contextual.get(key, [])
        if country is not None:
            options = [a for a in options if country in a.get("countries", [])]
        if len(options) == 1:
            return options[0]
    return None


def lookup_location(surface: str) -> Optional[dict]:
    """The table entry (``canonical``, ``country``, ``aliases``) for a place surface form, or None."""
    index = _location_index()
    for key in _keys(surface, _PLACE_HEADS):
        if key in index:
            return index[key]
    return None


def canonical_actor(surface: str, country: Optional[str] = None) -> str:
    """The canonical actor name for a FACTION surface form; unknown actors keep their surface, clitics stripped.

    ``country`` (an English country name as in the table) disambiguates generic forms like ``الجيش``.
    """
    entry = lookup_actor(surface, country)
    return entry["canonical"] if entry else strip_clitics(surface)


def canonical_location(surface: str) -> str:
    """The canonical place name where the table has one, else the cleaned surface form (clitics stripped)."""
    entry = lookup_location(surface)
    return entry["canonical"] if entry else strip_clitics(surface)


def actor_kind(canonical: str) -> Optional[str]:
    """``state``, ``foreign_state``, ``coalition`` or ``non_state`` for a canonical name in the table, else None."""
    for actor in load_table()["actors"]:
        if actor["canonical"] == canonical:
            return actor.get("kind")
    return None


def table_size() -> dict[str, int]:
    """Counts of canonical actors, actor surface forms, places and place surface forms in the table."""
    table = load_table()
    return {
        "actors": len(table["actors"]),
        "actor_aliases": sum(len(a["aliases"]) for a in table["actors"]),
        "contextual_aliases": sum(len(a.get("contextual_aliases", [])) for a in table["actors"]),
        "locations": len(table["locations"]),
        "location_aliases": sum(len(p["aliases"]) for p in table["locations"]),
    }
