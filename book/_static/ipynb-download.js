/*
 * mlp-lab: add a ".ipynb" entry to the download menu of every chapter page.
 *
 * sphinx-book-theme offers the page's source (.md) and print-to-PDF. Each chapter is also a notebook
 * with stored outputs (notebooks/NN-name.ipynb in the repository); _config.yml copies those
 * notebooks next to the pages (html_extra_path), so the notebook of "NN-name.html" is "NN-name.ipynb"
 * in the same folder. A page is a chapter notebook when it has code cells.
 */
document.addEventListener("DOMContentLoaded", () => {
  const menu = document.querySelector(".dropdown-download-buttons .dropdown-menu");
  const source = menu && menu.querySelector("a.btn-download-source-button");
  // DOCUMENTATION_OPTIONS is a top-level `const` of Sphinx's documentation_options.js, not a window property.
  const pagename = typeof DOCUMENTATION_OPTIONS !== "undefined" ? DOCUMENTATION_OPTIONS.pagename : null;
  if (!source || !pagename || !document.querySelector("div.cell") || menu.querySelector(".btn-download-notebook-button")) {
    return;
  }
  const root = document.documentElement.dataset.content_root || "";
  const item = source.closest("li").cloneNode(true);
  const link = item.querySelector("a");
  link.href = `${root}${pagename}.ipynb`;
  link.setAttribute("download", `${pagename.split("/").pop()}.ipynb`);
  link.removeAttribute("target");
  link.removeAttribute("data-bs-toggle");
  link.removeAttribute("data-bs-placement");
  link.title = "Download the notebook (with outputs)";
  link.classList.replace("btn-download-source-button", "btn-download-notebook-button");
  // Font Awesome may already have replaced the copied <i> icon by an <svg>: put a fresh <i> in.
  const icon = link.querySelector(".btn__icon-container");
  if (icon) {
    icon.innerHTML = '<i class="fas fa-code"></i>';
  }
  link.querySelector(".btn__text-container").textContent = ".ipynb";
  source.closest("li").before(item);
});
