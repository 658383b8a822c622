"""Print the built book to one PDF with the system Chromium: ``_build/pdf/mlp-lab.pdf``.

Run it after the HTML build::

    jupyter-book build book/
    python tools/build_pdf.py

How it works. The HTML build in ``_build/html`` is served from 127.0.0.1. The body of every page
of the table of contents (``_toc.yml``, in order) is joined into one print document that uses the
site's own stylesheets and MathJax, behind a title page; ids are made unique per page and links
between pages become links inside the document. Chromium (the Debian package, driven by Playwright
with an explicit executable: never a browser download) typesets the formulas and prints the
document once, so page numbers run through the whole book and the PDF outline (bookmarks) follows
the chapter and section headings. Print styling hides the navigation and buttons, unfolds
solutions and collapsed cells, wraps long code and output lines, and keeps figures on one page.
Every request the page makes is logged; any to another host is blocked and reported, and the
command fails.

The PDF is also copied to ``_build/html/mlp-lab.pdf``, where the intro page's download link points.

Environment: ``MLP_LAB_CHROMIUM`` names another Chromium executable (default /usr/bin/chromium).
Exit status: 0 on success, 1 when the HTML build or Chromium is missing, a request left the
machine, or a file of the build did not load.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import shutil
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import yaml
from bs4 import BeautifulSoup

from browser import CHROMIUM, CHROMIUM_ARGS, chromium_problem, serve, toc_pages  # tools/browser.py

ROOT = Path(__file__).resolve().parents[1]
PRINT_PATH = "/__mlp-lab-print__.html"  # served from memory, so the site's relative URLs resolve

PRINT_CSS = """
@page { size: A4; margin: 16mm 14mm 18mm 14mm; }
html, body { background: white !important; }
/* The theme's admonition shadow (set with !important) prints as a blurred image mask per box, a
   quarter of the file; a thin grey outline stands in for it (the coloured left border stays). */
.admonition, div.admonition { box-shadow: none !important; border-top: 1px solid #d0d7de !important;
  border-right: 1px solid #d0d7de !important; border-bottom: 1px solid #d0d7de !important; }
.bd-header, .bd-sidebar-primary, .bd-sidebar-secondary, .bd-header-article, .header-article-items,
.prev-next-area, .bd-footer, .bd-footer-article, .bd-footer-content, footer, .copybtn,
button, .toggle-button, .headerlink, .search-button-field, .skip-link, #pst-back-to-top,
.theme-switch-button, .sidebar-toggle, .primary-toggle, .secondary-toggle { display: none !important; }
.bd-container, .bd-container__inner, .bd-main, .bd-content, .bd-article-container, .bd-article,
.bd-page-width { max-width: none !important; width: auto !important; padding: 0 !important; margin: 0 !important; }
.toggle-hidden, .toggle-details__container, details > *, .solution > * {
  display: block !important; visibility: visible !important; opacity: 1 !important; max-height: none !important; }
pre, pre code, .output pre, .cell_output pre { white-space: pre-wrap !important; overflow-wrap: anywhere !important;
  word-break: break-word !important; overflow: visible !important; max-height: none !important; }
div.highlight, .cell_output, .output { overflow: visible !important; max-height: none !important; }
figure, img, .cell_output img, div.math, mjx-container[display="true"], table { break-inside: avoid; }
img { max-width: 100% !important; height: auto !important; }
h1, h2, h3, h4 { break-after: avoid; }
.print-page + .print-page { break-before: page; }
.print-title { height: 250mm; display: flex; flex-direction: column; justify-content: center; text-align: center;
  break-after: page; }
.print-title h1 { font-size: 2.4em; margin-bottom: 0.4em; }
.print-title p { font-size: 1.2em; color: #444; }
"""

# The text of every heading, in document order, without the pilcrow links.
HEADINGS = """
() => [...document.querySelectorAll("h1, h2, h3, h4, h5, h6")].map((h) => {
  const copy = h.cloneNode(true);
  copy.querySelectorAll(".headerlink").forEach((a) => a.remove());
  return copy.textContent.replace(/\\s+/g, " ").trim();
})
"""

FOOTER = (
    '<div style="font-size:8px;width:100%;text-align:center;color:#555;">'
    '<span class="pageNumber"></span> / <span class="totalPages"></span></div>'
)


def _rewrite_ids(article, page: str, pages: set[str]) -> None:
    """Prefix ids with the page name and point cross-page links into the one document."""
    for el in article.find_all(id=True):
        el["id"] = f"{page}--{el['id']}"
    for a in article.find_all("a", href=True):
        href = a["href"]
        if href.startswith("#"):
            a["href"] = f"#{page}--{href[1:]}"
            continue
        parts = urlsplit(href)
        target = parts.path[:-5] if parts.path.endswith(".html") else None
        if parts.scheme or parts.netloc or target not in pages:
            continue
        a["href"] = f"#{target}--{parts.fragment}" if parts.fragment else f"#{target}"


def print_document(html_dir: Path, pages: list[str], title: str, author: str) -> str:
    """One HTML document: the first page's <head> (stylesheets, MathJax), a title page, every page's body."""
    first = BeautifulSoup((html_dir / f"{pages[0]}.html").read_text(encoding="utf-8"), "html.parser")
    head = first.head
    # Scripts that drive the site's interactive UI have nothing to do in print; MathJax stays.
    for script in head.find_all("script"):
        src = script.get("src", "")
        if src and "mathjax" not in src.lower() and "tex-" not in src:
            script.decompose()
    head.append(BeautifulSoup(f"<style>{PRINT_CSS}</style>", "html.parser"))
    names = set(pages)
    bodies = []
    for page in pages:
        soup = BeautifulSoup((html_dir / f"{page}.html").read_text(encoding="utf-8"), "html.parser")
        article = soup.select_one("article.bd-article") or soup.select_one("main")
        if article is None:
            raise SystemExit(f"error: {page}.html has no <article> to print: is {html_dir} a Jupyter Book build?")
        _rewrite_ids(article, page, names)
        bodies.append(f'<section class="print-page" id="{page}">{article.decode_contents()}</section>')
    title_page = (
        f'<section class="print-title"><h1 class="print-book-title">{title}</h1><p>{author}</p>'
        "<p>Printed from the course's web edition</p></section>"
    )
    return (
        f"<!DOCTYPE html><html lang='en'>{head}<body><main class='bd-main'><div class='bd-article-container'>"
        f"<article class='bd-article'>{title_page}{''.join(bodies)}</article></div></main></body></html>"
    )


async def print_pdf(document: str, base: str, chromium: Path, out: Path) -> dict:
    """Load the document in Chromium, wait for MathJax, unfold everything, print to ``out``."""
    from playwright.async_api import async_playwright

    requests, external, failed = [], [], []
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        try:
            page = await browser.new_page()

            async def guard(route):
                url = route.request.url
                requests.append(url)
                if url == base + PRINT_PATH:
                    await route.fulfill(body=document, content_type="text/html; charset=utf-8")
                elif urlsplit(url).hostname in ("127.0.0.1", None) or url.startswith("data:"):
                    await route.continue_()
                else:
                    external.append(url)
                    await route.abort()

            await page.route("**/*", guard)
            page.on("response", lambda response: response.status >= 400 and failed.append(response.url))
            page.on("requestfailed", lambda request: request.url not in external and failed.append(request.url))
            await page.goto(base + PRINT_PATH, wait_until="load", timeout=120_000)
            await page.wait_for_function(
                "() => window.MathJax && MathJax.startup && MathJax.startup.promise", timeout=60_000
            )
            await page.evaluate("() => MathJax.startup.promise.then(() => MathJax.typesetPromise())")
            await page.evaluate("() => document.querySelectorAll('details').forEach((d) => d.open = true)")
            headings = await page.evaluate(HEADINGS)
            await page.emulate_media(media="print")
            await page.pdf(
                path=str(out), format="A4", print_background=True, outline=True, tagged=True,
                display_header_footer=True, header_template="<span></span>", footer_template=FOOTER,
                margin={"top": "16mm", "bottom": "18mm", "left": "14mm", "right": "14mm"},
            )
        finally:
            await browser.close()
    return {"requests": len(requests), "external": external, "failed": failed, "headings": headings}


def retitle_outline(path: Path, headings: list[str]) -> int:
    """Rewrite the PDF outline's titles with the headings' own text.

    Chromium builds the outline from the headings, in document order, but repeats the text of a
    heading that wraps over two lines ("What a random 2-10-1 networkWhat a random ..."). The
    entries keep their pages and nesting; only the titles change. Returns the number of entries.
    """
    from pypdf import PdfReader, PdfWriter

    # Chromium's trailer gives a /Size below the file's object count; pypdf reads the file correctly
    # but logs "Object count ... exceeds defined trailer size" as a warning, which alarms for nothing.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    reader = PdfReader(path)
    entries = []  # (depth, page index)

    def walk(items, depth):
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            else:
                entries.append((depth, reader.get_destination_page_number(item)))

    walk(reader.outline, 0)
    if len(entries) != len(headings):
        raise SystemExit(f"error: the PDF outline has {len(entries)} entries for {len(headings)} headings")
    writer = PdfWriter(clone_from=reader)
    writer.root_object.pop("/Outlines", None)
    parents = []
    for (depth, page), title in zip(entries, headings, strict=True):
        del parents[depth:]
        parent = parents[-1] if parents else None
        parents.append(writer.add_outline_item(title=title, page_number=page, parent=parent))
    writer.page_mode = "/UseOutlines"
    with path.open("wb") as out:
        writer.write(out)
    return len(entries)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Print the built book to one PDF with the system Chromium.")
    parser.add_argument("--html", type=Path, default=ROOT / "_build" / "html", help="the HTML build (_build/html)")
    parser.add_argument("--out", type=Path, default=ROOT / "_build" / "pdf" / "mlp-lab.pdf", help="the PDF to write")
    args = parser.parse_args(argv)

    problem = chromium_problem(CHROMIUM)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 1
    pages = toc_pages(ROOT / "_toc.yml")
    missing = [p for p in pages if not (args.html / f"{p}.html").is_file()]
    if missing:
        print(f"error: no HTML build of the book at {args.html} (missing {missing[0]}.html): "
              "run `jupyter-book build book/` first.", file=sys.stderr)
        return 1

    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    start = time.perf_counter()
    document = print_document(args.html, pages, config["title"], config.get("author", ""))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with serve(args.html) as base:
        log = asyncio.run(print_pdf(document, base, CHROMIUM, args.out))
    bookmarks = retitle_outline(args.out, log.pop("headings"))
    shutil.copyfile(args.out, args.html / "mlp-lab.pdf")
    summary = {"pdf": str(args.out), "pages_printed": len(pages), "bookmarks": bookmarks,
               "bytes": args.out.stat().st_size, "seconds": round(time.perf_counter() - start, 1), **log}
    print(json.dumps(summary))
    if log["external"]:
        print(f"error: {len(log['external'])} request(s) to other hosts were blocked, e.g. {log['external'][0]}",
              file=sys.stderr)
        return 1
    if log["failed"]:
        print(f"error: {len(log['failed'])} file(s) of the build could not be loaded, e.g. {log['failed'][0]}",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
