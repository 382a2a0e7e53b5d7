"""The service's page: a right-to-left form (paste a report or upload a .txt, optional date) above the result,
which is ``model.export.render_html``'s view of the report (highlighted text, events table) — the same HTML as
``war-ner extract --format html``. One self-contained page, no script, no external asset."""
from __future__ import annotations

import html
from typing import Optional

from model.export import render_html

_CSS = """
form.submit { display: grid; gap: .6rem; margin: 1rem 0 2rem; }
form.submit textarea { width: 100%; min-height: 12rem; font: inherit; font-size: 1.05rem; padding: .6rem;
                       box-sizing: border-box; border: 1px solid #bbb; border-radius: .4rem; }
form.submit .row { display: flex; flex-wrap: wrap; gap: 1rem; align-items: center; }
form.submit button { font: inherit; padding: .3rem 1.4rem; border-radius: .4rem; border: 1px solid #777;
                     background: #2f5d8a; color: #fff; cursor: pointer; }
.error { background: #fde2e1; border: 1px solid #e0a3a0; padding: .6rem 1rem; border-radius: .4rem; }
.model { color: #555; font-size: .9rem; }
"""


def _form(text: str, date: str, limits: dict) -> str:
    return (
        '<form class="submit" method="post" action="/" enctype="multipart/form-data">'
        '<label for="text">نص التقرير</label>'
        f'<textarea id="text" name="text" dir="rtl" lang="ar">{html.escape(text, quote=False)}</textarea>'
        '<div class="row">'
        '<label for="file">أو ملف نصي (.txt)</label>'
        '<input id="file" name="file" type="file" accept=".txt,text/plain">'
        '<label for="date">تاريخ التقرير</label>'
        f'<input id="date" name="date" type="date" value="{html.escape(date, quote=True)}">'
        '<button id="submit" type="submit">استخراج</button>'
        "</div>"
        f'<p class="model">حد الطلب {limits["max_bytes"]:,} بايت، {limits["timeout_s"]:g} ثانية</p>'
        "</form>"
    )


def page(info: dict, limits: dict, *, text: str = "", date: str = "", result: Optional[tuple] = None,
         error: Optional[str] = None) -> str:
    """The page: the form (kept filled after a submit), an error line if any, then the report's view."""
    intro = (f'<p class="model" dir="ltr">{html.escape(info.get("model", ""), quote=False)} · '
             f'{html.escape(", ".join(info.get("labels", [])), quote=False)}</p>' + _form(text, date, limits))
    if error:
        intro += f'<p class="error" role="alert" dir="ltr">{html.escape(error, quote=False)}</p>'
    items = [(text, result[0], result[1])] if result is not None else []
    return render_html(items, "war-ner: استخراج الأحداث", intro=intro, css=_CSS)
