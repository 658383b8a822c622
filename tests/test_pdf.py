"""The PDF edition: `python tools/build_pdf.py` prints the built book with the system Chromium.

The book is the session's strict build (the `strict_build` fixture, shared with the site test), or the
folder named by MLP_LAB_SITE_HTML. The PDF is read back with pypdf: its outline, its text and its size.
Printing and reading back every page's text take about a minute on one core, so both run in the
background (tests/conftest.py): the PDF is printed as soon as the build ends, its text is extracted
as soon as it is printed, and these tests, run last, read the results.
"""

from __future__ import annotations

import copy
import functools
import json
import os
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from pypdf import PdfReader

from browser import toc_pages
from conftest import BOOK, JOBS, ROOT, TOOLS, background

TOOL = TOOLS / "build_pdf.py"
SITE_HTML = os.environ.get("MLP_LAB_SITE_HTML")


def _html() -> Path:
    return Path(SITE_HTML).resolve() if SITE_HTML else JOBS["build"].out / "_build" / "html"


# The documented command, on the session's build; then every page's text, as pypdf reads it.
PDF = background("pdf", lambda job: [sys.executable, TOOL, "--html", _html(), "--out", job.out / "mlp-lab.pdf"],
                 after=None if SITE_HTML else "build", order=1)
PAGE_TEXT = """
import json, sys
from pypdf import PdfReader
pages = [page.extract_text() or "" for page in PdfReader(sys.argv[1]).pages]
with open(sys.argv[2], "w", encoding="utf-8") as out:
    json.dump(pages, out)
"""
PDF_TEXT = background("pdf-text", lambda job: [sys.executable, "-c", PAGE_TEXT, PDF.out / "mlp-lab.pdf",
                                               job.out / "pages.json"], after="pdf", order=1)

pytestmark = [pytest.mark.slow, pytest.mark.background("pdf", "pdf-text")]


@pytest.fixture(scope="module")
def html(request: pytest.FixtureRequest) -> Path:
    if SITE_HTML:
        return _html()
    built = Path(request.getfixturevalue("strict_build")["html"])
    if not (built / "index.html").exists():
        pytest.fail(f"the book build produced no site in {built}")
    return built


@pytest.fixture(scope="module")
def pdf(html: Path) -> dict:
    proc = PDF.result(timeout=600)
    assert proc.returncode == 0, f"build_pdf failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}"
    summary = json.loads(proc.stdout.strip().splitlines()[-1])
    out = Path(summary["pdf"])
    assert out == PDF.out / "mlp-lab.pdf"
    read = PDF_TEXT.result(timeout=600)
    assert read.returncode == 0, f"reading the PDF's text failed:\n{read.stderr[-4000:]}"
    pages = json.loads((PDF_TEXT.out / "pages.json").read_text(encoding="utf-8"))
    reader = PdfReader(out)
    assert len(pages) == len(reader.pages)
    text = "\n".join(pages)
    print(f"PDF: {len(reader.pages)} pages, {out.stat().st_size / 1e6:.1f} MB, {summary['seconds']} s, "
          f"{summary['requests']} requests, {len(summary['external'])} external")
    return {"path": out, "summary": summary, "reader": reader, "pages": pages, "text": text,
            "squashed": _squash(text)}


def _squash(text: str) -> str:
    """Text without any whitespace or ligatures: line wrapping and typography must not matter.

    Chromium prints "fl" and "fi" as one ligature glyph, which reads back as U+FB02 or U+FB01;
    NFKC turns it into the letters again.
    """
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


@functools.cache
def _soup(html: Path, page: str) -> BeautifulSoup:
    """A built page, parsed once for all the tests here (several seconds for the whole book)."""
    return BeautifulSoup((html / f"{page}.html").read_text(encoding="utf-8"), "html.parser")


def chapter_titles(html: Path) -> dict[str, str]:
    """Each TOC page's title as the site shows it (with its chapter number)."""
    titles = {}
    for page in toc_pages(ROOT / "_toc.yml"):
        h1 = copy.copy(_soup(html, page).select_one("article h1"))
        for link in h1.select(".headerlink"):
            link.decompose()
        titles[page] = " ".join(h1.get_text(" ").split())
    return titles


def outline_titles(reader: PdfReader) -> list[str]:
    def walk(items):
        for item in items:
            if isinstance(item, list):
                yield from walk(item)
            else:
                yield " ".join(item.title.split())
    return list(walk(reader.outline))


def test_pdf_exists_with_a_sane_page_count_and_was_printed_offline(pdf, html):
    assert pdf["path"].stat().st_size > 500_000
    assert 100 <= len(pdf["reader"].pages) <= 800, len(pdf["reader"].pages)
    assert pdf["summary"]["requests"] > 10  # the page, stylesheets, MathJax and its fonts, figures
    assert pdf["summary"]["failed"] == [], "files of the build that did not load (HTTP >= 400 or a failed request)"
    assert pdf["summary"]["external"] == [], "requests left 127.0.0.1 while printing"
    assert (html / "mlp-lab.pdf").read_bytes() == pdf["path"].read_bytes(), "the site's download copy"


def test_outline_has_one_entry_per_chapter_in_order(pdf, html):
    outline = outline_titles(pdf["reader"])
    titles = list(chapter_titles(html).values())
    at = -1  # each page's bookmark comes after the previous page's (a section may share a page's title)
    for title in titles:
        assert title in outline[at + 1:], f"no bookmark for {title!r} after {outline[at]!r} in the TOC's order"
        at = outline.index(title, at + 1)
    assert len(outline) > 3 * len(titles), "section titles are missing from the outline"


def test_text_has_every_chapter_title_and_the_title_page(pdf, html):
    for title in chapter_titles(html).values():
        assert _squash(title) in pdf["squashed"], f"chapter title {title!r} not in the PDF's text"
    first_page = pdf["pages"][0]
    assert "feedforward networks from the equations up" in " ".join(first_page.split())


def test_page_numbers_run_through_the_book(pdf):
    n = len(pdf["reader"].pages)
    last = " ".join(pdf["pages"][-1].split())
    assert f"{n} / {n}" in last, last[-200:]


def test_typeset_equation_and_solution_text_are_printed(pdf):
    # Equation (1.1)'s number as MathJax sets it; and no formula left as TeX source (none of these
    # control words is in any code cell, and the book's maths uses each of them many times).
    assert "(1.1)" in pdf["text"]
    tex_words = ("\\frac{", "\\mathbf{", "\\qquad", "\\begin{", "\\operatorname")
    raw_tex = [word for word in tex_words if word in pdf["text"]]
    assert not raw_tex, f"formulas printed as TeX source, not typeset: {raw_tex}"
    # A solution (folded on the site) is printed unfolded: a sentence from the first one.
    book = (BOOK / "01-forward-pass.md").read_text(encoding="utf-8")
    start = book.index("{solution")
    sentence = re.search(r"\n([A-Z][^\n$`{]{30,80})", book[start:]).group(1)
    assert _squash(sentence) in pdf["squashed"], f"solution text {sentence!r} is not printed"


def test_no_code_line_is_cut_at_the_margin(pdf, html):
    # The longest line of code on the site, far wider than an A4 page at the code font's size.
    lines = [line for page in toc_pages(ROOT / "_toc.yml")
             for pre in _soup(html, page).select("div.cell_input div.highlight pre")
             for line in pre.get_text().splitlines()]
    longest = max(lines, key=len)
    assert len(longest) > 100, longest
    assert _squash(longest) in pdf["squashed"], f"the long code line {longest!r} is not printed whole"


def test_missing_chromium_and_missing_build_are_explained(tmp_path):
    run = lambda *args, **env: subprocess.run(  # noqa: E731
        [sys.executable, str(TOOL), *args], cwd=ROOT, capture_output=True, text=True,
        env={**os.environ, **env}, timeout=60)
    no_browser = run("--html", str(tmp_path), MLP_LAB_CHROMIUM=str(tmp_path / "no-chromium"))
    assert no_browser.returncode == 1
    assert "apt-get install chromium" in no_browser.stderr and "MLP_LAB_CHROMIUM" in no_browser.stderr
    no_build = run("--html", str(tmp_path / "nothing"), "--out", str(tmp_path / "x.pdf"))
    assert no_build.returncode == 1
    assert "run `jupyter-book build book/` first" in no_build.stderr
    assert not (tmp_path / "x.pdf").exists()
