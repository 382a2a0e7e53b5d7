"""Event records from (text, entities): casualty status, qualifier and affiliation rules."""
from __future__ import annotations

import pytest

from tests._events_helpers import casualties, report

# ---------------------------------------------------------------------------------------------------------------
# Status, qualifier and affiliation rules


@pytest.mark.parametrize(
    "line,expected",
    [
        ("مقتل [[CASUALTY|5]] مدنيين وإصابة [[CASUALTY|10]] آخرين.", ["killed", "wounded"]),
        ("قُتل [[CASUALTY|٢٢]] مدنياً وجُرح [[CASUALTY|نحو ٤٠]] آخرين.", ["killed", "wounded"]),
        ("سقط [[CASUALTY|5]] قتلى و[[CASUALTY|12]] جريحاً.", ["killed", "wounded"]),
        ("قالت مصادر إن [[CASUALTY|17]] مقاتلاً قتلوا وأصيب [[CASUALTY|أكثر من 60]] آخرين.", ["killed", "wounded"]),
        ("لقي [[CASUALTY|ثلاثة]] جنود حتفهم.", ["killed"]),
        ("استشهاد [[CASUALTY|تسعة]] أشخاص.", ["killed"]),
        ("انتشلت الفرق جثث [[CASUALTY|نحو عشرين]] شخصاً.", ["killed"]),
        ("وأسروا [[CASUALTY|١٨]] مسلحاً.", ["captured"]),
        ("اعتقلت [[FACTION|القوات الأمنية]] [[CASUALTY|14]] مشتبهاً بهم.", ["captured"]),
        ("وقع [[CASUALTY|العشرات]] من الجنود في الأسر.", ["captured"]),
        ("قالوا إنهم سلّموا أنفسهم، وهم [[CASUALTY|٤٤]] عنصراً سلموا أنفسهم.", ["captured"]),
        ("أعلنوا فقدان [[CASUALTY|أكثر من 1500]] شخص.", ["missing"]),
        ("ولا يزال [[CASUALTY|المئات]] في عداد المفقودين.", ["missing"]),
        ("وما يزال مصير [[CASUALTY|١٩]] جندياً مجهولاً.", ["missing"]),
        ("سقط [[CASUALTY|عشرات]] بين قتيل وجريح.", ["unknown"]),
        ("أسفر عن مقتل وإصابة [[CASUALTY|20]] شخصاً.", ["unknown"]),
        ("وصل [[CASUALTY|20]] شخصاً إلى المدينة.", ["unknown"]),
        ("ارتفع عدد القتلى إلى [[CASUALTY|45]].", ["killed"]),
        ("ارتفع عدد الجرحى إلى [[CASUALTY|45]].", ["wounded"]),
        ("مقتل [[CASUALTY|20]] مدنياً، بينهم [[CASUALTY|5]] أطفال.", ["killed", "killed"]),
        ("مقتل [[CASUALTY|113]] عنصراً من [[FACTION|قوات النظام]] منذ بدء المعركة، مقابل [[CASUALTY|حوالي 250]] من عناصر [[FACTION|التنظيم]].",
         ["killed", "killed"]),
        ("قالت مصادر إن [[CASUALTY|سبعة]] مدنيين، بينهم [[CASUALTY|ثلاثة]] أطفال، قتلوا بانفجار.", ["killed", "killed"]),
        ("بين الضحايا [[CASUALTY|عشرات]] الأطفال.", ["unknown"]),
        ("ارتفع عدد ضحايا القصف إلى [[CASUALTY|١١]].", ["killed"]),
    ],
)
def test_status(line: str, expected: list[str]) -> None:
    assert [c[4] for c in casualties(report(line))] == expected


@pytest.mark.parametrize(
    "line,expected",
    [
        ("مقتل [[CASUALTY|15]] شخصاً على الأقل.", (15, None, "at_least")),
        ("مقتل [[CASUALTY|خمسة]] مقاتلين على الأقل من الطرفين.", (5, None, "at_least")),
        ("وقالت المصادر إن [[CASUALTY|49]] منهم على الأقل قُتلوا.", (49, None, "at_least")),
        ("مقتل [[CASUALTY|أكثر من 40]] عنصراً.", (40, None, "at_least")),
        ("وقالت مصادر إن عدد الجرحى تجاوز [[CASUALTY|١٥٠]].", (150, None, "at_least")),
        ("بينما تجاوز عدد الجرحى [[CASUALTY|146]].", (146, None, "at_least")),
        ("مقتل [[CASUALTY|نحو 30]] عنصراً.", (30, 30, "approximately")),
        ("مقتل [[CASUALTY|15]] شخصاً، على الأقل بحسب المصادر.", (15, 15, "exact")),
    ],
)
def test_qualifier_after_the_counted_noun(line: str, expected: tuple) -> None:
    c = report(line)[0].casualties[0]
    assert (c.count_min, c.count_max, c.qualifier) == expected


@pytest.mark.parametrize(
    "line,expected",
    [
        ("مقتل [[CASUALTY|7]] عناصر من [[FACTION|قوات النظام]].", "Military Forces of Syria"),
        ("مقتل [[CASUALTY|7]] من عناصر [[FACTION|قوات النظام]].", "Military Forces of Syria"),
        ("مقتل [[CASUALTY|12]] عنصراً من [[FACTION|تنظيم “الدولة الإسلامية”]].", "Islamic State"),
        ("أسر [[CASUALTY|نحو 120]] من مقاتلي [[FACTION|التنظيم]].", "Islamic State"),
        ("مقتل [[CASUALTY|العشرات]] في صفوف [[FACTION|قسد]].", "Syrian Democratic Forces"),
        ("استقبال [[CASUALTY|خمسة عشر]] جريحاً من مقاتلي [[FACTION|البيشمركة]].", "Peshmerga"),
        ("مقتل [[CASUALTY|9]] مدنيين.", "civilians"),
        ("مقتل [[CASUALTY|عشرات]] الأطفال.", "civilians"),
        ("إصابة [[CASUALTY|٣]] نساء.", "civilians"),
        ("وقتلوا [[CASUALTY|١٢]] عاملاً، بينهم عمال أجانب.", "civilians"),
        ("ارتفع عدد القتلى المدنيين إلى [[CASUALTY|45]].", "civilians"),
        ("بلغت حصيلة قتلى [[FACTION|التنظيم]] في المعارك [[CASUALTY|أكثر من 1800]].", "Islamic State"),
        ("وقالت مصادر إن [[FACTION|الشرطة الاتحادية]] وحدها خسرت [[CASUALTY|400]] عنصر.", "Military Forces of Iraq"),
        # the faction after a weapon or an agent is the attacker, not the victims' side
        ("مقتل [[CASUALTY|3]] أشخاص بقصف [[FACTION|قوات النظام]].", None),
        ("اعتقلت [[FACTION|القوات الأمنية]] [[CASUALTY|14]] مشتبهاً بهم.", None),
        ("مقتل [[CASUALTY|45]] مسلحاً.", None),
    ],
)
def test_affiliation(line: str, expected) -> None:
    assert report(line)[0].casualties[0].affiliation == expected
