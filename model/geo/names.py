"""Reading a LOCATION surface as a place name: glued clitics off, then the head words that say what kind of place
it is (``مدينة``، ``ريف``، ``محافظة``، ``مطار`` ...) split from the name they qualify.

Keys are compared with :func:`model.geo.gazetteer.name_key` (``normalise_arabic``), so the head lists below are
written in normalised spelling (``ه`` for ``ة``, ``ي`` for ``ى``, bare alef).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from model.aliases import name_words
from model.arabic import strip_clitics
from model.geo.gazetteer import name_key

# What a head word says about the name after it, and so how precisely that name places the LOCATION.
SETTLEMENT = "settlement"  # مدينة X: X is the place itself
QUARTER = "quarter"        # حي X: a part of a town; X itself is rarely in the gazetteer
DISTRICT = "district"      # قضاء X: a district named after its seat X (near X: precision 2)
PROVINCE = "province"      # محافظة X: the province (its capital, precision 3)
RURAL = "rural"            # ريف X: the countryside around X (precision 2)
DIRECTION = "direction"    # شمال X: near X (precision 2)
SITE = "site"              # مطار X: an installation at or near X (precision 2)
BUILDING = "building"      # مستشفى X: a building in the town it is named after (precision 1)
STREET = "street"          # شارع X: often named after another town (شارع بغداد): the town the text gives decides
WATER = "water"            # نهر X: a river or sea: no point of its own
RELIEF = "relief"          # جبل X: a mountain or valley, near X when X is a town

HEADS: dict[str, str] = {
    **dict.fromkeys("مدينه بلده قريه بلدات قري مدن مخيم العاصمه عاصمه ضاحيه مدينتي بلدتي قريتي مركز".split(),
                    SETTLEMENT),
    **dict.fromkeys("حي احياء الحي".split(), QUARTER),
    **dict.fromkeys("قضاء ناحيه مديريه منطقه".split(), DISTRICT),
    **dict.fromkeys("محافظه ولايه اقليم محافظتي الولايه المحافظه".split(), PROVINCE),
    **dict.fromkeys("ريف ارياف اطراف ضواحي محيط قرب بريه باديه".split(), RURAL),
    **dict.fromkeys("شمال جنوب شرق غرب شمالي جنوبي شرقي غربي وسط".split(), DIRECTION),
    **dict.fromkeys("مطار سجن معسكر قاعده حقل ميناء مصفاه محطه سد مجمع".split(), SITE),
    **dict.fromkeys("مستشفي مشفي جامعه كليه مدرسه ملعب قلعه قصر".split(), BUILDING),
    **dict.fromkeys("شارع دوار سوق جامع مسجد ساحه فندق طريق جسر معبر حاجز تقاطع مفرق شاطي".split(), STREET),
    **dict.fromkeys("نهر بحر بحيره خليج شط".split(), WATER),
    **dict.fromkeys("جبل جبال وادي سهل هضبه تله جزيره شبه".split(), RELIEF),
}
# Words after a name that qualify it without being part of it: "ريف حلب الشمالي"، "مطار دير الزور العسكري".
TRAILING = frozenset(
    """الشمالي الجنوبي الشرقي الغربي الشماليه الجنوبيه الشرقيه الغربيه الاوسط الوسطي الدولي العسكري الجوي
    الجويه القديمه القديم الكبير الكبري المركزي الوطني النفطي""".split()
)


@lru_cache(maxsize=1)
def _vocabulary() -> frozenset[str]:
    """Words a glued preposition may stand before: our head words and the alias table's (``model.aliases``)."""
    return frozenset(HEADS) | name_words()


def _bare(surface: str) -> str:
    return name_key(strip_clitics(surface, _vocabulary()))


@dataclass
class ParsedName:
    """A surface read as ``heads`` (normalised head words with their kind, outermost first) + ``core`` (the name
    they qualify, normalised) + ``trailing`` qualifiers; ``full`` is the whole name, clitics stripped."""

    full: str
    core: str
    heads: list[tuple[str, str]] = field(default_factory=list)
    trailing: list[str] = field(default_factory=list)

    @property
    def kinds(self) -> list[str]:
        return [kind for _, kind in self.heads]

    @property
    def kind(self) -> str | None:
        """The head that decides the precision: the outermost one (``ريف مدينة X`` is rural)."""
        return self.heads[0][1] if self.heads else None


def parse_name(surface: str) -> ParsedName:
    """Split a LOCATION surface into head words and the name they qualify.

    >>> p = parse_name("بريف حلب الشمالي")
    >>> p.kind, p.core, p.trailing
    ('rural', 'حلب', ['الشمالي'])
    >>> parse_name("ومدينة الرقة").core, parse_name("مركز قضاء القائم").kinds
    ('الرقه', ['settlement', 'district'])
    """
    full = _bare(surface)
    words = full.split()
    heads: list[tuple[str, str]] = []
    if words and words[0] not in HEADS and words[0].startswith("ال") and words[0][2:] in HEADS:
        # "المدينة القديمة"، "المستشفى المركزي"، "الحي رقم 3": a generic noun, placed by the town around it.
        return ParsedName(full, " ".join(words[1:]), [(words[0], STREET)], [])
    while len(words) > 1 and words[0] in HEADS:
        heads.append((words[0], HEADS[words[0]]))
        words = _bare(" ".join(words[1:])).split()
    trailing: list[str] = []
    while len(words) > 1 and words[-1] in TRAILING:
        trailing.insert(0, words.pop())
    # "شمال غرب X": a second direction word belongs to the first.
    while heads and heads[-1][1] == DIRECTION and len(words) > 1 and HEADS.get(words[0]) == DIRECTION:
        heads.append((words[0], DIRECTION))
        words = words[1:]
    return ParsedName(full, " ".join(words), heads, trailing)


def drop_glued_letter(key: str) -> list[str]:
    """Keys with a glued preposition/conjunction removed that ``strip_clitics`` kept because the name after it is
    unknown to the alias table (``بسراقب``): tried only when the whole key finds nothing.

    >>> drop_glued_letter("وبسراقب")
    ['بسراقب', 'سراقب']
    """
    out: list[str] = []
    word = key
    for _ in range(2):
        if len(word) > 3 and word[0] in "وفبلك":
            word = word[1:]
            out.append(word)
        else:
            break
    return out
