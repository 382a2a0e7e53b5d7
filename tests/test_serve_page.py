"""The service's page in a real headless Chromium (Selenium): paste a report, submit, see the marks and the table.

Skipped, with the reason, where Selenium or Chromium/chromedriver are missing (``make setup`` installs them where
apt-get can). ``WAR_NER_SCREENSHOT=path.png`` saves what the browser shows (the README's picture is made with
``scripts/serve_page.py`` on the real model).
"""
from __future__ import annotations

import os

import pytest

pytest.importorskip("fastapi", reason="the serve extra is not installed (pip install 'war-ner[serve]')")
pytest.importorskip("uvicorn", reason="the serve extra is not installed (pip install 'war-ner[serve]')")
pytest.importorskip("selenium", reason="the browser extra is not installed (pip install 'war-ner[browser]')")

from scripts.serve_page import chrome, find_browser, start_server, submit_report  # noqa: E402
from tests.test_serve import REPORT  # noqa: E402

_, _, WHY = find_browser()


@pytest.mark.skipif(bool(WHY), reason=WHY or "browser found")
def test_page_in_headless_chromium(tiny_checkpoint):
    from model.serve.app import load_app

    url, server, thread = start_server(load_app(tiny_checkpoint))
    driver = chrome()
    try:
        seen = submit_report(driver, url, REPORT, "2019-03-12")
        if os.environ.get("WAR_NER_SCREENSHOT"):
            driver.save_screenshot(os.environ["WAR_NER_SCREENSHOT"])
    finally:
        driver.quit()
        server.should_exit = True
        thread.join(10)
    assert seen["dir"] == "rtl"
    assert seen["marks"], "no entity marked"
    for text, label in seen["marks"]:
        assert text in REPORT and label.split()[0] in {"FACTION", "LOCATION", "OPERATION", "CASUALTY", "DATE",
                                                        "PERSON"}
    assert seen["rows"] >= 1, "no row in the events table"
    assert seen["report_text"].split() == REPORT.split()  # the text shown is the text pasted
    assert seen["box"].split() == REPORT.split()  # and the form keeps it for the next edit
