"""The batch's pages in a real browser: Chromium from the operating system's packages, driven by
Selenium through the system's chromedriver (nothing is downloaded).

`.ci/run` installs Debian's chromium, chromium-driver and fonts-noto-cjk.  Where no Chromium is
installed the tests are skipped and say why; under CI (``CI`` set) a missing browser fails them.
Screenshots of the three pages are written to the test's output folder.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pandas as pd
import pytest

from conftest import CORPUS, truth_of
from html_helpers import Page

CHROMIUM = next((p for p in ("/usr/bin/chromium", "/usr/bin/chromium-browser") if Path(p).exists()), None)
CHROMEDRIVER = shutil.which("chromedriver") or ("/usr/bin/chromedriver" if Path("/usr/bin/chromedriver").exists()
                                                else None)
WHY = ("no Chromium here: install Debian's chromium, chromium-driver and fonts-noto-cjk "
       "(.ci/run does) to run the browser tests")
if not (CHROMIUM and CHROMEDRIVER):
    if os.environ.get("CI"):
        raise RuntimeError(f"CI must run the browser tests: {WHY}")
    pytest.skip(WHY, allow_module_level=True)

selenium = pytest.importorskip("selenium", reason="selenium is in the dev extra: pip install -e '.[dev]'")
from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402

WIDTH = 1280
SUBSET = ("sanming_2019", "sanming_2020", "pingtan_2023", "pingtan_2023_html", "shanghai_gov_office_2019",
          "seed_changning_tzcjb_2024")
AGENCY_YEARS = 5  # pingtan_2023 and pingtan_2023_html are two renderings of one agency-year: one report
CJK_FONTS = ("Noto Sans CJK", "Noto Serif CJK", "Source Han", "PingFang", "Hiragino", "Microsoft YaHei",
             "WenQuanYi", "Droid Sans Fallback")


@pytest.fixture(scope="module")
def batch_out(tmp_path_factory) -> Path:
    """`govdisclosure batch` over six real reports (one of them a second rendering)."""
    from govdisclosure import cli

    folder = tmp_path_factory.mktemp("browser_inputs")
    for corpus_id in SUBSET:
        source = next((CORPUS / corpus_id).glob("source.*"))
        (folder / corpus_id).mkdir()
        shutil.copy(source, folder / corpus_id / source.name)
    out = tmp_path_factory.mktemp("browser_out")
    assert cli.main(["batch", str(folder), "-o", str(out), "--workers", "2", "-q"]) == 0
    return out


@pytest.fixture(scope="module")
def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     f"--window-size={WIDTH},1000", "--allow-file-access-from-files"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


def open_page(driver, path: Path) -> list[dict]:
    """Load ``path``; return the console messages it logged (errors are SEVERE)."""
    driver.get_log("browser")  # drop what an earlier page left
    driver.get(path.resolve().as_uri())
    return driver.get_log("browser")


def screenshot(driver, path: Path) -> Path:
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(WIDTH, min(int(height) + 100, 16_000))
    driver.save_screenshot(str(path))
    driver.set_window_size(WIDTH, 1000)
    return path


def broken_links(driver, page: Path) -> list[str]:
    """Links of the page that lead nowhere: an in-page anchor with no element of that id, or a
    relative file that does not exist.  http(s) links are not followed (no network)."""
    hrefs = driver.execute_script("return Array.from(document.querySelectorAll('a[href]'), a => a.getAttribute('href'))")
    broken = []
    for href in hrefs:
        parts = urlsplit(href)
        if parts.scheme in ("http", "https"):
            continue
        if parts.scheme:
            broken.append(href)  # javascript:, data: … never in our pages
            continue
        target = page if not parts.path else (page.parent / unquote(parts.path))
        if not target.exists():
            broken.append(href)
            continue
        if parts.fragment:
            if target != page:
                continue  # checked when that page is opened
            found = driver.execute_script(
                "const f = arguments[0]; return !!(document.getElementById(f) || "
                "document.getElementById(decodeURIComponent(f)));", parts.fragment)
            if not found:
                broken.append(href)
    return broken


def fonts_of(driver, selector: str) -> list[dict]:
    """The fonts Chromium drew an element's text with (CSS.getPlatformFontsForNode)."""
    driver.execute_cdp_cmd("DOM.enable", {})
    driver.execute_cdp_cmd("CSS.enable", {})
    root = driver.execute_cdp_cmd("DOM.getDocument", {"depth": -1})["root"]["nodeId"]
    node = driver.execute_cdp_cmd("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    assert node, selector
    fonts = []
    stack = [node]
    while stack:  # the text nodes are children: ask each element on the way down
        current = stack.pop()
        fonts += driver.execute_cdp_cmd("CSS.getPlatformFontsForNode", {"nodeId": current})["fonts"]
        described = driver.execute_cdp_cmd("DOM.describeNode", {"nodeId": current, "depth": 1})["node"]
        stack += [c["nodeId"] for c in described.get("children", []) if c.get("nodeType") == 1 and c.get("nodeId")]
    return fonts


def assert_cjk_font(driver, selector: str) -> None:
    fonts = fonts_of(driver, selector)
    cjk = [f for f in fonts if any(name in f["familyName"] for name in CJK_FONTS) and f["glyphCount"] > 0]
    assert cjk, f"{selector}: drawn with {fonts}, no CJK font"
    stylesheet = Path(__file__).resolve().parents[1] / "lib" / "govdisclosure" / "templates" / "report.css"
    assert any(f["familyName"].split(" ")[0] in stylesheet.read_text(encoding="utf-8") for f in cjk)


def reports(out: Path) -> list[Path]:
    return sorted((out / "reports").glob("*.html"))


def sanming_2019(out: Path) -> Path:
    summary = pd.read_csv(out / "run_summary.csv", encoding="utf-8-sig")
    row = summary[summary["file"].str.contains("sanming_2019")].iloc[0]
    return out / row["html"]


# --------------------------------------------------------------------------- the pages

def test_every_report_is_small_with_contents_and_a_link_to_the_index(batch_out):
    pages = reports(batch_out)
    assert len(pages) == AGENCY_YEARS
    for path in pages:
        assert path.stat().st_size < 200_000, (path.name, path.stat().st_size)
        page = Page(path)
        toc = page.doc.xpath("//nav[contains(@class, 'gd-toc')]//a/@href")
        assert len(toc) >= 6 and all(h.startswith("#") for h in toc), path.name
        assert "../index.html" in page.doc.xpath("//a/@href"), path.name
        assert "../compare.html" in page.doc.xpath("//a/@href"), path.name


def test_report_in_browser(batch_out, browser, tmp_path):
    page = sanming_2019(batch_out)
    log = open_page(browser, page)
    assert not [m for m in log if m["level"] == "SEVERE"], log
    assert broken_links(browser, page) == []
    height = browser.execute_script("return document.documentElement.scrollHeight")
    assert height < 12_000, f"三明 2019 report is {height} px tall"
    assert_cjk_font(browser, "h2.gd-title")
    assert_cjk_font(browser, "#T_t3 tbody")
    # the contradicting sentence is highlighted, and its finding links to it and back
    marks = browser.find_elements(By.CSS_SELECTOR, "mark[id^=claim-]")
    assert marks and "403件" in marks[0].text
    finding = browser.find_element(By.CSS_SELECTOR, f"a[href='#{marks[0].get_attribute('id')}']")
    back = marks[0].find_element(By.CSS_SELECTOR, "a.gd-back").get_attribute("href").split("#")[1]
    assert browser.find_element(By.ID, back).find_element(By.XPATH, ".//a[contains(@class, 'gd-goto')]") == finding
    # the numbers shown are the source's (truth.json, read by eye)
    t3 = {r.find_element(By.TAG_NAME, "th").text: [td.text for td in r.find_elements(By.TAG_NAME, "td")]
          for r in browser.find_elements(By.CSS_SELECTOR, "#T_t3 tbody tr")}
    truth = truth_of("sanming_2019")["table3_total"]
    assert t3["一、本年新收政府信息公开申请数量"][-1] == str(truth["new_received"])
    assert t3["（七）总计"][-1] == str(truth["total_processed"])
    shot = screenshot(browser, tmp_path / "report_sanming_2019.png")
    assert shot.stat().st_size > 10_000


def test_every_report_in_browser_has_no_error_and_no_broken_link(batch_out, browser):
    for page in reports(batch_out):
        log = open_page(browser, page)
        assert not [m for m in log if m["level"] == "SEVERE"], (page.name, log)
        assert broken_links(browser, page) == [], page.name


def test_index_in_browser(batch_out, browser, tmp_path):
    index = batch_out / "index.html"
    log = open_page(browser, index)
    assert not [m for m in log if m["level"] == "SEVERE"], log
    assert broken_links(browser, index) == []
    assert_cjk_font(browser, "h1")
    rows = browser.find_elements(By.CSS_SELECTOR, "#table-overview tbody tr")
    assert len(rows) == AGENCY_YEARS
    heads = [th.text for th in browser.find_elements(By.CSS_SELECTOR, "#table-overview thead th")]
    column = {name: heads.index(name) for name in ("机关", "年度", "本年新收", "公开率")}

    def table() -> list[list[str]]:
        return [[td.text for td in r.find_elements(By.TAG_NAME, "td")]
                for r in browser.find_elements(By.CSS_SELECTOR, "#table-overview tbody tr") if r.is_displayed()]

    sanming = [r for r in table() if r[column["机关"]] == "三明市" and r[column["年度"]] == "2019"]
    assert sanming and sanming[0][column["本年新收"]] == "110" and sanming[0][column["公开率"]] == "77.1%"
    # sort by 本年新收, largest first (a second click)
    header = browser.find_elements(By.CSS_SELECTOR, "#table-overview thead th")[column["本年新收"]]
    header.click()
    header.click()
    received = [int(r[column["本年新收"]].replace(",", "")) for r in table()]
    assert received == sorted(received, reverse=True) and received[0] == 859
    # filter
    box = browser.find_element(By.CSS_SELECTOR, ".gd-filter[data-table='table-overview']")
    box.send_keys("平潭")
    assert {r[column["机关"]] for r in table()} == {"平潭综合实验区"} and len(table()) == 1  # one agency-year
    screenshot(browser, tmp_path / "index.png")


def test_comparison_in_browser(batch_out, browser, tmp_path):
    page = batch_out / "compare.html"
    log = open_page(browser, page)
    assert not [m for m in log if m["level"] == "SEVERE"], log
    assert broken_links(browser, page) == []
    assert_cjk_font(browser, "h1")
    assert browser.find_elements(By.CSS_SELECTOR, "img[src^='data:image/png']")
    screenshot(browser, tmp_path / "compare.png")


def test_large_index_reads_its_rows_from_the_data_file(browser, tmp_path):
    """Above INLINE_LIMIT agency-years the rows are in index-data.js and shown a page at a time;
    report text is set as text (a name with markup stays inert)."""
    from govdisclosure import index

    n = index.INLINE_LIMIT + 500
    agencies = [f"某市第{i}局" for i in range(n)]
    agencies[7] = '<img src=x onerror="document.title=\'pwned\'">某局'
    reports_frame = pd.DataFrame({"rid": range(n), "source": [f"/in/{i}.txt" for i in range(n)], "agency": agencies,
                                  "year": pd.array([2020 + i % 5 for i in range(n)], dtype="Int64"),
                                  "format": "text"})
    measures = pd.DataFrame({"source": [f"/in/{i}.txt" for i in range(n)], "measure": "new_received",
                             "value": [float(i) for i in range(n)]})
    summary = pd.DataFrame({"file": reports_frame["source"], "agency": agencies, "year": reports_frame["year"],
                            "status": "ok", "seconds": 0.1, "error": "", "html": ""})
    corpus = dict(reports=reports_frame, measures=measures, findings=pd.DataFrame(columns=["source", "status"]))
    index.write_index(tmp_path, corpus, summary)
    assert (tmp_path / "index-data.js").exists()
    assert len(Page(tmp_path / "index.html").doc.xpath("//table[@id='table-overview']//tbody/tr")) == 0
    log = open_page(browser, tmp_path / "index.html")
    assert not [m for m in log if m["level"] == "SEVERE"], log
    shown = browser.find_elements(By.CSS_SELECTOR, "#table-overview tbody tr")
    assert len(shown) == index.PAGE_ROWS
    assert f"/ {n} 行" in browser.find_element(By.CSS_SELECTOR, ".gd-shown[data-table='table-overview']").text
    box = browser.find_element(By.CSS_SELECTOR, ".gd-filter[data-table='table-overview']")
    box.send_keys("onerror")
    rows = browser.find_elements(By.CSS_SELECTOR, "#table-overview tbody tr")
    assert len(rows) == 1 and agencies[7] in rows[0].text
    assert browser.title != "pwned" and not browser.find_elements(By.CSS_SELECTOR, "#table-overview img")


@pytest.mark.parametrize("inline", [True, False], ids=["rows in the page", "rows in the data file"])
def test_index_sorts_unknown_measures_last_and_shows_reasons_in_two_lines(browser, tmp_path, monkeypatch, inline):
    """公开率 unknown (blanks; shown 「—（空白按 0 计：…）」) sorts after every known rate in both
    directions; an unreadable file's reason is Chinese with the English message on a line below."""
    from govdisclosure import index

    if not inline:
        monkeypatch.setattr(index, "INLINE_LIMIT", 0)
    sources = [f"/in/{i}.txt" for i in range(3)]
    reports_frame = pd.DataFrame({"rid": range(3), "source": sources, "agency": ["甲局", "乙局", "丙局"],
                                  "year": pd.array([2021] * 3, dtype="Int64"), "format": "text"})
    measures = pd.DataFrame({"source": sources, "measure": "open_rate", "value": [0.5, None, 0.2],
                             "value_blank_as_zero": [0.5, 0.3, 0.2], "blanks": [False, True, False]})
    summary = pd.DataFrame({"file": [*sources, "/in/empty.txt"], "agency": ["甲局", "乙局", "丙局", None],
                            "year": [2021, 2021, 2021, None], "status": ["ok", "ok", "ok", "unreadable"],
                            "seconds": 0.1, "html": "",
                            "error": ["", "", "", "/in/empty.txt: expected a report, found an empty file (0 bytes)"]})
    index.write_index(tmp_path, dict(reports=reports_frame, measures=measures), summary)
    log = open_page(browser, tmp_path / "index.html")
    assert not [m for m in log if m["level"] == "SEVERE"], log
    head = [th for th in browser.find_elements(By.CSS_SELECTOR, "#table-overview thead th") if th.text == "公开率"][0]
    for clicks, order in ((1, ["丙局", "甲局", "乙局"]), (2, ["甲局", "丙局", "乙局"])):
        head.click()
        rows = [r for r in browser.find_elements(By.CSS_SELECTOR, "#table-overview tbody tr") if r.is_displayed()]
        assert [r.find_elements(By.TAG_NAME, "td")[0].text for r in rows] == order, clicks
    assert "—（空白按 0 计：30.0%）" in rows[-1].text
    files = browser.find_elements(By.CSS_SELECTOR, "#table-files tbody tr")
    reason = [r for r in files if "empty.txt" in r.text][0].find_elements(By.TAG_NAME, "td")[-1]
    assert reason.text.splitlines() == ["空文件（0 字节）", "/in/empty.txt: expected a report, found an empty file (0 bytes)"]


def test_report_prints_on_a4(batch_out, browser, tmp_path):
    """Printed (the stylesheet's @page A4), the 三明 2019 report takes about half the 24 pages the
    JupyterLab page took: sections start a page, nothing is hidden but the navigation."""
    import base64
    import re

    open_page(browser, sanming_2019(batch_out))
    pdf = base64.b64decode(browser.execute_cdp_cmd("Page.printToPDF", {"preferCSSPageSize": True,
                                                                       "printBackground": True})["data"])
    (tmp_path / "report_sanming_2019.pdf").write_bytes(pdf)
    pages = len(re.findall(rb"/Type\s*/Page\b", pdf))
    assert 4 <= pages <= 16, pages
    box = re.search(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", pdf)
    assert box and abs(float(box.group(1)) - 595.3) < 2 and abs(float(box.group(2)) - 841.9) < 2  # A4 in points
