// Progressive enhancement only: every page works without this file.
// Confirm dialogs for buttons marked data-confirm (no inline script, CSP-safe).
document.addEventListener("click", function (event) {
  var el = event.target.closest("[data-confirm]");
  if (el && !window.confirm(el.getAttribute("data-confirm"))) {
    event.preventDefault();
  }
});
