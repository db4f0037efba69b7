"""The explore page in a real browser: headless Chromium opens ``explore.html`` from ``file://``.

The page is written to a temporary folder and opened with no network (as ``tests/test_browser.py``:
Debian's ``chromium`` and ``chromium-driver`` through selenium; skipped with the reason where they are
missing). The test changes filters and checks that the table, the pooled numbers and the forest plot
change as the embedded data say they should, opens a number's verbatim quote, switches to Dutch and
checks that none of the page's English words remains visible, walks the controls with the keyboard,
measures the contrast of the filter and table colours (WCAG AA: 4.5:1), and saves a screenshot in each
language. The load time and file size are written to the test's log (the time is not asserted).
Set ``KOPPMETA_SCREENSHOT_DIR`` to also copy the screenshots there.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from pathlib import Path

import pytest

from koppmeta.project.explore import SELECTION_FILTERS, selection_key, write_explore
from test_browser import CHROMIUM_FLAGS, _binary
from test_explore import MAX_BYTES, contrast, page_data

# The page's English words: none may be visible once the page is in Dutch.
ENGLISH_UI = [
    "KOPP/KOV evidence base", "explore the trials", "Choose the trials with the filters", "Language",
    "Intervention type", "Outcome", "Parental disorder", "Child age", "Study quality", "risk of bias",
    "Time point", "All", "Longest follow-up per trial", "Shortest follow-up per trial", "months after the intervention",
    "Directly after the intervention", "Evidence map", "trials by intervention type and outcome",
    "Each box is a trial", "Risk of bias", "low", "some concerns", "high", "unclear", "Selected trials", "Trial", "Type",
    "Months", "intervention / control", "Numbers in the source", "Effect [95% CI]", "Weight", "Numbers used",
    "counts from percentages", "approximate", "reported", "Rows that could not be used", "no counts",
    "Pooled result", "Random effects", "REML estimate", "confidence interval", "prediction interval",
    "methods for few trials", "Trials (k)", "Measure", "Risk ratio", "Pooled estimate", "p-value", "Heterogeneity",
    "Forest plot of the selected trials", "The same trials pooled by other methods", "Method", "z test",
    "Fixed effect", "common effect", "Published pooled results of the reviews", "Interventions",
    "not stated", "random effects", "Incidence", "Parent", "Family", "Child", "Depression", "Anxiety",
    "Where this number comes from", "Verbatim quote", "Location in the source", "Source", "Close", "Number",
    "English", "Dutch", "Made by koppmeta", "Fewer than two usable trials", "No trial in the data matches",
    "diamond", "bar under it",
]
AA = 4.5  # WCAG 2 AA, normal text

VISIBLE_TEXT = """
const out = [];
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
let n;
while ((n = walker.nextNode())) {
  const p = n.parentElement;
  // verbatim quotes (lang="en") and names of trials and reviews (translate="no") stay as written
  if (!p || p.closest('[lang="en"]:not(html),[translate="no"]') || p.closest('script,style,title') || !n.textContent.trim()) continue;
  if (p.closest('svg')) { out.push(n.textContent); continue; }
  if (p.closest('select')) { if (p.tagName === 'OPTION' && p.selected) out.push(n.textContent); continue; }  // the chosen option shows
  if (!p.getClientRects().length || getComputedStyle(p).visibility === 'hidden') continue;
  out.push(n.textContent);
}
return out.join('\\n');
"""

COLOURS = """
function bg(e) {
  while (e) { const c = getComputedStyle(e).backgroundColor; if (c && !/rgba\\(.*, 0\\)$/.test(c) && c !== 'transparent') return c; e = e.parentElement; }
  return 'rgb(255, 255, 255)';
}
const res = [];
for (const sel of arguments[0]) {
  for (const e of Array.from(document.querySelectorAll(sel)).slice(0, 40)) {
    if (!e.getClientRects().length) continue;
    res.push([sel, getComputedStyle(e).color, bg(e), e.textContent.slice(0, 40)]);
  }
}
return res;
"""
CONTRAST_SELECTORS = ["#filters label", "#filters select", "#lang", "#map th", "#map .chip", "#trial-table th",
                      "#trial-table td", "#trial-table .num", "#trial-table .rob", "#methods-table td",
                      "#reviews-table td", "#reviews-table .num", ".note", "#pooled-numbers dd", "#pooled-numbers dt"]


def _hex(css: str) -> str:
    r, g, b = (int(v) for v in re.findall(r"\d+", css)[:3])
    return f"#{r:02x}{g:02x}{b:02x}"


@pytest.fixture
def chrome(tmp_path):
    chromium = _binary("KOPPMETA_CHROMIUM", "chromium", "chromium-browser")
    chromedriver = _binary("KOPPMETA_CHROMEDRIVER", "chromedriver")
    if chromium is None or chromedriver is None:
        pytest.skip("Chromium and chromedriver are needed (Debian: apt-get install -y chromium chromium-driver); "
                    f"found chromium={chromium}, chromedriver={chromedriver}")
    pytest.importorskip("selenium", reason="selenium is needed (pip install selenium)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    flags = [f for f in CHROMIUM_FLAGS if not f.startswith("--window-size")]
    for flag in flags + ["--window-size=1400,2600", f"--user-data-dir={tmp_path / 'chromium-profile'}"]:
        options.add_argument(flag)
    service = Service(executable_path=chromedriver, log_output=str(tmp_path / "chromedriver.log"))
    driver = webdriver.Chrome(service=service, options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


def _neighbours(data: dict, sel: dict):
    """Selections one filter away from ``sel``: (filter, value, result or None)."""
    for f in data["filters"]:
        for v in f["values"]:
            if v != sel[f["name"]]:
                other = {**sel, f["name"]: v}
                rid = data["selections"].get(selection_key(other))
                yield f["name"], v, (None if rid is None else data["results"][rid])


def _full_page(d, path) -> None:
    """Screenshot of the whole page: the window is made as tall as the document first."""
    d.set_window_size(1400, min(d.execute_script("return document.documentElement.scrollHeight") + 140, 8000))
    d.save_screenshot(str(path))


def test_explore_page_in_chromium(chrome, tmp_path, record_property):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import Select, WebDriverWait

    path = write_explore(tmp_path / "explore.html", lang="en")
    size = path.stat().st_size
    assert size < MAX_BYTES, f"explore.html is {size} bytes"
    data = page_data(path.read_text(encoding="utf-8"))
    d = chrome
    started = time.monotonic()
    d.get(path.as_uri())
    WebDriverWait(d, 20).until(lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-ready") == "1")
    load_s = time.monotonic() - started
    record_property("explore_html_bytes", size)
    record_property("explore_load_seconds", round(load_s, 3))
    print(f"explore.html: {size / 1e6:.2f} MB, opened in Chromium in {load_s:.2f} s")
    body = d.find_element(By.TAG_NAME, "body")
    errors = [e for e in d.get_log("browser") if e["level"] == "SEVERE"]
    assert not errors, errors

    def shown(sel):
        key = selection_key(sel)
        WebDriverWait(d, 10).until(lambda d: body.get_attribute("data-key") == key)
        res = data["results"][data["selections"][key]] if key in data["selections"] else None
        rows = d.find_elements(By.CSS_SELECTOR, "#trial-table tbody tr")
        trials = d.find_elements(By.CSS_SELECTOR, "#forest-svg g.trial")
        if res is None:
            assert d.find_element(By.ID, "no-selection").is_displayed() and not rows and not trials
            return res
        assert [r.get_attribute("data-effect-id") for r in rows] == res["effects"], key
        assert [g.get_attribute("data-effect-id") for g in trials] == res["effects"], key
        effects = [c.text for c in d.find_elements(By.CSS_SELECTOR, "#trial-table td.effect")]
        assert effects == [r["text"][lang] for r in res["forest"]["rows"]] if res["forest"] else not effects
        if res["pooled"]:
            for name in ("estimate_ci", "pi", "heterogeneity"):
                assert d.find_element(By.ID, f"pooled-{name}").text == res["pooled"]["text"][lang][name], name
            diamond = d.find_element(By.CSS_SELECTOR, "#forest-svg polygon.pooled")
            assert float(diamond.get_attribute("data-estimate")) == res["pooled"]["values"]["estimate"]
            methods = d.find_elements(By.CSS_SELECTOR, "#methods-table tbody tr")
            assert [m.get_attribute("data-method") for m in methods] == [m["key"] for m in res["methods"]]
        else:
            assert d.find_element(By.ID, "not-pooled").is_displayed()
            assert not d.find_elements(By.CSS_SELECTOR, "#forest-svg polygon.pooled")
        return res

    lang = "en"
    sel = {f: str(data["default"][f]) for f in SELECTION_FILTERS}
    first = shown(sel)
    assert first is not None and first["pooled"] is not None, "the page should open on a pooled selection"

    # one filter changed at a time: to another pooled set, to a single trial, to a selection with no data
    wanted = {"pooled": lambda r: r is not None and r["pooled"] and r["effects"] != first["effects"],
              "single": lambda r: r is not None and r["k"] == 1, "empty": lambda r: r is None}
    seen = set()
    for case, test in wanted.items():
        hit = next(((f, v) for f, v, r in _neighbours(data, sel) if test(r)), None)
        if hit is None:
            continue
        f, v = hit
        Select(d.find_element(By.ID, f"f-{f}")).select_by_value(v)
        shown({**sel, f: v})
        Select(d.find_element(By.ID, f"f-{f}")).select_by_value(sel[f])
        shown(sel)
        seen.add(case)
    assert "pooled" in seen and "empty" in seen, seen

    # a number opens its verbatim quote, source and location
    num = d.find_element(By.CSS_SELECTOR, "#trial-table .num")
    origin = data["rows"][num.get_attribute("data-origin")]
    num.click()
    panel = d.find_element(By.ID, "source-panel")
    assert panel.is_displayed() and d.switch_to.active_element == panel
    assert d.find_element(By.ID, "source-quote").text == " ".join(origin["quote"].split())
    assert d.find_element(By.ID, "source-location").text == origin["location"]
    assert d.find_element(By.ID, "source-url").get_attribute("href").startswith(origin["source"][:20])
    assert num.text.rstrip("%") in origin["quote"]
    ActionChains(d).send_keys(Keys.ESCAPE).perform()
    assert not panel.is_displayed() and d.switch_to.active_element == num

    # keyboard: every control has a label; Tab reaches them in reading order; Enter on a map cell selects it
    selects = d.find_elements(By.TAG_NAME, "select")
    for s in selects:
        label = d.find_element(By.CSS_SELECTOR, f"label[for='{s.get_attribute('id')}']")
        assert label.text.strip(), s.get_attribute("id")
    d.execute_script("document.activeElement.blur(); window.scrollTo(0, 0);")
    d.find_element(By.TAG_NAME, "h1").click()  # the keyboard starts from the top of the page
    order = []
    for _ in range(len(selects) + 1):
        ActionChains(d).send_keys(Keys.TAB).perform()
        order.append(d.switch_to.active_element)
    assert [e.get_attribute("id") for e in order[:-1]] == ["lang"] + [f"f-{f['name']}" for f in data["filters"]]
    cell = order[-1]
    assert "cell" in cell.get_attribute("class") and cell.get_attribute("aria-label")
    td = cell.find_element(By.XPATH, "..")
    sel = {**sel, "outcome": td.get_attribute("data-outcome"), "intervention_type": td.get_attribute("data-type")}
    ActionChains(d).send_keys(Keys.ENTER).perform()
    shown(sel)
    again = d.switch_to.active_element.find_element(By.XPATH, "..")  # focus stays on the (redrawn) cell
    assert (again.get_attribute("data-outcome"), again.get_attribute("data-type")) == (sel["outcome"], sel["intervention_type"])
    assert d.find_element(By.ID, "f-outcome").get_attribute("value") == sel["outcome"]
    sel = {f: str(data["default"][f]) for f in SELECTION_FILTERS}
    for f in ("outcome", "intervention_type"):
        Select(d.find_element(By.ID, f"f-{f}")).select_by_value(sel[f])
    shown(sel)

    # contrast of the filters and tables (WCAG AA)
    pairs = d.execute_script(COLOURS, CONTRAST_SELECTORS)
    checked = {p[0] for p in pairs}
    assert {"#filters label", "#filters select", "#trial-table td", "#trial-table .num", "#trial-table .rob"} <= checked
    low = [(s, fg, bg, txt, round(contrast(_hex(fg), _hex(bg)), 2)) for s, fg, bg, txt in pairs
           if contrast(_hex(fg), _hex(bg)) < AA]
    assert not low, low
    shots = {}
    shots["en"] = tmp_path / "explore_en.png"
    _full_page(d, shots["en"])
    d.find_element(By.CSS_SELECTOR, "#trial-table .num").click()
    text = d.execute_script(VISIBLE_TEXT)
    found = [w for w in ENGLISH_UI if re.search(r"(?<![\w-])" + re.escape(w) + r"(?![\w-])", text)]
    assert len(found) >= 0.6 * len(ENGLISH_UI), f"the English list does not describe the page: {set(ENGLISH_UI) - set(found)}"
    assert {"Intervention type", "All", "Longest follow-up per trial", "Pooled result", "Verbatim quote"} <= set(found)
    print(f"English words of the page visible in English: {len(found)} of {len(ENGLISH_UI)}")

    # Dutch: the same selection, every word Dutch, decimal comma
    Select(d.find_element(By.ID, "lang")).select_by_value("nl")
    lang = "nl"
    WebDriverWait(d, 10).until(lambda d: d.find_element(By.TAG_NAME, "html").get_attribute("lang") == "nl")
    shown(sel)
    d.find_element(By.CSS_SELECTOR, "#trial-table .num").click()
    text = d.execute_script(VISIBLE_TEXT)
    left = [w for w in ENGLISH_UI if re.search(r"(?<![\w-])" + re.escape(w) + r"(?![\w-])", text)]
    assert not left, f"English words visible in Dutch: {left}"
    assert "," in d.find_element(By.ID, "pooled-estimate_ci").text
    assert not re.search(r"\d\.\d", d.find_element(By.ID, "pooled").text + d.find_element(By.ID, "forest").text)
    shots["nl"] = tmp_path / "explore_nl.png"
    _full_page(d, shots["nl"])
    for shot in shots.values():
        assert shot.stat().st_size > 20_000
        print(f"screenshot: {shot} ({shot.stat().st_size} bytes)")
    target = os.environ.get("KOPPMETA_SCREENSHOT_DIR")
    if target:
        for shot in shots.values():
            shutil.copy(shot, Path(target) / shot.name)
