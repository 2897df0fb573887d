// Long-running forms (onboarding one centre takes several seconds): a form whose submit button has
// data-busy="..." disables that button and shows the text while the request runs, so nobody clicks
// again or wonders whether anything happens. A static file: the Content-Security-Policy allows no
// inline script.
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (!form.querySelector || event.defaultPrevented) { return; }
  var button = form.querySelector("button[data-busy]");
  if (!button) { return; }
  // After the browser has taken the form's data, so the submission goes ahead unchanged.
  window.setTimeout(function () {
    button.disabled = true;
    button.textContent = button.getAttribute("data-busy");
    form.setAttribute("aria-busy", "true");
  }, 0);
});
// Back from the browser's page cache: the form is usable again.
window.addEventListener("pageshow", function (event) {
  if (!event.persisted) { return; }
  document.querySelectorAll("button[data-busy][disabled]").forEach(function (button) {
    button.disabled = false;
    if (button.hasAttribute("data-label")) { button.textContent = button.getAttribute("data-label"); }
    button.closest("form").removeAttribute("aria-busy");
  });
});
