/*
 * mlp-lab: accessibility fixes to markup that the build's packages write (tests/test_site.py runs
 * axe-core on every page and fails on anything not fixed here or listed there as a known upstream item).
 *
 * - MyST-NB's folded code cells ("Show code cell source") label their <summary> "Toggle hidden
 *   content", so a speech-input user who says the visible words finds no match
 *   (label-content-name-mismatch): the summary's own text is its name.
 * - The theme's search button is labelled "Search" while it shows "Search Ctrl+K": same rule, same fix.
 * - docutils marks each bibliography entry role="doc-biblioentry" (deprecated in ARIA 1.3, and not
 *   allowed on a <div>) inside a role="list" container, which then has no list items: they become
 *   role="listitem".
 * - The theme makes wide tables' scroll containers focusable (so the keyboard can scroll them) without
 *   a role (focus-order-semantics): those become regions, each with its own name (landmark-unique).
 * - A code block that scrolls sideways must be reachable by the keyboard (scrollable-region-focusable):
 *   the theme does this when the page loads, but a block inside a solution is folded then, and gets
 *   its tab stop here when it is unfolded.
 */
(() => {
  let scrollingTables = 0;
  const fixScrollables = () => {
    document.querySelectorAll("div.highlight > pre").forEach((pre) => {
      if (pre.scrollWidth > pre.clientWidth + 1 && pre.getAttribute("tabindex") !== "0") {
        pre.setAttribute("tabindex", "0");
      }
    });
  };
  const fix = () => {
    document.querySelectorAll('details > summary[aria-label="Toggle hidden content"]').forEach((summary) => {
      summary.removeAttribute("aria-label");
    });
    document.querySelectorAll('button.search-button__button[aria-label="Search"]').forEach((button) => {
      button.removeAttribute("aria-label");
    });
    document.querySelectorAll('[role="doc-biblioentry"]').forEach((entry) => {
      entry.setAttribute("role", "listitem");
    });
    document.querySelectorAll('.pst-scrollable-table-container[tabindex="0"]:not([role])').forEach((box) => {
      scrollingTables += 1;
      box.setAttribute("role", "region");
      box.setAttribute("aria-label", `table ${scrollingTables} (scrolls sideways)`);
    });
    fixScrollables();
  };
  document.addEventListener("DOMContentLoaded", fix);
  window.addEventListener("load", () => { fix(); setTimeout(fix, 500); });
  // Unfolding a solution or a hidden cell shows code blocks that may scroll.
  document.addEventListener("click", () => { setTimeout(fixScrollables, 0); setTimeout(fixScrollables, 500); });
  document.addEventListener("toggle", () => setTimeout(fixScrollables, 0), true);
})();
