/*
 * mlp-lab: a click anywhere on a folded solution's title opens or closes it.
 *
 * sphinx-exercise titles a solution "Solution to <a>Exercise N (title)</a>". sphinx-togglebutton's
 * title handler cannot find its button when the click lands on that link (it throws "button is
 * not defined") and the browser follows the link instead of unfolding the solution. The exercise
 * is right above its solution, so a click on the link toggles the solution like the rest of the title.
 */
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll(".admonition.dropdown > .admonition-title a").forEach((link) => {
    link.addEventListener("click", (event) => {
      const button = link.closest(".admonition-title").querySelector("button.toggle-button");
      if (!button) {
        return; // not (yet) a toggle: keep the link's normal behaviour
      }
      event.preventDefault();
      event.stopPropagation();
      button.click();
    });
  });
});
