"""Drive the service's page in a real headless Chromium (Selenium): paste a report, submit, read the marks and the
events table, and optionally save a screenshot. The browser test (tests/test_serve_page.py) uses the helpers;
run as a script it writes the README's screenshot:

    python scripts/serve_page.py --model outputs/e5-offline/onnx-int8 --screenshot docs/serve_page.png

Needs the ``serve`` and ``browser`` extras and a Chromium with its chromedriver (Debian/Ubuntu:
``apt-get install chromium chromium-driver``); Selenium's own driver download is not used (offline machines).
"""
from __future__ import annotations

import argparse
import shutil
import socket
import sys
import threading
import time
from pathlib import Path
from typing import Optional

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "data" / "examples" / "deir_ez_zor_2017-09-14.txt"
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def find_browser() -> tuple[Optional[str], Optional[str], str]:
    """(chromium binary, chromedriver binary, why not) from PATH."""
    browser = next((b for b in map(shutil.which, BROWSERS) if b), None)
    driver = shutil.which("chromedriver")
    if not browser or not driver:
        missing = [name for name, path in (("chromium", browser), ("chromedriver", driver)) if not path]
        return browser, driver, (f"{' and '.join(missing)} not on PATH (apt-get install chromium chromium-driver, "
                                 "or make browser)")
    return browser, driver, ""


def chrome(width: int = 1280, height: int = 1400):
    """A headless Chromium driven by the chromedriver on PATH."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    browser, driver, why = find_browser()
    if why:
        raise RuntimeError(why)
    opts = webdriver.ChromeOptions()
    opts.binary_location = browser
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                f"--window-size={width},{height}", "--lang=ar", "--force-device-scale-factor=1"):
        opts.add_argument(arg)
    return webdriver.Chrome(service=Service(executable_path=driver), options=opts)


def start_server(app, host: str = "127.0.0.1") -> tuple[str, object, threading.Thread]:
    """Run ``app`` on uvicorn in a thread on a free port; return (base url, server, thread)."""
    import uvicorn

    with socket.socket() as s:
        s.bind((host, 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    return f"http://{host}:{port}/", server, thread


def submit_report(driver, url: str, text: str, date: str = "", timeout: float = 60) -> dict:
    """Open the page, paste ``text`` (typed into the box), set the date, submit; return what the result shows."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(url)
    box = driver.find_element(By.ID, "text")
    box.clear()
    box.send_keys(text)
    if date:
        # a date input takes typed digits in the browser's locale order; set the ISO value directly instead
        driver.execute_script("arguments[0].value = arguments[1]", driver.find_element(By.ID, "date"), date)
    driver.find_element(By.ID, "submit").click()
    WebDriverWait(driver, timeout).until(ec.presence_of_element_located((By.CSS_SELECTOR, "section.report")))
    return {
        "dir": driver.find_element(By.TAG_NAME, "html").get_attribute("dir"),
        "marks": [(m.text, m.get_attribute("data-label")) for m in driver.find_elements(By.CSS_SELECTOR, "mark.ent")],
        "rows": len(driver.find_elements(By.CSS_SELECTOR, "table.events tr")) - 1,
        "report_text": driver.find_element(By.CSS_SELECTOR, "section.report .report-text").text,
        "box": driver.find_element(By.ID, "text").get_attribute("value"),
    }


def main(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", required=True)
    ap.add_argument("--report", default=str(EXAMPLE), help="a .txt report to paste")
    ap.add_argument("--date", default="2017-09-14")
    ap.add_argument("--chars", type=int, default=700, help="paste the first N characters (a short page)")
    ap.add_argument("--screenshot", default=str(REPO / "docs" / "serve_page.png"))
    args = ap.parse_args(argv)
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    from model.serve.app import load_app

    text = Path(args.report).read_text(encoding="utf-8")
    if len(text) > args.chars:  # cut at a sentence end so the page shows whole sentences
        cut = max(text.rfind(".", 0, args.chars), text.rfind("\n", 0, args.chars))
        text = text[: cut + 1 if cut > 0 else args.chars]
    url, server, thread = start_server(load_app(args.model))
    driver = chrome()
    try:
        seen = submit_report(driver, url, text, args.date)
        for _ in range(2):  # the window's chrome takes part of its height: size it, measure again
            height = driver.execute_script("return document.documentElement.scrollHeight")
            driver.set_window_size(1280, min(max(height + 140, 800), 4000))
        Path(args.screenshot).parent.mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(args.screenshot)
    finally:
        driver.quit()
        server.should_exit = True
        thread.join(10)
    print(f"{args.screenshot}: {len(seen['marks'])} marks, {seen['rows']} event row(s), dir={seen['dir']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
