"""The built site, driven in a real (headless, system) Chromium.

The book is built once per session by the `strict_build` fixture (tests/conftest.py), served from
127.0.0.1 by a thread of `http.server`, and every page of the TOC is loaded in Chromium through
Playwright's Python API. For each page the test checks that MathJax typeset every formula, that every
image loaded, that nothing was logged as an error, that no request left 127.0.0.1 (MathJax and its
fonts come from the build), that exercise solutions start folded, that code has copy buttons and
that chapters offer their notebook for download, and runs axe-core (the engine behind Lighthouse's
accessibility score, bundled by `axe-playwright-python`, nothing downloaded) with the WCAG 2.x A/AA,
best-practice and experimental rules: every violation fails the test unless it is one of the few
listed in `KNOWN_AXE` (what only an upstream package can fix, each with its reason). The course's own
fixes are in book/_static/ (mlp-lab.css, a11y.js). It also checks the search page, and saves a
full-page screenshot of each page for a person to look at.

Chromium is the Debian package (`apt-get install chromium chromium-driver`, as `.ci/run` does); the
test never downloads a browser. Environment overrides: MLP_LAB_CHROMIUM (the browser executable),
MLP_LAB_SCREENSHOTS (the screenshot folder, default /tmp/mlp-lab-screenshots), MLP_LAB_SITE_HTML (check
an existing build, e.g. `_build/html`, instead of the session's strict build), MLP_LAB_SITE_JOBS
(pages checked at a time, default 3).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import TimeoutError as PlaywrightTimeoutError
from playwright.async_api import async_playwright

from browser import CHROMIUM, CHROMIUM_ARGS, chromium_problem, serve, toc_pages
from conftest import ROOT

SCREENSHOTS = Path(os.environ.get("MLP_LAB_SCREENSHOTS", "/tmp/mlp-lab-screenshots"))
PAGE_TIMEOUT_MS = 30_000
# Pages checked at a time: loading, typesetting and screenshotting overlap across Chromium's processes.
JOBS = max(1, int(os.environ.get("MLP_LAB_SITE_JOBS", "3")))
# Full-page screenshots of long chapters are 15-25k pixels tall: JPEG (at a quality that keeps text
# crisp) encodes several times faster than PNG, which keeps the whole test well under a minute.
SHOT = {"type": "jpeg", "quality": 90}

AXE_OPTIONS = {
    "resultTypes": ["violations"],
    # No re-fetching of stylesheets (axe's CSSOM preload, for css-orientation-lock, resolves the
    # theme's @import against the page and asks for /basic.css, a 404)
    "preload": False,
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa",
                                          "best-practice", "experimental"]},
}
# What axe-core finds that only an upstream package can fix: (rule id, the CSS selector axe reports
# or a piece of the element's HTML) -> why. Anything else fails the test.
KNOWN_AXE = {
    ("region", ".sidebar-primary-items__start > .sidebar-primary-item:nth-child(1)"):
        "pydata-sphinx-theme 0.17 puts the sidebar's logo link outside every landmark",
    ("label-content-name-mismatch", "theme-switch-button"):
        "pydata-sphinx-theme 0.17 labels its colour-mode button 'Color mode' while its visible text names the mode",
    ("empty-table-header", "<mjx-container"):
        "a header cell that holds only a formula: axe-core counts neither MathJax's glyphs (CSS content) nor its "
        "assistive MathML as text, though screen readers read the MathML",
}


def known_axe_item(rule: str, selector: str, html: str) -> str | None:
    """Why an axe-core violation is an upstream item (see KNOWN_AXE), or None if the course must fix it."""
    for (known_rule, where), why in KNOWN_AXE.items():
        if rule == known_rule and (where == selector or where in html):
            return why
    return None


# Everything measured in the page, in one round trip. MathJax 3 replaces the TeX inside each of
# Sphinx's `.math` elements by an <mjx-container>; text outside code that still looks like TeX
# means a formula was not typeset.
PAGE_PROBE = r"""
() => {
  const visible = (el) => el.checkVisibility({ visibilityProperty: true, opacityProperty: true })
    && el.getBoundingClientRect().height > 0;
  const article = document.querySelector("main") || document.body;
  const mathNodes = [...article.querySelectorAll(".math")];
  const untypeset = mathNodes.filter((el) => !el.querySelector("mjx-container"))
    .map((el) => el.textContent.trim().slice(0, 80));
  const prose = article.cloneNode(true);
  prose.querySelectorAll("pre, code, script, style, textarea, mjx-container, .highlight").forEach((el) => el.remove());
  const text = prose.textContent;
  const rawTex = [];
  // $$, \( \) \[ \] delimiters, or any TeX command (a backslash and letters) outside code.
  for (const pattern of [/\$\$/, /\\\(/, /\\\)/, /\\\[/, /\\\]/, /\\[A-Za-z]{2,}/]) {
    const hit = text.match(pattern);
    if (hit) {
      const at = hit.index;
      rawTex.push(text.slice(Math.max(0, at - 40), at + 40).replace(/\s+/g, " "));
    }
  }
  const images = [...document.images].map((img) => ({
    src: img.getAttribute("src"),
    loaded: img.complete && img.naturalWidth > 0,
    alt: img.getAttribute("alt"),
  }));
  const solutions = [...article.querySelectorAll(".solution")].map((sol) => {
    const body = [...sol.children].filter((c) => !c.classList.contains("admonition-title"));
    return { id: sol.id, folded: body.length > 0 && body.every((c) => !visible(c)) };
  });
  const codeBlocks = [...article.querySelectorAll("div.highlight > pre")];
  const withoutCopy = codeBlocks.filter((pre) => !pre.parentElement.querySelector("button.copybtn")).length;
  const wide = [...article.querySelectorAll("div.math")]
    .filter((div) => [...div.querySelectorAll("mjx-container")].some((c) => c.scrollWidth > c.clientWidth + 1))
    .map((div) => div.id || (div.querySelector(".eqno") || {}).textContent || div.textContent.slice(0, 40));
  const eqRefs = [...article.querySelectorAll('a[href^="#equation-"]')].map((a) => a.getAttribute("href").slice(1));
  const notebookLink = document.querySelector(".dropdown-download-buttons a.btn-download-notebook-button");
  const sourceLink = document.querySelector(".dropdown-download-buttons a.btn-download-source-button");
  return {
    mathNodes: mathNodes.length,
    mjx: article.querySelectorAll("mjx-container").length,
    mathErrors: article.querySelectorAll("mjx-merror, [data-mjx-error]").length,
    untypeset,
    rawTex,
    images,
    solutions,
    exercises: article.querySelectorAll(".exercise").length,
    codeBlocks: codeBlocks.length,
    withoutCopy,
    numbered: article.querySelectorAll("span.eqno").length,
    wide,
    eqRefs: eqRefs.length,
    brokenEqRefs: eqRefs.filter((id) => !document.getElementById(id)),
    hasCells: article.querySelector("div.cell") !== null,
    notebookHref: notebookLink ? notebookLink.getAttribute("href") : null,
    sourceHref: sourceLink ? sourceLink.getAttribute("href") : null,
    mathjaxVersion: window.MathJax && window.MathJax.version ? window.MathJax.version : null,
  };
}
"""

# Wait until MathJax (when the page loads it) has typeset the page and its web fonts are in.
WAIT_FOR_MATHJAX = """
async () => {
  const mj = window.MathJax;
  if (mj && mj.startup && mj.startup.promise) { await mj.startup.promise; }
  if (document.fonts) { await document.fonts.ready; }
  return true;
}
"""


@pytest.fixture(scope="module")
def site(request: pytest.FixtureRequest):
    """The strictly built HTML, served on a free port of 127.0.0.1 for the duration of the module.

    The site is the session's `strict_build`, or, to check an existing build without rebuilding,
    the folder named by MLP_LAB_SITE_HTML (e.g. `_build/html`).
    """
    if os.environ.get("MLP_LAB_SITE_HTML"):
        html = Path(os.environ["MLP_LAB_SITE_HTML"]).resolve()
        if not (html / "index.html").exists():
            pytest.fail(f"MLP_LAB_SITE_HTML={html} holds no built site (no index.html)")
    else:
        strict_build = request.getfixturevalue("strict_build")
        html = Path(strict_build["html"])
        if not (html / "index.html").exists():
            proc = strict_build["proc"]
            pytest.fail(f"the book build produced no site in {html}:\n{(proc.stdout + proc.stderr)[-4000:]}")
    with serve(html) as base:
        yield {"html": html, "base": f"{base}/"}


@pytest.fixture(scope="module")
def chromium() -> Path:
    """The system Chromium (never a downloaded browser); fails with how to install it."""
    problem = chromium_problem(CHROMIUM)
    if problem:
        pytest.fail(problem)
    return CHROMIUM


def _is_local(url: str, base: str) -> bool:
    return url.startswith(base) or urlsplit(url).scheme in {"data", "blob", "about"}


@dataclass
class _Visit:
    """One page loaded in Chromium, with its requests, failed loads and console errors."""

    base: str
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    async def open(self, context, url: str):
        page = await context.new_page()
        page.set_default_timeout(PAGE_TIMEOUT_MS)
        page.on("request", lambda req: self.requests.append(req.url))
        page.on("console", lambda msg: msg.type == "error" and self.errors.append(f"console error: {msg.text}"))
        page.on("pageerror", lambda exc: self.errors.append(f"uncaught exception: {exc}"))
        page.on("requestfailed", self._failed)
        page.on("response", lambda resp: resp.status >= 400 and self.errors.append(f"HTTP {resp.status}: {resp.url}"))
        response = await page.goto(url, wait_until="load")
        if response is None or response.status != 200:
            self.errors.append(f"page did not load (HTTP {response.status if response else 'no response'})")
        await page.evaluate(WAIT_FOR_MATHJAX)
        return page

    def _failed(self, req) -> None:
        if _is_local(req.url, self.base):
            self.errors.append(f"request failed: {req.url} ({req.failure})")

    @property
    def external(self) -> list[str]:
        return [u for u in self.requests if not _is_local(u, self.base)]


@dataclass
class _PageReport:
    name: str
    problems: list[str] = field(default_factory=list)
    stats: Counter = field(default_factory=Counter)
    alt_is_file_name: int = 0
    wide: list[str] = field(default_factory=list)
    mathjax_version: str | None = None
    axe: dict = field(default_factory=lambda: {"course": 0, "known": 0, "rules": Counter()})

    def bad(self, what: str) -> None:
        self.problems.append(f"{self.name}: {what}")


async def _check_page(context, base: str, name: str) -> _PageReport:
    """Load one page of the book, check it and save its screenshot."""
    report = _PageReport(name)
    visit = _Visit(base)
    page = await visit.open(context, f"{base}{name}.html")
    # Images must be decoded before naturalWidth means anything.
    await page.wait_for_function("() => [...document.images].every((img) => img.complete)")
    probe = await page.evaluate(PAGE_PROBE)
    await page.screenshot(path=str(SCREENSHOTS / f"{name}.jpg"), full_page=True, **SHOT)

    if probe["untypeset"]:
        report.bad(f"{len(probe['untypeset'])} formula(s) not typeset by MathJax, e.g. {probe['untypeset'][:3]}")
    if probe["mathNodes"] and probe["mjx"] == 0:
        report.bad("page has math but MathJax typeset nothing")
    if probe["mathErrors"]:
        report.bad(f"{probe['mathErrors']} MathJax TeX error(s) (mjx-merror) on the page")
    if probe["rawTex"]:
        report.bad(f"raw TeX left in the rendered text: {probe['rawTex']}")
    mathjax_url = f"{base}_static/mathjax/tex-chtml.js"
    if probe["mathNodes"] and not any(u.startswith(mathjax_url) for u in visit.requests):
        report.bad("page has math but did not load MathJax from this site's _static/mathjax/")
    for img in probe["images"]:
        if not img["loaded"]:
            report.bad(f"image did not load (naturalWidth 0): {img['src']}")
        alt = (img["alt"] or "").strip()
        if not alt:
            report.bad(f"image without alt text: {img['src']}")
        elif re.search(r"\.(png|jpe?g|svg|gif|webp)$", alt, re.I):
            report.alt_is_file_name += 1
    unfolded = [sol["id"] for sol in probe["solutions"] if not sol["folded"]]
    if unfolded:
        report.bad(f"solutions not folded on load: {unfolded}")
    if probe["solutions"]:
        # A click on the title (on its link to the exercise, the hardest case) unfolds a solution.
        first = probe["solutions"][0]["id"]
        title = f'[id="{first}"] > .admonition-title'
        link = page.locator(f"{title} a")
        await (link.first if await link.count() else page.locator(title)).click()
        try:
            await page.wait_for_function(
                "(id) => [...document.getElementById(id).children]"
                ".filter((c) => !c.classList.contains('admonition-title'))"
                ".some((c) => c.checkVisibility({visibilityProperty: true, opacityProperty: true})"
                " && c.getBoundingClientRect().height > 0)",
                arg=first,
                timeout=5_000,
            )
        except PlaywrightTimeoutError:
            report.bad(f"clicking the title of solution {first!r} does not unfold it")
    if probe["withoutCopy"]:
        report.bad(f"{probe['withoutCopy']} of {probe['codeBlocks']} code blocks have no copy button")
    if probe["brokenEqRefs"]:
        report.bad(f"equation references to missing targets: {probe['brokenEqRefs']}")
    if probe["sourceHref"] is None:
        report.bad("no .md download link")
    if probe["hasCells"]:
        if probe["notebookHref"] is None:
            report.bad("chapter with code cells has no .ipynb download link")
        else:
            resp = await context.request.get(f"{base}{probe['notebookHref']}")
            try:
                nb = json.loads(await resp.body()) if resp.status == 200 else {}
            except ValueError:
                nb = {}
            if "cells" in nb:
                report.stats["notebooks"] += 1
            else:
                report.bad(f".ipynb download {probe['notebookHref']} is not a notebook (HTTP {resp.status})")
    await _audit(page, report)
    report.problems += [f"{name}: {err}" for err in visit.errors]
    report.problems += [f"{name}: request left 127.0.0.1: {url}" for url in visit.external]
    report.wide = probe["wide"]
    report.mathjax_version = probe["mathjaxVersion"]
    report.stats.update(
        formulas=probe["mjx"],
        math_nodes=probe["mathNodes"],
        numbered=probe["numbered"],
        eq_refs=probe["eqRefs"],
        images=sum(img["loaded"] for img in probe["images"]),
        exercises=probe["exercises"],
        solutions=len(probe["solutions"]),
        code_blocks=probe["codeBlocks"],
        requests=len(visit.requests),
        external=len(visit.external),
        mathjax_fonts=sum(
            "/_static/mathjax/" in u and u.split("?")[0].endswith((".woff", ".woff2")) for u in visit.requests
        ),
    )
    await page.close()
    return report


async def _audit(page, report: _PageReport) -> None:
    """axe-core on the loaded page: each violation node is a problem unless it is a known upstream item."""
    results = await Axe().run(page, options=AXE_OPTIONS)
    for violation in results.response["violations"]:
        for node in violation["nodes"]:
            selector = " ".join(map(str, node["target"]))
            html = await page.evaluate("(s) => { const e = document.querySelector(s); return e ? e.outerHTML : ''; }",
                                       selector)
            if known_axe_item(violation["id"], selector, html or node["html"]):
                report.axe["known"] += 1
                continue
            report.axe["course"] += 1
            report.axe["rules"][violation["id"]] += 1
            report.bad(f"axe-core {violation['id']} ({violation['impact']}): {' '.join(map(str, node['target']))}: "
                       f"{node.get('failureSummary', '').splitlines()[-1].strip()} [{node['html'][:120]}]")


async def _check_search(context, base: str) -> tuple[list[dict], list[str], Counter]:
    """The search page, queried for "backpropagation": its hits, problems and request counts."""
    visit = _Visit(base)
    page = await visit.open(context, f"{base}search.html?q=backpropagation")
    # Sphinx lists results one by one, then writes "Search finished, found N page(s)...".
    await page.wait_for_function(
        "() => /search finished|did not match/i.test("
        "(document.querySelector('#search-results .search-summary') || {}).textContent || '')"
    )
    hits = await page.evaluate(
        "() => [...document.querySelectorAll('#search-results li')].map((li) => "
        "({href: li.querySelector('a') ? li.querySelector('a').getAttribute('href') : '', text: li.textContent}))"
    )
    await page.screenshot(path=str(SCREENSHOTS / "search-backpropagation.jpg"), full_page=True, **SHOT)
    audit = _PageReport("search")
    await _audit(page, audit)
    await page.close()
    problems = list(audit.problems)
    if not hits:
        problems.append("search: 'backpropagation' found nothing")
    elif not any("03-backpropagation" in hit["href"] for hit in hits):
        problems.append(f"search: 'backpropagation' does not list the backpropagation chapter: {hits[:5]}")
    elif not any("backpropagation" in hit["text"].lower() for hit in hits):
        problems.append("search: no result mentions 'backpropagation'")
    problems += [f"search: {err}" for err in visit.errors]
    problems += [f"search: request left 127.0.0.1: {url}" for url in visit.external]
    stats = Counter(requests=len(visit.requests), external=len(visit.external))
    stats["axe_search_course"], stats["axe_search_known"] = audit.axe["course"], audit.axe["known"]
    return hits, problems, stats


async def _check_site(chromium: Path, base: str, pages: list[str]):
    """Every page and the search page, JOBS at a time, in one headless Chromium."""
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS, headless=True)
        try:
            context = await browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="block")
            blocked: list[str] = []

            async def guard(route) -> None:
                """Let requests to the local server through; stop (and record) anything else."""
                if _is_local(route.request.url, base):
                    await route.continue_()
                else:
                    blocked.append(route.request.url)
                    await route.abort()

            await context.route("**/*", guard)
            # The first page alone: it is the one that meets the browser's empty storage.
            first = await _check_page(context, base, pages[0])
            slots = asyncio.Semaphore(JOBS)

            async def limited(job):
                async with slots:
                    return await job

            rest = await asyncio.gather(
                *(limited(_check_page(context, base, name)) for name in pages[1:]),
                limited(_check_search(context, base)),
            )
            await context.close()
        finally:
            await browser.close()
    return [first, *rest[:-1]], rest[-1], sorted(set(blocked))


@pytest.mark.slow
@pytest.mark.background("build", unless="MLP_LAB_SITE_HTML")
def test_every_page_renders_offline_in_chromium(chromium, site, capsys):
    base, html = site["base"], site["html"]
    pages = toc_pages(ROOT / "_toc.yml")
    missing = [name for name in pages if not (html / f"{name}.html").exists()]
    assert not missing, f"pages of the TOC missing from the build: {missing}"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for shot in [*pages, "search-backpropagation"]:  # this test's own files only: the folder may be shared
        (SCREENSHOTS / f"{shot}.jpg").unlink(missing_ok=True)

    started = time.perf_counter()
    reports, (hits, search_problems, search_stats), blocked = asyncio.run(_check_site(chromium, base, pages))
    elapsed = time.perf_counter() - started

    totals = sum((r.stats for r in reports), Counter()) + search_stats
    problems = [p for r in reports for p in r.problems] + search_problems
    problems += [f"blocked request to another host: {url}" for url in blocked]
    external = max(totals["external"], len(blocked))
    if totals["formulas"] and not totals["mathjax_fonts"]:
        problems.append("MathJax typeset formulas but loaded none of its web fonts from _static/mathjax")
    versions = sorted({r.mathjax_version for r in reports if r.mathjax_version})

    summary = [
        f"site test: {len(reports)} pages in the TOC + search, {elapsed:.1f} s in Chromium ({JOBS} pages at a time)",
        f"  formulas typeset (mjx-container): {totals['formulas']} (of {totals['math_nodes']} math elements; "
        f"MathJax {', '.join(versions) or '-'}, {totals['mathjax_fonts']} font files from _static/mathjax)",
        f"  numbered equations: {totals['numbered']}, equation references: {totals['eq_refs']}",
        f"  images loaded: {totals['images']}",
        f"  exercises: {totals['exercises']}, solutions (folded on load): {totals['solutions']}, "
        f"code blocks with copy buttons: {totals['code_blocks']}, .ipynb downloads checked: {totals['notebooks']}",
        f"  requests: {totals['requests']}, outside 127.0.0.1: {external}",
        f"  search 'backpropagation': {len(hits)} result(s)",
        f"  screenshots: {SCREENSHOTS}",
    ]
    alt = {r.name: r.alt_is_file_name for r in reports if r.alt_is_file_name}
    if alt:
        # MyST-NB gives a cell's figure its file name as alt text unless the cell's metadata sets
        # one (`mystnb: {image: {alt: "..."}}`); every figure of the course has a real one, so a
        # file name here is a figure that lost its description.
        problems.append(
            f"images whose alt text is only their file name: {sum(alt.values())} "
            f"({', '.join(f'{name}: {n}' for name, n in alt.items())}); describe them in the cell's "
            "mystnb.image.alt metadata"
        )
    summary.append(f"  axe-core {Axe().axe_script[3:40].split(chr(10))[0].strip()} "
                   f"({', '.join(AXE_OPTIONS['runOnly']['values'])}), violations per page (course + known upstream):")
    summary += [f"    {r.name}: {r.axe['course']} + {r.axe['known']}"
                + (f" ({dict(r.axe['rules'])})" if r.axe["course"] else "") for r in reports]
    summary.append(f"    search: {search_stats['axe_search_course']} + {search_stats['axe_search_known']}")
    wide = {r.name: r.wide for r in reports if r.wide}
    if wide:
        # Reported, not failed: the reader can scroll them sideways, but a split (aligned) reads better.
        summary.append(
            "  display equations wider than the text column (1280 px window): "
            + "; ".join(f"{name}: {', '.join(ids)}" for name, ids in wide.items())
        )
    (SCREENSHOTS / "summary.txt").write_text("\n".join(summary + problems) + "\n", encoding="utf-8")
    with capsys.disabled():
        print("\n" + "\n".join(summary))

    assert not problems, f"{len(problems)} problem(s) in the rendered site:\n" + "\n".join(problems)
    assert external == 0
    assert [r.name for r in reports] == pages
